#!/bin/bash
# The scheduler over simulated weeks: `sbx --now TIME tick` against real
# sandboxes (local directories, an exec provider), a real webhook receiver on
# 127.0.0.1 that fails twice, and a real notification program.  Each
# scenario has its own store, so that its clock only moves forward.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
python3 "$TOP_SRCDIR/tests/http-fault-server.py" --lifetime 280 >"$T/port" 2>"$T/server.err" &
for i in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(head -1 "$T/port")
[ -n "$PORT" ] || { echo "the test server did not start" >&2; exit 99; }
URL="http://127.0.0.1:$PORT"
ctl() { curl -s -X "$1" "$URL$2" ${3:+-d "$3"}; }
export SBX_HTTP_BACKOFF_SCALE=0.01

mkdir -p src/rules
printf '{"id": 1, "name": "escalate", "sla": 4}\n' >src/rules/escalate.json
printf '{"version": 1}\n' >policy.json

# A notification program: appends the notice it reads on stdin to a file,
# and the TZ it was given to another (the purposes' time zones are sbx's
# business, not the programs').
unset TZ
cat >notify-prog <<SH
#!/bin/sh
cat >>"$T/notices.jsonl"
echo >>"$T/notices.jsonl"
echo "\${TZ-unset}" >>"$T/notify-tz"
SH
chmod +x notify-prog

# An exec provider: the demo provider, except that (1) after answering a
# "usage" call it moves the sandbox's activity to the time in \$T/flip, as
# if someone worked in it between the scheduler's first look and its
# action, (2) while \$T/slow exists, "deactivate" takes two seconds, and
# (3) "deactivate" fails for the sandbox named in \$T/fail.
cat >flip-provider <<SH
#!/bin/sh
req=\$(cat)
[ "\$1" = deactivate ] && [ -f "$T/slow" ] && { : >"$T/started"; sleep 2; }
if [ "\$1" = deactivate ] && [ -f "$T/fail" ]; then
	case \$req in *"\"sandbox\":{\"name\":\"\$(cat "$T/fail")\""*)
		echo "flip: cannot stop it (on purpose)" >&2; exit 1 ;;
	esac
fi
printf '%s' "\$req" | "$TOP_SRCDIR/contrib/providers/demo" "\$@"
rc=\$?
if [ "\$1" = usage ] && [ -f "$T/flip" ]; then
	for d in "$T"/demo/*/; do cp "$T/flip" "\$d/activity"; done
	rm -f "$T/flip"
fi
exit \$rc
SH
chmod +x flip-provider
export SBX_DEMO_ROOT="$T/demo"

# new_store NAME: a fresh store holding master "acme" version 1, and the
# configuration below; later commands use it.
new_store() {
	export SBX_STORE="$T/$1"
	"$SBX" init >/dev/null 2>&1 || exit 99
	"$SBX" -q master refresh acme --from src --policy policy.json >/dev/null 2>&1 || exit 99
	cat >"$SBX_STORE/config.json" <<JSON
{"providers": {"local": {"type": "local", "root": "$T/$1-sandboxes"},
               "flip": {"type": "exec", "program": "$T/flip-provider", "timeout": "10s"}},
 "notify": {"hook": {"type": "webhook", "url": "$URL/hooks/sbx", "retries": 3, "timeout": "10s"},
            "prog": {"type": "exec", "program": "$T/notify-prog"}},
 "purposes": {
   "dev": {"idle_after": "2h", "warn_before": "15m", "notify": ["prog", "hook"]},
   "training": {"active_hours": "Mon-Fri 08:00-18:00", "timezone": "Europe/Berlin",
                "auto_activate": true, "max_active": 2},
   "qa": {"destroy_after_inactive": "14d", "warn_before": "1d", "notify": ["prog"]},
   "uat": {"refresh_window": "Sat 02:00-04:00", "timezone": "UTC", "notify_before": "48h",
           "notify": ["prog"]},
   "demo": {"ttl": "30d"},
   "ops": {"provider": "flip", "idle_after": "1h"}}}
JSON
	expect 0 config check
}

# tick TIME: runs the scheduler at TIME.
tick() { expect 0 --now "$1" tick; }
# quiet_tick TIME: ... which must find nothing due.
quiet_tick() {
	expect 0 --now "$1" tick
	[ -s "$O" ] && fail "tick at $1 acted: $(cat "$O")" || ok
}
state() { "$SBX" status "$1" --json | jq -r .state; }

# ---- idle: warned, then deactivated exactly when due; a touch resets it ----
new_store idle
SBX_ACTOR=alice expect 0 --now 2027-01-04T09:00:00Z clone acme d1 --purpose dev --activate
SBX_ACTOR=alice expect 0 --now 2027-01-04T09:30:00Z touch d1
# Without the touch it would be due at 11:00.
quiet_tick 2027-01-04T11:00:00Z
quiet_tick 2027-01-04T11:14:00Z
expect 0 --now 2027-01-04T11:20:00Z status d1 --json
assert_eq "$(jq -r .next.action "$O")" deactivate "status: next action"
assert_eq "$(jq -r .next.at "$O")" 2027-01-04T11:30:00Z "status: when"
assert_eq "$(jq -r .activity.source "$O")" "touch by alice" "status: activity source"
# The warning at 11:15, through a webhook that fails twice first.
ctl DELETE /_log >/dev/null
ctl POST /_faults '[{"path": "/hooks/sbx", "status": 500, "times": 2}]' >/dev/null
tick 2027-01-04T11:15:00Z
assert_grep "^d1 notice idle: will be deactivated at 2027-01-04T11:30:00Z unless touched" "$O"
assert_grep "\[sent\]" "$O"
ctl GET /_log >log.json
assert_eq "$(jq '[.[] | select(.path == "/hooks/sbx")] | length' log.json)" 3 "webhook: 2 failures + 1 success"
jq -r '[.[] | select(.path == "/hooks/sbx")][-1].body' log.json >hook.json
assert_eq "$(jq -r .kind hook.json)" idle "webhook body: kind"
assert_eq "$(jq -r .sandbox hook.json)" d1 "webhook body: sandbox"
assert_eq "$(jq -r .owner hook.json)" alice "webhook body: owner"
assert_eq "$(jq -r .due hook.json)" 2027-01-04T11:30:00Z "webhook body: due"
# The same time again: nothing, and no second warning.
quiet_tick 2027-01-04T11:15:00Z
quiet_tick 2027-01-04T11:29:00Z
ctl GET /_log >log.json
assert_eq "$(jq '[.[] | select(.path == "/hooks/sbx")] | length' log.json)" 3 "warned once"
assert_eq "$(state d1)" active "not stopped a minute early"
tick 2027-01-04T11:30:00Z
assert_grep "^d1 deactivate idle: idle for 2h, longer than idle_after 2h \(last activity: touch by alice at 2027-01-04T09:30:00Z\)$" "$O"
assert_eq "$(state d1)" inactive "deactivated when due"
quiet_tick 2027-01-04T11:30:00Z
expect 0 history d1 --json
assert_eq "$(jq -r '.[-1].actor' "$O")" scheduler "journaled as the scheduler"
assert_eq "$(jq -r '.[-1].op + " " + .[-1].result' "$O")" "deactivate ok" "journal outcome"
jq -r '.[-1].reason' "$O" | grep -q "^idle for 2h" && ok || fail "the reason is not journaled"
assert_eq "$(jq '[.[] | select(.op == "notice")] | length' "$O")" 1 "one notice journaled"

# A webhook that never answers 2xx: the notice failed, counted, retried later.
SBX_ACTOR=bob expect 0 --now 2027-01-05T09:00:00Z clone acme d2 --purpose dev --activate
ctl POST /_faults '[{"path": "/hooks/sbx", "status": 500, "times": 4}]' >/dev/null
rm -f notices.jsonl
expect 1 --now 2027-01-05T10:50:00Z tick
assert_grep "^d2 notice idle: .*\[failed\]" "$O"
assert_grep "1 of 1 scheduled actions failed" "$E"
assert_eq "$(grep -c . notices.jsonl)" 1 "the program target took it"
tick 2027-01-05T10:51:00Z
assert_grep "^d2 notice idle: .*\[sent\]" "$O"
assert_eq "$(grep -c . notices.jsonl)" 1 "only the webhook got it again"

# ---- keep: held until its time, and no longer ----
new_store keep
expect 0 --now 2027-01-04T09:00:00Z clone acme k1 --purpose dev --activate
SBX_ACTOR=carol expect 0 --now 2027-01-04T09:05:00Z keep k1 --until 2027-01-04T15:00:00Z --reason "ACME demo"
expect 2 --now 2027-01-04T09:05:00Z keep k1 --until 2027-01-04T08:00:00Z
assert_grep "not in the future" "$E"
expect 2 --now 2027-01-04T09:05:00Z keep k1 --until yesterday
expect 0 --now 2027-01-04T09:06:00Z keep k1 --release
expect 0 --now 2027-01-04T09:06:00Z status k1 --json
assert_eq "$(jq -r .keep "$O")" null "released"
SBX_ACTOR=carol expect 0 --now 2027-01-04T09:07:00Z keep k1 --until 2027-01-04T15:00:00Z --reason "ACME demo"
quiet_tick 2027-01-04T12:00:00Z
expect 0 --now 2027-01-04T12:00:00Z status k1
assert_grep "^kept until +2027-01-04T15:00:00Z by carol: ACME demo" "$O"
quiet_tick 2027-01-04T14:59:00Z
assert_eq "$(state k1)" active "kept"
tick 2027-01-04T15:00:00Z
assert_grep "^k1 deactivate idle" "$O"
assert_eq "$(state k1)" inactive "the hold expired by itself"

# ---- a touch between the scheduler's look and its action ----
new_store race
expect 0 --now 2027-01-04T09:00:00Z clone acme o1 --purpose ops --activate
echo 2027-01-04T10:30:00Z >flip
tick 2027-01-04T10:31:00Z
assert_grep "^o1 deactivate idle: .*\[skipped\]" "$O"
assert_grep "no longer due on a second look" "$O"
assert_eq "$(state o1)" active "not stopped: it was used meanwhile"
expect 0 history o1 --json
assert_eq "$(jq '[.[] | select(.op == "deactivate")] | length' "$O")" 0 "no deactivation journaled"
quiet_tick 2027-01-04T11:29:00Z
tick 2027-01-04T11:30:00Z
assert_grep "^o1 deactivate idle: .*last activity: provider usage \(flip\) at 2027-01-04T10:30:00Z" "$O"
assert_eq "$(state o1)" inactive "stopped an hour after the provider's activity"

# ---- two ticks at once: one acts, the other exits 5 or waits ----
expect 0 --now 2027-01-05T09:00:00Z activate o1
: >slow
rm -f started
"$SBX" --now 2027-01-05T10:00:00Z tick >tick-a.out 2>tick-a.err &
a=$!
for i in $(seq 1 100); do [ -f started ] && break; sleep 0.05; done
[ -f started ] && ok || fail "the first tick did not start deactivating"
expect 5 --now 2027-01-05T10:00:00Z tick
assert_grep "lock|busy|held" "$E"
expect 0 --now 2027-01-05T10:00:00Z --wait tick
[ -s "$O" ] && fail "the waiting tick acted too: $(cat "$O")" || ok
wait $a
assert_eq "$?" 0 "the first tick"
assert_grep "^o1 deactivate idle" tick-a.out
rm -f slow
expect 0 history o1 --json
assert_eq "$(jq '[.[] | select(.op == "deactivate" and .phase == "outcome")] | length' "$O")" 2 \
	"deactivated once by the two ticks"

# A provider failure on one sandbox is reported; the others go on.
expect 0 --now 2027-01-06T09:00:00Z clone acme o2 --purpose ops --activate
expect 0 --now 2027-01-06T09:00:00Z clone acme o3 --purpose ops --activate
expect 0 --now 2027-01-06T09:00:00Z activate o1
echo o2 >fail
expect 1 --now 2027-01-06T10:00:00Z tick
assert_grep "^o2 deactivate idle: .*\[failed\]" "$O"
assert_grep "cannot stop it \(on purpose\)" "$O"
assert_grep "^o1 deactivate idle: .*\)$" "$O"
assert_grep "^o3 deactivate idle: .*\)$" "$O"
assert_grep "1 of 3 scheduled actions failed" "$E"
assert_eq "$(state o1) $(state o2) $(state o3)" "inactive active inactive" "only o2 failed"
expect 1 --now 2027-01-06T10:01:00Z --json tick
assert_eq "$(jq -s length "$O")" 1 "one JSON document, the failure inside"
assert_eq "$(jq -r '.error.code, .actions[0].sandbox, .actions[0].result' "$O" | tr '\n' ' ')" "1 o2 failed " \
	"the tick's document"
rm -f fail
tick 2027-01-06T10:05:00Z
assert_grep "^o2 deactivate idle" "$O"

# ---- active hours across the change to summer time in Europe/Berlin ----
new_store hours
for n in t1 t2 t3; do expect 0 --now 2027-03-26T06:00:00Z clone acme $n --purpose training; done
quiet_tick 2027-03-26T06:59:00Z                # 07:59 CET, Friday
expect 0 --now 2027-03-26T07:00:00Z tick --dry-run
assert_eq "$(grep -c ' activate hours: .*\[planned\]' "$O")" 3 "dry run: three activations planned"
assert_grep "^    cannot activate 't3'" "$O"
tick 2027-03-26T07:00:00Z                      # 08:00 CET
assert_grep "^t1 activate hours: .*began at 2027-03-26T07:00:00Z" "$O"
assert_grep "^t2 activate hours" "$O"
assert_grep "^t3 activate hours: .*\[skipped\]" "$O"
assert_grep "at most 2 active sandboxes \(max_active\)" "$O"
assert_eq "$(state t3)" inactive "max_active kept by the scheduler"
expect 4 --now 2027-03-26T07:05:00Z activate t3
assert_grep "purpose 'training' allows at most 2 active sandboxes \(max_active\) and 2 are active \(t1, t2\)" "$E"
quiet_tick 2027-03-26T16:59:00Z
tick 2027-03-26T17:00:00Z                      # 18:00 CET
assert_grep "^t1 deactivate hours: outside its active hours .*ended at 2027-03-26T17:00:00Z" "$O"
assert_eq "$(state t1)" inactive "deactivated at the end of the day"
quiet_tick 2027-03-27T10:00:00Z                # Saturday
quiet_tick 2027-03-29T05:59:00Z                # Monday 07:59 CEST
tick 2027-03-29T06:00:00Z                      # Monday 08:00 CEST
assert_grep "^t1 activate hours: .*began at 2027-03-29T06:00:00Z" "$O"
quiet_tick 2027-03-29T15:59:00Z
tick 2027-03-29T16:00:00Z                      # 18:00 CEST
assert_grep "^t1 deactivate hours: .*ended at 2027-03-29T16:00:00Z" "$O"
# Deactivated by hand inside the window: not activated again that day, and
# its place goes to the sandbox that was waiting for one.
tick 2027-03-30T06:00:00Z
expect 0 --now 2027-03-30T09:00:00Z deactivate t1
tick 2027-03-30T09:05:00Z
assert_grep "^t3 activate hours" "$O"
assert_no_grep "^t1" "$O"
tick 2027-03-30T16:00:00Z
assert_grep "^t2 deactivate hours" "$O"
assert_grep "^t3 deactivate hours" "$O"
# And back to winter time: Monday 1 November, 08:00 CET is 07:00Z.
quiet_tick 2027-11-01T06:59:00Z
tick 2027-11-01T07:00:00Z
assert_grep "^t1 activate hours: .*began at 2027-11-01T07:00:00Z" "$O"

# ---- ttl ----
new_store ttl
expect 0 --now 2027-01-04T09:00:00Z clone acme e1 --purpose demo
quiet_tick 2027-02-03T08:59:00Z
tick 2027-02-03T09:00:00Z
assert_grep "^e1 destroy ttl: its ttl of 30d ran out at 2027-02-03T09:00:00Z" "$O"
assert_eq "$(state e1)" destroyed "destroyed past its ttl"
quiet_tick 2027-02-03T09:00:00Z

# ---- destroy_after_inactive: a notice, then an export, then the end ----
new_store inactive
rm -f notices.jsonl
expect 0 --now 2027-01-04T09:00:00Z clone acme q1 --purpose qa --activate
printf '{"id": 1, "name": "escalate", "sla": 2}\n' >"$T/inactive-sandboxes/q1/rules/escalate.json"
expect 0 --now 2027-01-04T10:00:00Z deactivate q1
quiet_tick 2027-01-17T09:59:00Z
tick 2027-01-17T10:00:00Z
assert_grep "^q1 notice inactive: inactive since 2027-01-04T10:00:00Z: will be destroyed at 2027-01-18T10:00:00Z" "$O"
assert_eq "$(grep -c . notices.jsonl)" 1 "the program got one notice"
assert_eq "$(head -1 notices.jsonl | jq -r '.kind + " " + .sandbox')" "inactive q1" "notice on stdin"
quiet_tick 2027-01-18T09:59:00Z
assert_eq "$(grep -c . notices.jsonl)" 1 "noticed once"
tick 2027-01-18T10:00:00Z
exp="$SBX_STORE/exports/q1-20270118T100000Z.tar.zst"
assert_grep "^q1 destroy inactive: .* \[exported to $exp\]" "$O"
assert_eq "$(state q1)" destroyed "destroyed after its notice"
[ -f "$exp" ] && ok || fail "no export at $exp"
tar --zstd -xOf "$exp" rules/escalate.json >exported.json 2>/dev/null
assert_eq "$(jq -r .sla exported.json)" 2 "the unexported edit is in the export"
# An inactive sandbox without changes is destroyed without an export.
expect 0 --now 2027-01-20T09:00:00Z clone acme q2 --purpose qa
tick 2027-02-02T09:00:00Z
assert_grep "^q2 notice inactive" "$O"
tick 2027-02-03T09:00:00Z
assert_grep "^q2 destroy inactive" "$O"
assert_no_grep "exported" "$O"

# ---- refresh windows: notice 48h ahead, refresh inside, skip with a notice ----
new_store refresh
rm -f notices.jsonl
expect 0 --now 2027-01-04T09:00:00Z clone acme u1 --purpose uat
expect 0 --now 2027-01-04T09:00:00Z clone acme u2 --purpose uat --activate
printf 'local edit\n' >"$T/refresh-sandboxes/u2/notes.txt"
expect 4 --now 2027-01-04T09:30:00Z export u2
assert_grep "is active: deactivate it first" "$E"
expect 0 --now 2027-01-04T10:00:00Z deactivate u2
expect 0 --now 2027-01-04T10:00:00Z export u2 "$T/u2-copy.tar.gz"
tar -xzOf "$T/u2-copy.tar.gz" notes.txt | grep -qx "local edit" && ok || fail "export to FILE"
expect 0 --now 2027-01-04T10:01:00Z activate u2
printf 'second edit\n' >>"$T/refresh-sandboxes/u2/notes.txt"
expect 0 --now 2027-01-04T10:02:00Z deactivate u2
quiet_tick 2027-01-07T02:00:00Z                # no newer version yet
printf '{"id": 1, "name": "escalate", "sla": 8}\n' >src/rules/escalate.json
"$SBX" -q master refresh acme --from src --policy policy.json >/dev/null 2>&1 || fail "master v2"
quiet_tick 2027-01-07T01:59:00Z                # 48h before Saturday 02:00Z, less a minute
tick 2027-01-07T02:00:00Z
assert_grep "^u1 notice refresh: will be refreshed to acme version 2 \(now on 1\) between 2027-01-09T02:00:00Z and 2027-01-09T04:00:00Z" "$O"
assert_grep "^u2 notice refresh" "$O"
assert_eq "$(grep -c . notices.jsonl)" 2 "two owners told"
quiet_tick 2027-01-07T02:00:00Z
quiet_tick 2027-01-09T01:59:00Z
tick 2027-01-09T02:00:00Z
assert_grep "^u1 refresh refresh: refresh to acme version 2" "$O"
assert_grep "^u2 notice refresh-skipped: .*holds changes not exported" "$O"
expect 0 status u1 --json
assert_eq "$(jq -r .base.version "$O")" 2 "refreshed inside its window"
expect 0 status u2 --json
assert_eq "$(jq -r .base.version "$O")" 1 "unexported work kept"
quiet_tick 2027-01-09T02:30:00Z
assert_eq "$(grep -c . notices.jsonl)" 3 "the skip told once"
assert_eq "$(sort -u notify-tz)" unset "programs get the user's TZ, not a purpose's"
# Exported, the changes no longer hold the refresh back: next window.
expect 0 --now 2027-01-10T09:00:00Z export u2
assert_grep "^$SBX_STORE/exports/u2-20270110T090000Z.tar.zst$" "$O"
tar --zstd -tf "$SBX_STORE/exports/u2-20270110T090000Z.tar.zst" | grep -qx notes.txt && ok ||
	fail "the export lacks the sandbox's own file"
tick 2027-01-14T02:00:00Z
assert_grep "^u2 notice refresh" "$O"
tick 2027-01-16T02:00:00Z
assert_grep "^u2 refresh refresh" "$O"
expect 0 status u2 --json
assert_eq "$(jq -r .base.version "$O")" 2 "refreshed once exported"

# ---- dry run: says what it would do, does nothing ----
new_store dry
expect 0 --now 2027-01-04T09:00:00Z clone acme y1 --purpose dev --activate
expect 0 --now 2027-01-04T12:00:00Z tick --dry-run --json
assert_eq "$(jq -r '.actions[0].action + " " + .actions[0].result' "$O")" "deactivate planned" "dry run"
assert_eq "$(state y1)" active "dry run changed nothing"

# ---- config errors with positions ----
sed 's/"Europe\/Berlin"/"Europe\/Berlinn"/' "$SBX_STORE/config.json" >bad.json
expect 2 config check bad.json
assert_grep "bad.json:[0-9]+:[0-9]+: unknown time zone 'Europe/Berlinn'" "$E"
sed 's/Mon-Fri 08:00-18:00/Mon-Fri 8-18/' "$SBX_STORE/config.json" >bad.json
expect 2 config check bad.json
assert_grep "bad.json:[0-9]+:[0-9]+: active_hours: " "$E"
sed 's/\["prog"\]/["pager"]/' "$SBX_STORE/config.json" >bad.json
expect 2 config check bad.json
assert_grep "no notification target \"pager\"" "$E"

finish
