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
run "$SBX" snapshot rm "${id:0:12}"
run "$SBX" gc
run "$SBX" verify --full
printf '\ndemo finished: the store was in %s (removed now)\n' "$work"
