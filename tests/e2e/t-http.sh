#!/bin/bash
# Sandboxes on the http provider, through the command line, against a real
# HTTP server on 127.0.0.1 that fails on purpose and logs what it received.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
python3 "$TOP_SRCDIR/tests/http-fault-server.py" --lifetime 240 >"$T/port" 2>"$T/server.err" &
for i in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(head -1 "$T/port")
[ -n "$PORT" ] || { echo "the test server did not start" >&2; exit 99; }
URL="http://127.0.0.1:$PORT"
ctl() { curl -s -X "$1" "$URL$2" ${3:+-d "$3"}; }

"$TOP_SRCDIR/tests/data/gen-export" exp >/dev/null || exit 99
"$SBX" -q master refresh acme --from exp --policy "$TOP_SRCDIR/contrib/policies/support-platform.json" \
	>/dev/null 2>&1 || exit 99
export SBX_CLOUD_TOKEN=tok-e2e-0123456789
cat >"$S/config.json" <<JSON
{"providers": {"cloud": {"type": "http", "base_url": "$URL", "token_env": "SBX_CLOUD_TOKEN",
  "timeout": "20s", "retries": 3,
  "verbs": {"provision": "POST /sandboxes", "activate": "POST /sandboxes/{id}/start",
            "deactivate": "POST /sandboxes/{id}/stop", "destroy": "DELETE /sandboxes/{id}",
            "status": "GET /sandboxes/{id}", "usage": "GET /sandboxes/{id}/usage"}}},
 "purposes": {"uat": {"provider": "cloud", "vars": {"API_BASE": "https://u.test", "SUPPORT_EMAIL": "a@u.test"}}}}
JSON
expect 0 config check

expect 0 clone acme web1 --purpose uat --json
id=$(jq -r .provider_id "$O")
[ -n "$id" ] && [ "$id" != null ] && ok || fail "provision returned no id"
expect 0 activate web1
expect 0 status web1 --json
assert_eq "$(jq -r .provider_status.state "$O")" active "the API says active"

# 503 twice, then success: three requests with one Idempotency-Key and the token.
expect 0 deactivate web1
ctl DELETE /_log >/dev/null
ctl POST /_faults "[{\"path\": \"/sandboxes/$id/start\", \"status\": 503, \"times\": 2}]" >/dev/null
expect 0 activate web1
ctl GET /_log >log.json
assert_eq "$(jq "[.[] | select(.path == \"/sandboxes/$id/start\")] | length" log.json)" 3 "three attempts"
assert_eq "$(jq -r "[.[] | select(.path == \"/sandboxes/$id/start\") | .headers[\"idempotency-key\"]] | unique | length" log.json)" 1 \
	"one Idempotency-Key across the retries"
assert_eq "$(jq -r '.[0].headers.authorization' log.json)" "Bearer $SBX_CLOUD_TOKEN" "bearer token sent"

# A 429 with Retry-After: 2 is waited out.
expect 0 deactivate web1
ctl POST /_faults "[{\"path\": \"/sandboxes/$id/start\", \"status\": 429, \"retry_after\": 2}]" >/dev/null
start=$(date +%s%N)
expect 0 activate web1
[ $(( ($(date +%s%N) - start) / 1000000 )) -ge 1900 ] && ok || fail "Retry-After not honoured"

# 500 until the retries run out: the sandbox goes back, the journal says why,
# and the token never shows.
expect 0 deactivate web1
ctl POST /_faults "[{\"path\": \"/sandboxes/$id/start\", \"status\": 500, \"times\": 99}]" >/dev/null
expect 1 activate web1
assert_grep "HTTP 500" "$E"
grep -qF "$SBX_CLOUD_TOKEN" "$E" && fail "the token is in the error" || ok
expect 0 status web1 --json
assert_eq "$(jq -r .state "$O")" inactive "failure left the sandbox inactive"
expect 0 history web1 --json
jq -r '.[-1].message' "$O" | grep -q "HTTP 500" && ok || fail "the reason is not journaled"
grep -qF "$SBX_CLOUD_TOKEN" "$O" && fail "the token is in the journal" || ok
ctl DELETE /_faults >/dev/null

# A hung connection: the timeout ends it.
jq '.providers.cloud.timeout = "2s" | .providers.cloud.retries = 1' "$S/config.json" >c2.json
ctl POST /_faults "[{\"path\": \"/sandboxes/$id/start\", \"hang\": 30}]" >/dev/null
start=$(date +%s)
expect 1 --config c2.json activate web1
assert_grep "timed out|timeout" "$E"
[ $(( $(date +%s) - start )) -lt 15 ] && ok || fail "the hung connection was not cut"
ctl DELETE /_faults >/dev/null

expect 0 activate web1
expect 0 destroy web1
expect 0 history web1 --json
assert_eq "$(jq -r '[.[] | select(.phase=="outcome" and .result=="ok") | .op] | join(",")' "$O")" \
	"provision,activate,deactivate,activate,deactivate,activate,deactivate,activate,destroy" "web1's story"

finish
