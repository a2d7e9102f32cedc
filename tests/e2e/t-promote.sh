#!/bin/bash
# sbx promote through the real binary: a master made from a generated
# production export, a sandbox cloned from it and edited (inactive, and once
# live), production edited meanwhile.  The changeset carries the sandbox's
# change only, on production's real values; its manifest is checked file by
# file against digests recomputed from the real files; conflicts are shown
# side by side or as JSON, exit 4, and nothing is written; placeholders are
# refused by name; --resolve settles conflicts; --apply goes through an exec
# provider's import, journaled.
. "$(dirname "$0")/lib.sh"

POLICY="$TOP_SRCDIR/contrib/policies/support-platform.json"
VARS=(--var API_BASE=https://api.qa-sandbox.test --var SUPPORT_EMAIL=help@qa-sandbox.test)
D="$S/sandboxes"

# An exec provider that can import: it keeps each sandbox's state in a file
# and copies the changeset it is given.
cat >imp-provider <<'SH'
#!/bin/sh
req=$(cat)
name=$(printf '%s' "$req" | jq -r .sandbox.name)
dir="$PROV_DIR/$name"
mkdir -p "$dir"
case "$1" in
provision|deactivate) echo inactive >"$dir/state"; echo '{"ok":true,"state":"inactive"}' ;;
activate) echo active >"$dir/state"; echo '{"ok":true,"state":"active"}' ;;
destroy) rm -rf "$dir"; echo '{"ok":true,"state":"absent"}' ;;
status) printf '{"ok":true,"state":"%s"}\n' "$(cat "$dir/state" 2>/dev/null || echo absent)" ;;
import) f=$(printf '%s' "$req" | jq -r .file); cp "$f" "$dir/imported.tar.zst"
	printf '%s\n' "$f" >"$dir/imported-from"; echo '{"ok":true,"message":"imported"}' ;;
*) echo '{"ok":false,"unsupported":true}' ;;
esac
SH
chmod +x imp-provider
export PROV_DIR="$T/prov"
mkdir -p "$PROV_DIR"
cat >"$S/config.json" <<JSON
{"providers": {"local": {"type": "local", "root": "$D"},
               "imp": {"type": "exec", "program": "$T/imp-provider", "timeout": "20s"}},
 "purposes": {"qa": {}}}
JSON

"$TOP_SRCDIR/tests/data/gen-export" exp >/dev/null || exit 99
cp -a exp exp0
expect 0 master refresh acme --from exp --policy "$POLICY"

# sha FILE: its SHA-256.
sha() { sha256sum "$1" | cut -d' ' -f1; }
# unpack ARCHIVE DIR
unpack() { rm -rf "$2"; mkdir -p "$2" && tar -C "$2" -xf "$1" || fail "cannot unpack $1"; }
# manifest_field PATH FIELD (from $U/CHANGESET.json)
mf() { jq -r --arg p "$1" ".files[] | select(.path == \$p) | .$2" "$U/CHANGESET.json"; }
# reset_prod: production back to the export the master was made from.
reset_prod() { rm -rf exp && cp -a exp0 exp; }

T1=config/triggers/trg-0001-prioritise-wallet-requests.json   # holds masked recipients
T2=config/triggers/trg-0002-tag-outage-replies.json
MAC=$(cd exp && ls config/macros/*.json | head -1)
grep -q '@' "exp/$T1" || { echo "trg-0001 has no addresses: gen-export changed" >&2; exit 99; }

# ------------------------------------------------ no conflict, un-hardened
expect 0 clone acme qa1 --purpose qa "${VARS[@]}"
expect 0 activate qa1
jq '.title = "Sandbox title"' "$D/qa1/$T1" >t.json && mv t.json "$D/qa1/$T1"
jq '.position = 42' "$D/qa1/$T2" >t.json && mv t.json "$D/qa1/$T2"
expect 0 deactivate qa1
# Production meanwhile: another key of T1, and a file the sandbox did not touch.
jq '.position = 99' "exp/$T1" >t.json && mv t.json "exp/$T1"
jq '.title = "Production only"' "exp/$MAC" >t.json && mv t.json "exp/$MAC"
expect 0 promote qa1 --onto exp --out cs1.tar.zst
assert_grep "^modify +$T1 +\(merged\)$" "$O"
assert_grep "^modify +$T2$" "$O"
assert_grep "^changeset cs1\.tar\.zst: 0 added, 2 modified, 0 deleted, 1 merged, 0 resolved$" "$O"
assert_eq "$(stat -c %a cs1.tar.zst)" 600 "changeset mode"
U=u1; unpack cs1.tar.zst "$U"
assert_eq "$(cd "$U" && find . -type f | sort | tr '\n' ' ')" "./CHANGESET.json ./$T1 ./$T2 " "only the sandbox's files"
assert_eq "$(jq -r '.sandbox + " " + .base.master + "@" + (.base.version|tostring)' "$U/CHANGESET.json")" "qa1 acme@1" "manifest header"
# Both changes in T1, production's real addresses kept (no pseudonym).
assert_eq "$(jq -r .title "$U/$T1")" "Sandbox title" "ours' change"
assert_eq "$(jq -r .position "$U/$T1")" 99 "theirs' change"
assert_no_grep "example\.invalid|\\$\\{" "$U/$T1"
assert_eq "$(jq -S 'del(.title)' "$U/$T1")" "$(jq -S 'del(.title)' "exp/$T1")" "the rest is production's"
assert_eq "$(jq -S 'del(.position)' "$U/$T2")" "$(jq -S 'del(.position)' "exp/$T2")" "T2: the rest is production's"
# The manifest, file by file: digests recomputed from the real files.
"$SBX" snapshot cat "$(jq -r .base.snapshot "$U/CHANGESET.json")" "$T1" >base1 || fail "cat base"
expect 0 status qa1 --json
"$SBX" snapshot cat "$(jq -r .snapshot "$O")" "$T1" >ours1 || fail "cat ours"
for p in "$T1" "$T2"; do
	assert_eq "$(mf "$p" action)" modify "$p action"
	assert_eq "$(mf "$p" result)" "$(sha "$U/$p")" "$p result digest"
	assert_eq "$(mf "$p" theirs)" "$(sha "exp/$p")" "$p theirs digest (production's file)"
done
assert_eq "$(mf "$T1" base)" "$(sha base1)" "T1 base digest"
assert_eq "$(mf "$T1" ours)" "$(sha ours1)" "T1 ours digest"
assert_eq "$(mf "$T1" merged)" true "T1 merged"
assert_eq "$(mf "$T2" merged)" false "T2 not merged"
# Journaled, and the changes count as promoted.
expect 0 history qa1 --json
assert_eq "$(jq -r '[.[] | select(.op == "promote")][-1] | .phase + " " + .result + " " + .message' "$O")" \
	"event ok cs1.tar.zst" "promote event"
expect 0 status qa1 --json
assert_eq "$(jq -r .exported.by "$O")" promote "marked promoted"
expect 0 refresh qa1
# --json summary.
reset_prod
expect 0 clone acme qa2 --purpose qa "${VARS[@]}"
expect 0 activate qa2
jq '.title = "Second"' "$D/qa2/$T2" >t.json && mv t.json "$D/qa2/$T2"
expect 0 deactivate qa2
expect 0 promote qa2 --onto exp --out cs2.tar.zst --json
jq -e . "$O" >/dev/null && ok || fail "promote --json is not JSON"
assert_eq "$(jq -c '[.files[] | .path + ":" + .action]' "$O")" "[\"$T2:modify\"]" "json files"

# ------------------------------------- concurrent edits of one JSON object
reset_prod
jq '.title = "Prod title"' "exp/$T2" >t.json && mv t.json "exp/$T2"
jq '.position = 7' "exp/$T2" >t.json && mv t.json "exp/$T2"
expect 0 activate qa2
jq '.active = true' "$D/qa2/$T2" >t.json && mv t.json "$D/qa2/$T2"
expect 0 deactivate qa2
# qa2 changed title (Second) and active; production title and position.
expect 4 promote qa2 --onto exp --out cs3.tar.zst
[ -e cs3.tar.zst ] && fail "a changeset was written despite a conflict" || ok
assert_grep "CONFLICT \(both-changed\) $T2: title" "$O"
assert_grep "Second" "$O"
assert_grep "Prod title" "$O"
assert_grep "conflict" "$E"
ls cs3.tar.zst.tmp* >/dev/null 2>&1 && fail "temporary file left" || ok
# As JSON.
expect 4 promote qa2 --onto exp --out cs3.tar.zst --format json
assert_eq "$(jq -r '.conflicts[0].kind + " " + .conflicts[0].file + " " + .conflicts[0].path' "$O")" \
	"both-changed $T2 title" "json conflict"
assert_eq "$(jq -r .written "$O")" false "json: not written"
[ -e cs3.tar.zst ] && fail "written with --format json" || ok
# --resolve PATH=theirs: production's title, the other keys merged.
expect 0 promote qa2 --onto exp --out cs3.tar.zst --resolve "$T2=theirs"
U=u3; unpack cs3.tar.zst "$U"
assert_eq "$(jq -r '.title + " " + (.position|tostring) + " " + (.active|tostring)' "$U/$T2")" \
	"Prod title 7 true" "merged keys, resolved as theirs"
assert_eq "$(mf "$T2" resolved)" theirs "manifest: resolved"
assert_eq "$(mf "$T2" result)" "$(sha "$U/$T2")" "resolved result digest"
# --resolve ours
expect 0 promote qa2 --onto exp --out cs4.tar.zst --resolve ours
U=u4; unpack cs4.tar.zst "$U"
assert_eq "$(jq -r '.title + " " + (.position|tostring) + " " + (.active|tostring)' "$U/$T2")" \
	"Second 7 true" "resolved as ours"
assert_grep "resolved" "$O"

# ------------------------------------------- placeholders are never carried
reset_prod
expect 0 clone acme qa3 --purpose qa "${VARS[@]}"
expect 0 activate qa3
# Live (active) sandbox: a new value with a variable, and a masked address.
jq '.title = "See https://api.qa-sandbox.test/x"' "$D/qa3/$T2" >t.json && mv t.json "$D/qa3/$T2"
jq '.title = "ask brave.fox.1a2b3c@example.invalid"' "$D/qa3/$MAC" >t.json && mv t.json "$D/qa3/$MAC"
expect 4 promote qa3 --onto exp --out cs5.tar.zst
[ -e cs5.tar.zst ] && fail "placeholder carried into a changeset" || ok
assert_grep "CONFLICT \(placeholder\) $T2: title" "$O"
assert_grep '\$\{API_BASE\}' "$O"
assert_grep "CONFLICT \(placeholder\) $MAC: title" "$O"
assert_grep "brave\.fox\.1a2b3c@example\.invalid" "$O"
# Resolving a placeholder as ours is refused; as theirs, production's value.
expect 4 promote qa3 --onto exp --out cs5.tar.zst --resolve ours
[ -e cs5.tar.zst ] && fail "resolved as ours with a placeholder" || ok
expect 0 promote qa3 --onto exp --out cs5.tar.zst --resolve theirs
U=u5; unpack cs5.tar.zst "$U"
assert_eq "$(jq -r '.files | length' "$U/CHANGESET.json")" 0 "nothing left to promote"
expect 0 status qa3 --json
assert_eq "$(jq -r .state "$O")" active "promote of a live sandbox leaves it active"

# -------------------------- a change at a hardened place: refused by name
reset_prod
expect 0 clone acme qa4 --purpose qa "${VARS[@]}"
expect 0 activate qa4
# The sandbox edits the line holding a pseudonym (recipients of T1).
jq '.recipients[0] = "new-agent@acme.test"' "$D/qa4/$T1" >t.json && mv t.json "$D/qa4/$T1"
expect 0 deactivate qa4
expect 4 promote qa4 --onto exp --out cs6.tar.zst
[ -e cs6.tar.zst ] && fail "written over a hardened value" || ok
assert_grep "CONFLICT \(placeholder\) $T1: recipients" "$O"
assert_grep "\(masked value\)" "$O"
# Production's real addresses never printed.
for a in $(jq -r '.recipients[]?' "exp/$T1"); do
	assert_no_grep "$a" "$O" "production address printed"
done

# ---------------------------------------------------------------- --apply
reset_prod
expect 0 clone acme qa5 --purpose qa --provider imp "${VARS[@]}"
expect 0 activate qa5
expect 0 deactivate qa5
# An exec provider's sandbox holds its base (nothing changed): an empty changeset.
expect 0 promote qa5 --onto exp --out cs7.tar.zst --apply
[ -s "$PROV_DIR/qa5/imported.tar.zst" ] && ok || fail "import did not get the changeset"
cmp -s cs7.tar.zst "$PROV_DIR/qa5/imported.tar.zst" && ok || fail "imported file differs"
assert_grep "cs7\.tar\.zst" "$PROV_DIR/qa5/imported-from"
assert_grep "; applied$" "$O"
expect 0 history qa5 --json
assert_eq "$(jq -r '[.[] | select(.op == "promote") | .phase + ":" + (.result // "-")] | join(" ")' "$O")" \
	"event:ok intent:- outcome:ok" "journal: event, intent, outcome"
assert_eq "$(jq -r '[.[] | select(.op == "promote" and .phase == "outcome")][0] | .from + ">" + .to' "$O")" \
	"inactive>inactive" "state unchanged"
# A provider without import (local): refused, nothing written or journaled.
n=$("$SBX" history qa1 --json | jq '[.[] | select(.op == "promote")] | length')
expect 4 promote qa1 --onto exp --out cs8.tar.zst --apply
assert_grep "provider 'local' cannot import" "$E"
[ -e cs8.tar.zst ] && fail "written for a refused apply" || ok
assert_eq "$("$SBX" history qa1 --json | jq '[.[] | select(.op == "promote")] | length')" "$n" "nothing journaled"

# ------------------------------- production as an archive; a symlink in it
reset_prod
expect 0 clone acme qa6 --purpose qa "${VARS[@]}"
expect 0 activate qa6
jq '.title = "From an archive"' "$D/qa6/$T1" >t.json && mv t.json "$D/qa6/$T1"
expect 0 deactivate qa6
tar -C exp --zstd -cf exp.tar.zst .
expect 0 promote qa6 --onto exp.tar.zst --out cs9.tar.zst
U=u9; unpack cs9.tar.zst "$U"
assert_eq "$(jq -r .title "$U/$T1")" "From an archive" "ours' change, production from an archive"
assert_eq "$(jq -S 'del(.title)' "$U/$T1")" "$(jq -S 'del(.title)' "exp/$T1")" \
	"production's real values read from the archive"
# The sandbox's file is a symlink in production: refused, nothing written.
mv "exp/$T1" exp/elsewhere.json
ln -s "$T/exp/elsewhere.json" "exp/$T1"
expect 1 promote qa6 --onto exp --out cs10.tar.zst
assert_grep "'$T1' in 'exp' goes through a symlink or a non-directory; refusing" "$E"
[ -e cs10.tar.zst ] && fail "written despite the symlink" || ok

# ---------------------------------------------------------------- usage
expect 2 promote qa1 --onto exp
expect 2 promote qa1 --onto exp --out x --format html
expect 2 promote qa1 --onto exp --out x --resolve sideways
expect 3 promote nosuch --onto exp --out x
expect 0 verify
finish
