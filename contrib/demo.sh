#!/bin/bash
# A short tour of sbx on a throw-away store: capture a support platform's
# configuration export, see it deduplicated, restore and export it, verify.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
SBX="$here/sbx"
work=$(mktemp -d "${TMPDIR:-/tmp}/sbx-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SBX_STORE="$work/store"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

# A small production-like export: workflows, triggers, SLA policies, KB.
src="$work/export"
mkdir -p "$src/workflows" "$src/triggers" "$src/sla" "$src/kb/articles"
for i in $(seq 1 40); do
	printf '{"id": %d, "name": "workflow %d", "steps": ["triage", "assign", "resolve"]}\n' "$i" "$i" >"$src/workflows/wf-$i.json"
	printf '{"id": %d, "when": "priority == urgent", "then": "escalate"}\n' "$i" >"$src/triggers/t-$i.json"
done
printf 'policy: gold\nfirst_response: 1h\nresolution: 8h\n' >"$src/sla/gold.yaml"
for i in $(seq 1 20); do printf '# Article %d\n\nHow to reset a password, step by step.\n' "$i" >"$src/kb/articles/a-$i.md"; done
head -c 2000000 /dev/urandom >"$src/kb/attachments.bin"

run "$SBX" init
say "sbx snapshot capture export --message 'nightly'"
id=$("$SBX" snapshot capture "$src" --message nightly)
echo "$id"
say "sbx snapshot capture export   # unchanged: read from the files cache, nothing stored"
"$SBX" snapshot capture "$src" >/dev/null
printf '{"id": 7, "when": "priority == high", "then": "escalate"}\n' >"$src/triggers/t-7.json"
say "sbx snapshot capture export   # one trigger changed"
id2=$("$SBX" snapshot capture "$src" --message "trigger 7 changed")
echo "$id2"
run "$SBX" snapshot list
run "$SBX" snapshot ls "${id2:0:12}" triggers | head -5
run "$SBX" snapshot cat "${id2:0:12}" sla/gold.yaml
run "$SBX" snapshot restore "${id2:0:12}" "$work/restored"
say "diff -r export restored"
diff -r "$src" "$work/restored" && echo "identical"
run "$SBX" snapshot export "${id2:0:12}" "$work/export.tar.zst"
say "sbx snapshot capture export.tar.zst   # same tree, same id"
"$SBX" snapshot capture "$work/export.tar.zst"
run "$SBX" stats

# The main job: a hardened master, cloned into sandboxes that come and go.
prod="$work/production"
"$here/tests/data/gen-export" "$prod" >/dev/null
say "sbx policy check contrib/policies/support-platform.json"
"$SBX" policy check "$here/contrib/policies/support-platform.json"
say "sbx master refresh acme --from production --policy contrib/policies/support-platform.json"
"$SBX" master refresh acme --from "$prod" --policy "$here/contrib/policies/support-platform.json" \
	--message "nightly refresh"
say "grep -r 'AKIA\|ghp_\|sk_live_' of the master  # nothing secret crossed over"
mid=$("$SBX" master show acme --json | jq -r '.versions[-1].snapshot')
"$SBX" snapshot restore "$mid" "$work/master-copy" -q
if grep -rlE 'AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}|sk_live_' "$work/master-copy"; then
	echo "a secret reached the master" >&2
	exit 1
fi
echo "none"
run "$SBX" master verify acme
# Two providers: sandboxes as local directories, and through an external
# program (contrib/providers/demo, the exec protocol).
cat >"$SBX_STORE/config.json" <<JSON
{"providers": {"local": {"type": "local", "root": "$SBX_STORE/sandboxes"},
               "demo": {"type": "exec", "program": "$here/contrib/providers/demo", "timeout": "30s"}},
 "purposes": {"training": {"provider": "local", "idle_after": "2h", "warn_before": "15m",
                           "rates": {"active_per_hour": "0.42", "stored_per_gb_month": "0.10", "currency": "EUR"}},
              "uat": {"provider": "demo", "rates": {"active_per_hour": "1.10", "currency": "EUR"}}}}
JSON
export SBX_DEMO_ROOT="$work/demo-provider"
run "$SBX" config check
run "$SBX" clone acme training-q3 --purpose training --owner ana \
	--var API_BASE=https://api.training.acme.test --var SUPPORT_EMAIL=help@training.acme.test
run "$SBX" clone acme uat-1 --purpose uat --owner ben \
	--var API_BASE=https://api.uat.acme.test --var SUPPORT_EMAIL=help@uat.acme.test
run "$SBX" activate uat-1
run "$SBX" status uat-1
run "$SBX" activate training-q3
say "echo '# trainer note' >> sandboxes/training-q3/config/sla/...   # an edit in the sandbox"
sla=$(ls "$SBX_STORE"/sandboxes/training-q3/config/sla/*.yaml | head -1)
echo "# trainer note" >>"$sla"
grep -h "api.training.acme.test" -r "$SBX_STORE/sandboxes/training-q3/config" | head -1
run "$SBX" deactivate training-q3
run "$SBX" activate training-q3
say "tail -1 $(basename "$sla")   # the edit survived deactivate and activate"
tail -1 "$sla"
run "$SBX" list
run "$SBX" status training-q3
run "$SBX" deactivate training-q3
say "sbx master refresh acme ...   # production changed: a new master version"
printf '{"id": 999, "name": "new escalation rule"}\n' >"$prod/config/workflows/zz-new.json"
"$SBX" -q master refresh acme --from "$prod" --policy "$here/contrib/policies/support-platform.json"
"$SBX" master history acme
say "sbx refresh training-q3   # refused: the sandbox holds the trainer's edit"
"$SBX" refresh training-q3 || true
run "$SBX" diff acme@1 training-q3
say "edit production: a workflow changes, after master version 2"
wf=$(ls "$prod"/config/workflows/*.json | head -1)
jq '.name = "renamed in production"' "$wf" >"$work/wf.json" && mv "$work/wf.json" "$wf"
say "sbx drift acme --from production   # exit 4: production changed since the master's version"
"$SBX" drift acme --from "$prod" || echo "(exit $?: drift)"
say "sbx promote training-q3 --onto production --out changeset.tar.zst   # the trainer's edit only"
"$SBX" promote training-q3 --onto "$prod" --out "$work/changeset.tar.zst"
say "tar -tf changeset.tar.zst"
tar --zstd -tf "$work/changeset.tar.zst"
run "$SBX" refresh training-q3
# The scheduler (cron or the systemd timer runs `sbx tick` every 5 minutes);
# --now shows what it does later today.
run "$SBX" activate training-q3
run "$SBX" status training-q3
say "sbx --now 110m tick   # 1h50m from now: the owner is warned"
"$SBX" --now 110m tick
say "sbx --now 121m tick   # idle for two hours: deactivated"
"$SBX" --now 121m tick
run "$SBX" deactivate uat-1
run "$SBX" destroy uat-1
run "$SBX" history training-q3
say "sbx --now 3h cost --by purpose   # what the active hours cost, and what the scheduler saved"
"$SBX" --now 3h cost --by purpose
say "sbx cost --by purpose --format html --out cost.html   # one page for finance"
"$SBX" --now 3h cost --by purpose --format html --out "$work/cost.html"
grep -c "<svg" "$work/cost.html"
run "$SBX" verify --full
printf '\ndemo finished: the store was in %s (removed now)\n' "$work"
