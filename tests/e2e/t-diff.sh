#!/bin/bash
# sbx diff and sbx drift through the real binary on real directories: every
# kind of change, JSON keys, every format; snapshot against snapshot, master
# versions, a sandbox and an active sandbox's live directory; drift of a
# generated production export, untouched and changed.  Nothing secret is
# printed, nothing is left recorded.
. "$(dirname "$0")/lib.sh"

POLICY="$TOP_SRCDIR/contrib/policies/support-platform.json"

# ---------------------------------------------------------------- two trees
mkdir -p a/conf a/kb a/bin a/d2f a/olddir/sub
printf '{"rules": [{"id": 42, "actions": {"email": {"to": "team-a"}}, "title": "Escalate"},\n {"id": 7, "title": "old"}],\n "sla": 4}\n' >a/conf/rules.json
printf 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n' >a/kb/article.md
printf '#!/bin/sh\necho hi\n' >a/bin/run.sh
chmod 0644 a/bin/run.sh
printf 'same\n' >a/same.txt
printf 'bye\n' >a/gone.txt
printf 'a file\n' >a/f2d
printf 'x\n' >a/d2f/inner
printf 'deep\n' >a/olddir/sub/x
head -c 5000 /dev/urandom >a/blob.bin
ln -s same.txt a/link
cp -a a b
# One change of each kind.
printf '{"rules": [{"id": 42, "actions": {"email": {"to": "team-b"}}, "title": "Escalate"},\n {"id": 43, "title": "new"}],\n "sla": 8}\n' >b/conf/rules.json
printf 'one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nnine\n' >b/kb/article.md
chmod 0755 b/bin/run.sh
rm b/gone.txt b/link
ln -s kb/article.md b/link
rm b/f2d && mkdir b/f2d && printf 'now a dir\n' >b/f2d/now
rm -r b/d2f && printf 'was a dir\n' >b/d2f
rm -r b/olddir
mkdir -p b/newdir/deep && printf 'n\n' >b/newdir/deep/n
printf 'hello\n' >b/added.txt
head -c 5000 /dev/urandom >b/blob.bin

A=$("$SBX" -q snapshot capture a) || exit 99
B=$("$SBX" -q snapshot capture b) || exit 99

# The summary: one line per path, keys under the JSON file.
expect 0 diff "$A" "$B"
cp "$O" summary.txt
assert_grep "^added +added\.txt$" summary.txt
assert_grep "^removed +gone\.txt$" summary.txt
assert_grep "^changed +kb/article\.md: content \(\+2 -1 lines\)$" summary.txt
assert_grep "^changed +bin/run\.sh: mode 0644 -> 0755$" summary.txt
assert_grep "^changed +link: target same\.txt -> kb/article\.md$" summary.txt
assert_grep "^changed +f2d: file -> directory$" summary.txt
assert_grep "^added +f2d/now$" summary.txt
assert_grep "^changed +d2f: directory -> file$" summary.txt
assert_grep "^removed +d2f/inner$" summary.txt
assert_grep "^added +newdir/$" summary.txt
assert_grep "^added +newdir/deep/n$" summary.txt
assert_grep "^removed +olddir/sub/x$" summary.txt
assert_grep "^changed +blob\.bin: content \(binary\)$" summary.txt
assert_grep '^ +~ rules\[id=42\]\.actions\.email\.to: "team-a" -> "team-b"$' summary.txt
assert_grep '^ +- rules\[id=7\]: \{"id":7,"title":"old"\}$' summary.txt
assert_grep '^ +\+ rules\[id=43\]: \{"id":43,"title":"new"\}$' summary.txt
assert_grep '^ +~ sla: 4 -> 8$' summary.txt
assert_grep "^5 added, 5 removed, 7 changed$" summary.txt
assert_no_grep "same\.txt$" summary.txt
# The exit status is 0 whatever differs, 4 with --exit-code.
expect 4 diff "$A" "$B" --exit-code
expect 0 diff "$A" "$A" --exit-code
assert_grep "^no differences$" "$O"
# Prefixes are accepted.
expect 0 diff "${A:0:10}" "${B:0:10}" --json
assert_eq "$(jq -r .b.id "$O")" "$B" "prefix resolved"

# --json: one valid document, every change.
expect 0 diff "$A" "$B" --json
jq -e . "$O" >/dev/null && ok || fail "diff --json is not JSON"
cp "$O" diff.json
assert_eq "$(jq -c '[.added[].path]' diff.json)" '["added.txt","f2d/now","newdir","newdir/deep","newdir/deep/n"]' "added"
assert_eq "$(jq -c '.summary' diff.json)" '{"added":5,"changed":7,"removed":5}' "summary"
assert_eq "$(jq -r '.changed[] | select(.path == "bin/run.sh") | .mode.old + " " + .mode.new' diff.json)" "0644 0755" "mode"
assert_eq "$(jq -r '.changed[] | select(.path == "link") | .target.new' diff.json)" "kb/article.md" "target"
assert_eq "$(jq -r '.changed[] | select(.path == "f2d") | .type.old + " " + .type.new' diff.json)" "file directory" "type"
assert_eq "$(jq -r '.changed[] | select(.path == "blob.bin") | .binary' diff.json)" "true" "binary"
assert_eq "$(jq -c '.changed[] | select(.path == "conf/rules.json") | .keys[0]' diff.json)" \
	'{"new":"team-b","old":"team-a","op":"changed","path":"rules[id=42].actions.email.to"}' "JSON key"
assert_eq "$(jq -c '.changed[] | select(.path == "conf/rules.json") | [.keys[].op]' diff.json)" \
	'["changed","removed","added","changed"]' "JSON key ops"
assert_eq "$(jq -c '.changed[] | select(.path == "kb/article.md") | .lines' diff.json)" '{"added":2,"removed":1}' "lines"
assert_eq "$(jq -r '.removed[] | select(.path == "olddir") | .type' diff.json)" "directory" "removed dir"

# --unified: hunks of text files; binary files said to differ.
expect 0 diff "$A" "$B" --unified
cp "$O" unified.txt
assert_grep "^diff --sbx a/kb/article\.md b/kb/article\.md$" unified.txt
assert_grep "^@@ -1,8 \+1,9 @@$" unified.txt
assert_grep "^-three$" unified.txt
assert_grep "^\+THREE$" unified.txt
assert_grep "^\+nine$" unified.txt
assert_grep "^Binary files a/blob\.bin and b/blob\.bin differ$" unified.txt
assert_grep "^new file mode 0644$" unified.txt
assert_grep "^--- /dev/null$" unified.txt
assert_grep "^\+\+\+ b/added\.txt$" unified.txt
assert_grep "^mode 0644 -> 0755$" unified.txt
# Context lines follow -U.
expect 0 diff "$A" "$B" -U1
assert_grep "^@@ -2,3 \+2,3 @@$" "$O"
assert_grep "^@@ -8 \+8,2 @@$" "$O"

# --side-by-side: old | new, keys of JSON files.
export COLUMNS=120
expect 0 diff "$A" "$B" --side-by-side
unset COLUMNS
cp "$O" side.txt
assert_grep "^ +3 three +\| +3 THREE$" side.txt
assert_grep "^ +> +9 nine$" side.txt
assert_grep '^rules\[id=42\]\.actions\.email\.to = "team-a" +\| rules\[id=42\]\.actions\.email\.to = "team-b"$' side.txt
assert_grep '^rules\[id=7\] = \{"id":7,"title":"old"\} +<' side.txt
[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' side.txt)" -le 120 ] && ok ||
	fail "side-by-side wider than COLUMNS"

# Secrets in plain snapshots: placeholders in keys and in text.
mkdir -p s1 s2
printf '{"db": {"host": "db1", "password": "First-Secret-Value1"}}\n' >s1/app.json
printf 'DB_PASSWORD=First-Secret-Value1\n' >s1/app.env
printf '{"db": {"host": "db1", "password": "Second-Secret-Value2"}}\n' >s2/app.json
printf 'DB_PASSWORD=Second-Secret-Value2\n' >s2/app.env
S1=$("$SBX" -q snapshot capture s1) || exit 99
S2=$("$SBX" -q snapshot capture s2) || exit 99
expect 0 diff "$S1" "$S2"
assert_grep "^changed +app\.env: content \(in hidden values only\)$" "$O"
assert_grep '^ +~ db\.password: "\$\{SECRET:password-field\}" -> "\$\{SECRET:password-field\}"$' "$O"
for f in --unified --side-by-side --json; do
	expect 0 diff "$S1" "$S2" $f
	assert_no_grep "Secret-Value" "$O"
done

# ---------------------------------------------------------------- masters
mkdir -p src/config
printf '{"users": [{"id": 1, "email": "ann@acme.example", "role": "agent"}],\n "smtp": {"password": "Hunter2-Secret-Pass"}}\n' >src/config/users.json
for i in $(seq 1 30); do mkdir -p "src/kb/s$i" && printf 'article %s\n' "$i" >"src/kb/s$i/a.md"; done
expect 0 master refresh m --from src --policy "$POLICY"
printf '{"users": [{"id": 1, "email": "bob@acme.example", "role": "admin"}],\n "smtp": {"password": "Other-Secret-Pass9"}}\n' >src/config/users.json
printf 'article 7, edited\n' >src/kb/s7/a.md
expect 0 master refresh m --from src --policy "$POLICY"
expect 0 diff m@1 m@2
cp "$O" masters.txt
assert_grep "^--- master m@1 \([0-9a-f]{12}\)$" masters.txt
assert_grep "^\+\+\+ master m@2 " masters.txt
assert_grep "^changed +kb/s7/a\.md: content" masters.txt
# Masked and secret values show as placeholders, never raw.
assert_grep '^ +~ users\[id=1\]\.email: "\$\{MASKED:email\}" -> "\$\{MASKED:email\}"$' masters.txt
assert_grep '^ +~ users\[id=1\]\.role: "agent" -> "admin"$' masters.txt
assert_no_grep "Hunter2|Other-Secret|ann@|bob@|example\.invalid" masters.txt
# Only the trees on the changed paths are read.
expect 0 diff m@1 m --json
assert_eq "$(jq -r .b.what "$O")" "master m@2" "latest version"
[ "$(jq .stats.trees_loaded "$O")" -le 8 ] && ok || fail "too many trees read: $(jq .stats "$O")"
[ "$(jq .stats.subtrees_skipped "$O")" -ge 29 ] && ok || fail "equal subtrees entered: $(jq .stats "$O")"
expect 0 diff m@1 m@2 --unified
assert_no_grep "Hunter2|Other-Secret|ann@|bob@" "$O"
assert_grep "\\\$\{SECRET:password-field\}" "$O"

# Names: unknown (3), ambiguous (2), prefixed.
expect 3 diff m@1 nosuch
assert_grep "no snapshot, master or sandbox 'nosuch'" "$E"
expect 3 diff m@9 m
expect 0 diff master:m@1 "snapshot:$A"

# ---------------------------------------------------------------- sandboxes
VARS=(--var API_BASE=https://api.qa-sandbox.test --var SUPPORT_EMAIL=help@qa-sandbox.test)
"$TOP_SRCDIR/tests/data/gen-export" exp >/dev/null || exit 99
expect 0 master refresh acme --from exp --policy "$POLICY"
expect 0 clone acme qa1 --purpose qa "${VARS[@]}"
expect 0 diff acme qa1
assert_grep "^no differences$" "$O"
assert_grep "^\+\+\+ sandbox qa1 " "$O"
# A master and a sandbox of one name: say which.
expect 0 master refresh qa1 --from src --policy "$POLICY"
expect 2 diff acme qa1
assert_grep "'qa1' names both a master and a sandbox; write master:qa1 or sandbox:qa1" "$E"
expect 0 diff acme sandbox:qa1
assert_grep "^no differences$" "$O"

# An active sandbox: its live directory, values put back into placeholders.
expect 0 activate qa1
D="$S/sandboxes/qa1"
grep -rqF "api.qa-sandbox.test" "$D" && ok || fail "API_BASE not filled in the live directory"
sed -i 's/"active": false/"active": true/' "$D/config/webhooks.json"
art=$(ls "$D"/kb/articles/*.md | head -1)
printf 'See https://api.qa-sandbox.test/status\n' >>"$art"
printf '{"new": true}\n' >"$D/config/new.json"
before=$("$SBX" stats --json | jq .snapshots)
expect 0 diff acme sandbox:qa1
cp "$O" live.txt
assert_grep "^\+\+\+ sandbox qa1 \(live\) " live.txt
assert_grep "^added +config/new\.json$" live.txt
assert_grep "^changed +config/webhooks\.json: content" live.txt
assert_grep '^ +~ webhooks\[id=[0-9]+\]\.active: false -> true$' live.txt
assert_grep "^changed +kb/articles/.*\.md: content \(\+1 -0 lines\)$" live.txt
expect 0 diff acme sandbox:qa1 --unified
assert_grep '^\+See \$\{API_BASE\}/status$' "$O"
assert_no_grep "qa-sandbox\.test" "$O"
expect 0 diff acme sandbox:qa1 --json
assert_eq "$(jq .b.live "$O")" true "live side"
assert_no_grep "qa-sandbox\.test" "$O"
# Nothing recorded, the sandbox untouched, the store sound.
assert_eq "$("$SBX" stats --json | jq .snapshots)" "$before" "no snapshot recorded by a live diff"
expect 0 status qa1 --json
assert_eq "$(jq -r .state "$O")" active "still active"
[ -f "$D/config/new.json" ] && ok || fail "the live directory changed"
expect 0 verify
# Deactivated, the sandbox's snapshot holds the same as the live view.
expect 0 diff acme sandbox:qa1 --json
live_doc=$(jq -c '[.added, .removed, .changed]' "$O")
expect 0 deactivate qa1
expect 0 diff acme sandbox:qa1 --json
assert_eq "$(jq .b.live "$O")" false "inactive side"
assert_eq "$(jq -c '[.added, .removed, .changed]' "$O")" "$live_doc" "live view and captured snapshot agree"

# ---------------------------------------------------------------- drift
expect 0 master history acme --json
versions=$(jq -c '[.[].version]' "$O")
snaps=$("$SBX" stats --json | jq .snapshots)
expect 0 drift acme --from exp
assert_grep "^no drift: exp hardened through .* is acme@1$" "$O"
expect 0 drift acme --from exp --json
jq -e . "$O" >/dev/null && ok || fail "drift --json is not JSON"
assert_eq "$(jq .drift "$O")" false "no drift"
# Production changes: one rule edited, an SMTP password rotated.
trg=$(ls exp/config/triggers/*.json | head -1)
rel=${trg#exp/}
jq '.title = "Prioritise urgent wallet requests"' "$trg" >t.json && mv t.json "$trg"
jq '.smtp.password = "Rotated-Pa55word-2026"' exp/config/smtp.json >t.json && mv t.json exp/config/smtp.json
expect 4 drift acme --from exp
cp "$O" drift.txt
assert_grep "^changed +$rel: content" drift.txt
assert_grep '^ +~ title: ".*" -> "Prioritise urgent wallet requests"$' drift.txt
# A rotated secret is no drift: the master holds its placeholder.
assert_no_grep "smtp\.json" drift.txt
assert_grep "^0 added, 0 removed, 1 changed$" drift.txt
assert_grep "has drifted since acme@1" "$E"
assert_no_grep "Rotated-Pa55word" drift.txt
expect 4 drift acme --from exp --json
cp "$O" drift.json
jq -e . drift.json >/dev/null && ok || fail "drift --json is not JSON"
assert_eq "$(jq .drift drift.json)" true "drift"
assert_eq "$(jq -r --arg p "$rel" '.changed[] | select(.path == $p) | .keys[0].path' drift.json)" "title" "key path"
assert_eq "$(jq -r '.master.name + "@" + (.master.version | tostring)' drift.json)" "acme@1" "compared version"
assert_no_grep "Rotated-Pa55word" drift.json
expect 4 drift acme --from exp --unified
assert_grep '^\+  "title": "Prioritise urgent wallet requests",$' "$O"
assert_no_grep "Rotated-Pa55word" "$O"
# No version added, nothing recorded, the store sound; gc frees the views.
expect 0 master history acme --json
assert_eq "$(jq -c '[.[].version]' "$O")" "$versions" "no master version added by drift"
assert_eq "$("$SBX" stats --json | jq .snapshots)" "$snaps" "no snapshot recorded by drift"
expect 0 verify
expect 0 gc --json
[ "$(jq .trees_removed "$O")" -ge 1 ] && ok || fail "gc kept the drift's trees: $(cat "$O")"
expect 0 verify --full
# A refresh takes the change in: no drift against the new version.
expect 0 master refresh acme --from exp --policy "$POLICY"
expect 0 drift acme --from exp
assert_grep "is acme@2$" "$O"
# --policy, and a recorded policy that is gone.
jq '.exclude += ["kb/**"]' "$POLICY" >narrow.json
expect 4 drift acme --from exp --policy narrow.json --json
assert_eq "$(jq -r '[.removed[].path | select(startswith("kb/"))] | length > 0' "$O")" true "kb gone under --policy"
cp "$POLICY" mine.json
expect 0 master refresh acme --from exp --policy mine.json
rm mine.json
expect 3 drift acme --from exp
assert_grep "is gone; give the policy with --policy FILE" "$E"
expect 2 drift acme@1 --from exp
expect 2 drift acme
expect 3 drift nosuch --from exp

finish
