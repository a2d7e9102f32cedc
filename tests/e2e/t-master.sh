#!/bin/bash
# Hardened masters on a realistic production export: nothing secret or
# personal reaches the master, pseudonyms are valid and consistent, the gate
# and on_secret "fail" refuse and store nothing, policies get precise errors.
. "$(dirname "$0")/lib.sh"

GEN="$TOP_SRCDIR/tests/data/gen-export"
POLICY="$TOP_SRCDIR/contrib/policies/support-platform.json"
"$GEN" exp --manifest man.json >/dev/null || { echo "gen-export failed" >&2; exit 99; }

expect 0 policy check "$POLICY"
assert_grep "^ok: .*outbound disabled" "$O"

# leaks DIR: prints every manifest value found in DIR (none expected).
leaks() {
	python3 - "$1" <<'PY'
import json, os, sys
m = json.load(open('man.json'))
blob = {}
for root, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        p = os.path.join(root, f)
        if not os.path.islink(p):
            blob[p] = open(p, 'rb').read()
vals = [("secret " + r, v) for r, vs in m['secrets'].items() for v in vs]
vals += [("personal", v) for k in ('emails', 'phones', 'names') for v in m['personal'][k]]
vals += [("customer", v) for v in m['customer_emails']] + [("endpoint", v) for v in m['endpoints']]
for what, v in vals:
    for p, b in blob.items():
        if v.encode() in b:
            print(what, p)
for rel in m['config_files_unchanged']:
    if open(os.path.join('exp', rel), 'rb').read() != blob.get(os.path.join(sys.argv[1], rel)):
        print("changed", rel)
PY
}

# A refresh through the example policy.
expect 0 master refresh acme --from exp --policy "$POLICY" --message first --json
V1=$(jq -r .snapshot "$O")
assert_eq "$(jq .version "$O")" 1 "first version"
[ "$(jq .report.values_redacted "$O")" -ge 15 ] && ok || fail "too few redactions: $(jq .report "$O")"
assert_eq "$(jq .report.files_excluded "$O")" 133 "excluded files"
expect 0 snapshot restore "$V1" m1
leaks m1 >leaks.txt
assert_eq "$(cat leaks.txt)" "" "values that reached the master"
# Excluded trees are gone; placeholders are in place.
[ ! -e m1/tickets ] && [ ! -e m1/contacts ] && ok || fail "excluded data in the master"
assert_grep '\$\{SECRET:password-field\}' m1/config/smtp.json
assert_grep '"enabled": false' m1/config/smtp.json "smtp switched off"
assert_grep '\$\{API_BASE\}' m1/config/webhooks.json "endpoint rewritten"
assert_grep '"active": false' m1/config/webhooks.json "webhooks switched off"

# Pseudonyms: valid addresses at example.invalid, the same everywhere.
shared=$(jq -r .shared_email man.json)
python3 - "$shared" <<'PY' >pseudo.txt
import json, re, sys, glob
users = json.load(open('exp/config/users.json'))['users']
i = [u['email'] for u in users].index(sys.argv[1])
masked = json.load(open('m1/config/users.json'))['users'][i]['email']
print(masked)
ok = re.fullmatch(r"[a-z0-9]+(\.[a-z0-9]+)*@example\.invalid", masked) is not None
hits = [f for f in glob.glob('m1/config/triggers/*.json') if masked in open(f).read()]
print("valid" if ok else "invalid", len(hits))
PY
assert_eq "$(sed -n 2p pseudo.txt | cut -d' ' -f1)" valid "pseudonym is a valid address"
[ "$(sed -n 2p pseudo.txt | cut -d' ' -f2)" -ge 1 ] && ok || fail "shared email not mapped the same in triggers"
for f in m1/config/users.json; do
	n=$(jq '[.users[].email | select(test("@example\\.invalid$"))] | length' "$f")
	assert_eq "$n" "$(jq '.users | length' "$f")" "every user email masked"
done

# A second refresh of the same export gives the same tree: same pseudonyms.
expect 0 master refresh acme --from exp --policy "$POLICY" --json
assert_eq "$(jq -r .snapshot "$O")" "$V1" "second refresh, same snapshot"
assert_eq "$(jq .version "$O")" 2 "second version"

# list, show, history, report, verify.
expect 0 master list --json
assert_eq "$(jq -r '.[0].name' "$O")" acme "master list"
expect 0 master show acme@1
assert_grep "^snapshot  $V1" "$O"
expect 0 master history acme
assert_eq "$(grep -c "^[12] " "$O")" 2 "history lines"
expect 0 master report acme@1 --json
assert_eq "$(jq .files_kept "$O")" 152 "report kept"
"$SBX" master report acme --json >report.json
"$SBX" master show acme --json >show.json
leaked=0
for v in $(jq -r '.secrets[][]' man.json) $(jq -r '.personal.emails[]' man.json); do
	grep -qF -- "$v" report.json show.json && leaked=$((leaked + 1))
done
assert_eq "$leaked" 0 "values in the report or the master record"
expect 0 master verify acme
assert_grep "^ok: acme@2 passes the gate" "$O"
expect 3 master show nope
expect 3 master show acme@9
expect 2 master refresh 'bad name' --from exp --policy "$POLICY"

# The master's snapshots are pinned.
expect 4 snapshot rm "$V1"
assert_grep "held by master/acme" "$E"

# on_secret "fail": exit 4, names file and rule, stores nothing.
jq '.on_secret = "fail"' "$POLICY" >fail.json
before=$("$SBX" stats --json | jq -c '[.snapshots, .chunks]')
expect 4 master refresh strict --from exp --policy fail.json
assert_grep "^sbx: error: secret found in 'config/.*' \(rule [a-z-]+\)" "$E"
for v in $(jq -r '.secrets[][]' man.json); do grep -qF -- "$v" "$E" && fail "secret in the error"; done
expect 3 master show strict
assert_eq "$("$SBX" stats --json | jq -c '[.snapshots, .chunks]')" "$before" "nothing stored"

# A canary that slips past the rules (inside a .tar.gz) aborts the refresh.
canary=$(jq -r .canary man.json)
jq --arg c "$canary" '.canaries = [$c]' "$POLICY" >canary.json
expect 4 master refresh acme --from exp --policy canary.json
assert_grep "^sbx: error: gate: 'config/archive/old-config.tar.gz' \(inside: '.*'\) holds canary #1" "$E"
grep -qF -- "$canary" "$E" && fail "the canary value is in the message" || ok
expect 0 master history acme --json
assert_eq "$(jq length "$O")" 2 "no version added by the refused refresh"
# verify with a canary present in the stored master fails.
kept=$(jq -r '.ordinary_values.uuids[0] // empty' man.json)
if [ -n "$kept" ]; then
	jq --arg c "$kept" '.canaries = [$c]' "$POLICY" >kept.json
	expect 4 master verify acme --policy kept.json
	assert_grep "holds canary #1" "$E"
fi

# Retention: --keep 2 drops the oldest version and unpins it.
echo '{"id": 1, "name": "new workflow"}' >exp/config/workflows/zz-new.json
expect 0 master refresh acme --from exp --policy "$POLICY" --keep 2 --json
assert_eq "$(jq .version "$O")" 3 "third version"
assert_eq "$(jq '.dropped | length' "$O")" 1 "one version dropped"
expect 3 master show acme@1
expect 0 master history acme --json
assert_eq "$(jq -c '[.[].version]' "$O")" "[2,3]" "versions kept"
expect 0 verify --full

# policy test: a dry run stores nothing.
before=$("$SBX" stats --json | jq -c '[.snapshots, .chunks, .packs]')
expect 0 policy test "$POLICY" exp --json
assert_eq "$(jq .stored "$O")" false "dry run"
[ "$(jq .report.files_kept "$O")" -gt 100 ] && ok || fail "dry run report"
assert_eq "$("$SBX" stats --json | jq -c '[.snapshots, .chunks, .packs]')" "$before" "dry run stored nothing"

# Refresh from an archive on stdin works the same.
tar -C exp -cf - . | "$SBX" master refresh fromtar --from - --policy "$POLICY" >/dev/null 2>&1
assert_eq "$?" 0 "refresh from stdin"

# Policy errors: syntax, unknown rule with a suggestion, bad values.
printf '{\n  "version": 1,\n  "exclude": ["a",]\n}\n' >syntax.json
expect 2 policy check syntax.json
assert_grep "^sbx: error: syntax.json:3:19: " "$E"
printf '{\n  "version": 1,\n  "maks": []\n}\n' >typo.json
expect 2 policy check typo.json
assert_grep '^sbx: error: typo.json:3:3: unknown rule "maks" \(did you mean "mask"\?\)' "$E"
expect 2 master refresh x --from exp --policy typo.json
printf '{"version": 1, "mask": [{"files": "**", "kees": ["a"]}]}' >typo2.json
expect 2 policy check typo2.json
assert_grep 'typo2.json:1:41: unknown mask field "kees" \(did you mean "keys"\?\)' "$E"
printf '{"version": 1, "on_secret": "warn"}' >bad.json
expect 2 policy check bad.json
assert_grep 'bad.json:1:29: on_secret must be "redact" or "fail"' "$E"
printf '{"version": 1, "rewrite": [{"regex": "([a-z", "to": "x"}]}' >re.json
expect 2 policy check re.json
assert_grep 're.json:1:38: bad regex' "$E"
printf '{"exclude": []}' >nov.json
expect 2 policy check nov.json
assert_grep 'needs "version": 1' "$E"
expect 3 policy check missing.json
# Regression: empty strings decode to empty strings (an empty member name is
# an unknown rule; an empty "to" deletes what it replaces, nothing more).
printf '{"version": 1, "": 1}' >empty-key.json
expect 2 policy check empty-key.json
assert_grep 'empty-key.json:1:16: unknown rule ""' "$E"
mkdir erw && printf 'url=https://api.acme.example/x\n' >erw/a.txt
printf '{"version": 1, "rewrite": [{"from": "https://api.acme.example", "to": ""}]}' >empty-to.json
expect 0 master refresh erw --from erw --policy empty-to.json --json
expect 0 snapshot cat "$(jq -r .snapshot "$O")" a.txt
assert_eq "$(cat "$O")" "url=/x" "empty replacement"

finish
