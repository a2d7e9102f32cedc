#!/bin/bash
# Sandboxes on the exec provider (contrib/providers/demo, a real child
# process): the lifecycle through the program, its failures journaled with
# its stderr, the sandbox left in its previous state, timeouts enforced.
. "$(dirname "$0")/lib.sh"

"$TOP_SRCDIR/tests/data/gen-export" exp >/dev/null || exit 99
"$SBX" -q master refresh acme --from exp --policy "$TOP_SRCDIR/contrib/policies/support-platform.json" \
	>/dev/null 2>&1 || exit 99
export SBX_DEMO_ROOT="$T/demo-root"
cat >"$S/config.json" <<JSON
{
  "providers": {
    "local": {"type": "local", "root": "$T/local"},
    "demo": {"type": "exec", "program": "$TOP_SRCDIR/contrib/providers/demo", "timeout": "3s"}
  },
  "purposes": {
    "training": {"provider": "demo", "vars": {"API_BASE": "https://api.t.test", "SUPPORT_EMAIL": "a@t.test"}},
    "uat": {"provider": "local", "vars": {"API_BASE": "https://api.u.test", "SUPPORT_EMAIL": "a@u.test"}}
  }
}
JSON
expect 0 config check
assert_grep "2 providers, 2 purposes" "$O"

expect 0 clone acme t1 --purpose training --json
assert_eq "$(jq -r .provider "$O")" demo "provider from the purpose"
[ -d "$SBX_DEMO_ROOT/t1" ] && ok || fail "the demo program did not provision"
expect 0 activate t1
assert_eq "$(cat "$SBX_DEMO_ROOT/t1/state")" active "program's state"
expect 0 status t1 --json
assert_eq "$(jq -r .provider_status.state "$O")" active "status asked the program"
expect 0 deactivate t1
assert_eq "$(cat "$SBX_DEMO_ROOT/t1/state")" inactive "deactivated by the program"

# A failing program: the sandbox stays inactive, its stderr is journaled.
SBX_DEMO_FAIL=activate expect 1 activate t1
assert_grep "exit status 1" "$E"
expect 0 status t1 --json
assert_eq "$(jq -r .state "$O")" inactive "failure left the previous state"
expect 0 history t1 --json
assert_eq "$(jq -r '.[-1].result' "$O")" error "outcome journaled as an error"
jq -r '.[-1].message' "$O" | grep -q "exit status 1" && ok || fail "stderr not in the journal"

# Garbage on stdout, and a program that hangs past its timeout.
SBX_DEMO_GARBAGE=activate expect 1 activate t1
assert_grep "JSON" "$E"
start=$(date +%s)
SBX_DEMO_SLEEP=30 expect 1 activate t1
assert_grep "timed out|timeout" "$E"
[ $(( $(date +%s) - start )) -lt 15 ] && ok || fail "the timeout was not enforced"
expect 0 status t1 --json
assert_eq "$(jq -r .state "$O")" inactive "still inactive after the timeout"
pgrep -f "contrib/providers/demo" >/dev/null && fail "the timed-out program still runs" || ok

# It works again once the program does.
expect 0 activate t1
expect 0 destroy t1
[ ! -e "$SBX_DEMO_ROOT/t1" ] && ok || fail "destroy left the program's state"

# The same store drives local sandboxes side by side.
expect 0 clone acme u1 --purpose uat --activate --json
assert_eq "$(jq -r .state "$O")" active "local sandbox active"
[ -d "$T/local/u1" ] && ok || fail "local root from the config"

# A config mistake: file:line:column.
printf '{\n  "providers": {"x": {"type": "ftp"}}\n}\n' >"$T/bad.json"
expect 2 config check "$T/bad.json"
assert_grep "unknown type 'ftp'" "$E"
printf '{\n  "purposes": {"qa": {"idle_afte": "2h"}}\n}\n' >"$T/bad2.json"
expect 2 config check "$T/bad2.json"
assert_grep 'bad2.json:2:23: unknown purpose setting "idle_afte" \(did you mean "idle_after"\?\)' "$E"
printf '{"purposes": {"qa": {"ttl": "soon"}}}' >"$T/bad3.json"
expect 2 config check "$T/bad3.json"
assert_grep 'bad3.json:1:29: "soon" is not a duration' "$E"

finish
