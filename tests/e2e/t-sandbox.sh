#!/bin/bash
# Sandboxes on the local provider: clone, activate, edit, deactivate,
# reactivate, refresh, destroy; the state machine refuses what is illegal;
# the journal tells the story; kill -9 mid-transition is recovered.
. "$(dirname "$0")/lib.sh"

POLICY="$TOP_SRCDIR/contrib/policies/support-platform.json"
"$TOP_SRCDIR/tests/data/gen-export" exp >/dev/null || exit 99
"$SBX" -q master refresh acme --from exp --policy "$POLICY" >/dev/null 2>&1 || exit 99
ROOT="$S/sandboxes"
VARS=(--var API_BASE=https://api.training.test --var SUPPORT_EMAIL=help@training.test)

expect 0 config check
expect 0 clone acme training-q3 --purpose training --owner ana "${VARS[@]}" --label team=support --json
assert_eq "$(jq -r .state "$O")" inactive "cloned inactive"
assert_eq "$(jq -r .base.master "$O")@$(jq -r .base.version "$O")" acme@1 "base"
assert_eq "$(jq -r .owner "$O")" ana "owner"
[ ! -e "$ROOT/training-q3" ] && ok || fail "clone materialised a directory"

# Illegal transitions exit 4 naming the state.
expect 4 deactivate training-q3
assert_grep "sandbox 'training-q3' is inactive: it cannot deactivate" "$E"
expect 4 clone acme training-q3 --purpose training
expect 2 clone acme Bad_Name --purpose training
expect 3 clone nosuchmaster x1 --purpose training
expect 3 activate nosuch

# Activate: variables filled in the directory, never in the store.
expect 0 activate training-q3
assert_grep "active" "$O"
grep -rqF "https://api.training.test" "$ROOT/training-q3" && ok || fail "API_BASE not filled"
grep -rqF '${API_BASE}' "$ROOT/training-q3" && fail "a placeholder left unfilled" || ok
expect 4 activate training-q3
assert_grep "is active: it cannot activate" "$E"

# Edit, deactivate (captured, directory gone), reactivate (edit survives).
f=$(ls "$ROOT"/training-q3/config/sla/*.yaml | head -1)
echo "# trainer note" >>"$f"
echo '{"new": true}' >"$ROOT/training-q3/config/new.json"
expect 0 deactivate training-q3
[ ! -e "$ROOT/training-q3" ] && ok || fail "deactivate left the directory"
snap=$("$SBX" status training-q3 --json | jq -r .snapshot)
"$SBX" snapshot cat "$snap" config/new.json >/dev/null 2>&1 && ok || fail "edit not captured"
"$SBX" snapshot export "$snap" - --format tar 2>/dev/null | tar -xOf - | grep -qF "api.training.test" &&
	fail "a filled value reached the store" || ok
expect 0 activate training-q3
tail -1 "$f" | grep -q "trainer note" && ok || fail "edit lost across deactivate/activate"

# Missing variables stop activation with their names.
expect 0 clone acme bare --purpose dev
expect 4 activate bare
assert_grep 'variables \["API_BASE","SUPPORT_EMAIL"\] have no value' "$E"
expect 0 status bare --json
assert_eq "$(jq -r .state "$O")" inactive "bare stays inactive"

# Sandbox from sandbox: starts from its current snapshot.
expect 0 deactivate training-q3
expect 0 clone training-q3 uat-1 --purpose uat "${VARS[@]}" --activate --json
assert_eq "$(jq -r .state "$O")" active "clone --activate"
[ -f "$ROOT/uat-1/config/new.json" ] && ok || fail "sandbox-from-sandbox lost the edit"

# list with filters, status with provider view and drift.
expect 0 list --json
assert_eq "$(jq length "$O")" 3 "three sandboxes"
expect 0 list --state active --json
assert_eq "$(jq -r '.[].name' "$O")" uat-1 "filter by state"
expect 0 list --owner ana --json
assert_eq "$(jq -r '.[].name' "$O")" training-q3 "filter by owner"
expect 0 status uat-1 --json
assert_eq "$(jq -r .provider_status.state "$O")" active "provider agrees"
assert_eq "$(jq .drift "$O")" false "no drift"
mv "$ROOT/uat-1" "$T/stolen"
expect 0 status uat-1 --json
assert_eq "$(jq .drift "$O")" true "drift seen when the directory vanished"
mv "$T/stolen" "$ROOT/uat-1"
expect 0 touch uat-1 --json
assert_eq "$(jq -r .last_activity.source "$O")" touch "touch recorded"
assert_eq "$(jq -r .last_activity.by "$O")" e2e "actor from SBX_ACTOR"

# Refresh: refuses unexported changes, --force drops them, onto a new version.
echo '{"id": 99, "name": "v2 workflow"}' >exp/config/workflows/zz-v2.json
"$SBX" -q master refresh acme --from exp --policy "$POLICY" >/dev/null 2>&1
expect 4 refresh uat-1
assert_grep "is active: it cannot refresh" "$E"
expect 4 refresh training-q3
assert_grep "holds changes made since its last refresh" "$E"
expect 0 refresh training-q3 --force --json
assert_eq "$(jq -r .base.version "$O")" 2 "refreshed onto v2"
expect 0 refresh bare --to 1 --json
assert_eq "$(jq -r .base.version "$O")" 1 "refresh --to"

# Destroy: provider resources and own snapshot go, the journal stays.
expect 0 destroy uat-1
[ ! -e "$ROOT/uat-1" ] && ok || fail "destroy left the directory"
expect 4 activate uat-1
assert_grep "is destroyed" "$E"
expect 0 history uat-1 --json
assert_eq "$(jq -r '[.[] | select(.phase=="outcome") | .op] | join(",")' "$O")" \
	"provision,activate,destroy" "uat-1's story"
assert_eq "$(jq -r '.[0].actor' "$O")" e2e "actor journaled"
expect 0 list --json
assert_eq "$(jq length "$O")" 2 "destroyed sandboxes are not listed"

# A hundred clones add no chunk.
before=$("$SBX" stats --json | jq -c '[.chunks, .stored_bytes]')
for i in $(seq 1 100); do "$SBX" -q clone acme "c$i" --purpose qa >/dev/null || fail "clone c$i"; done
assert_eq "$("$SBX" stats --json | jq -c '[.chunks, .stored_bytes]')" "$before" "100 clones stored nothing"

# kill -9 during activate and during deactivate, then recovery.
expect 0 clone acme crash --purpose training "${VARS[@]}"
for round in 1 2 3 4 5 6; do
	"$SBX" -q activate crash >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$round"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	expect 0 recover
	st=$("$SBX" status crash --json | jq -r .state)
	case "$st" in
	active) ok; [ -d "$ROOT/crash" ] && ok || fail "active without its directory" ;;
	inactive) ok; [ ! -e "$ROOT/crash" ] && ok || fail "inactive with a directory" ;;
	*) fail "after recovery the state is $st" ;;
	esac
	[ "$st" = active ] || expect 0 activate crash
	echo "round $round" >"$ROOT/crash/round.txt"
	"$SBX" -q deactivate crash >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$round"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	expect 0 recover crash
	st=$("$SBX" status crash --json | jq -r .state)
	[ "$st" = active ] && expect 0 deactivate crash
	snap=$("$SBX" status crash --json | jq -r .snapshot)
	assert_eq "$("$SBX" snapshot cat "$snap" round.txt 2>/dev/null)" "round $round" "round $round edit kept"
	expect 0 verify
done
# A large text file is filled in pieces: every placeholder, wherever the
# pieces end, and nothing else changes.
mkdir -p big && python3 -c '
import sys
with open("big/huge.txt", "w") as f:
    for i in range(120000):
        f.write("line %06d ${API_BASE}/v%d and more text\n" % (i, i % 7))
'
echo '{"version": 1}' >plain.json
"$SBX" -q master refresh bigm --from big --policy plain.json >/dev/null 2>&1 || fail "refresh of the big tree"
expect 0 clone bigm hugebox --purpose dev --var API_BASE=https://x.test --activate
assert_eq "$(grep -c 'https://x.test/v' "$ROOT/hugebox/huge.txt")" 120000 "every placeholder filled"
assert_eq "$(grep -c '\${API_BASE}' "$ROOT/hugebox/huge.txt")" 0 "no placeholder left"
sed 's|https://x.test|${API_BASE}|' "$ROOT/hugebox/huge.txt" | cmp -s - big/huge.txt && ok ||
	fail "the large file changed beyond its placeholders"
expect 0 destroy hugebox

# ${SECRET:RULE} placeholders: filled only from the admin's secrets file,
# never stored back; a purpose's overlay is laid over the clone.
mkdir -p "$T/overlay/config" && echo "training banner" >"$T/overlay/config/banner.txt"
printf '{"password-field": "s3cret-from-file", "github-token": "ghp_filledfromthesecretsfile000000000000"}' \
	>"$T/secrets.json"
chmod 644 "$T/secrets.json"
cat >"$S/config.json" <<JSON
{"providers": {"local": {"type": "local", "root": "$ROOT"}},
 "purposes": {"training": {"provider": "local", "overlay": "$T/overlay",
                           "vars": {"API_BASE": "https://api.t.test", "SUPPORT_EMAIL": "h@t.test"}},
              "qa": {}, "dev": {}, "uat": {}},
 "secrets_file": "$T/secrets.json"}
JSON
expect 0 clone acme sec --purpose training
expect 4 activate sec
assert_grep "secrets file .* is readable by others" "$E"
chmod 600 "$T/secrets.json"
expect 0 activate sec
assert_eq "$(cat "$ROOT/sec/config/banner.txt")" "training banner" "overlay laid over the clone"
grep -q "s3cret-from-file" "$ROOT/sec/config/smtp.json" && ok || fail "secret not filled from the file"
expect 0 deactivate sec
snap=$("$SBX" status sec --json | jq -r .snapshot)
"$SBX" snapshot cat "$snap" config/smtp.json | grep -q '\${SECRET:password-field}' && ok ||
	fail "the secret placeholder was not put back"
"$SBX" snapshot export "$snap" - --format tar 2>/dev/null | tar -xOf - | grep -q "s3cret-from-file" &&
	fail "a secret from the secrets file reached the store" || ok
# A refresh lays the purpose's overlay over the new version too.
expect 0 refresh sec --force --json
assert_eq "$(jq -r .base.version "$O")" 2 "sec refreshed"
expect 0 activate sec
assert_eq "$(cat "$ROOT/sec/config/banner.txt")" "training banner" "overlay kept across refresh"
expect 0 deactivate sec

expect 0 history crash --json
[ "$(jq '[.[] | select(.phase=="intent")] | length' "$O")" -ge 12 ] && ok || fail "intents journaled"
expect 0 verify --full

finish
