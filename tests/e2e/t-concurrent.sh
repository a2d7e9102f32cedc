#!/bin/bash
# Two sbx processes on one store never corrupt it: a writer fails fast with
# exit 5 and a clear message, or waits with --wait.
. "$(dirname "$0")/lib.sh"

mkdir a b
for i in $(seq 1 200); do echo "a $i" >"a/$i.txt"; echo "b $i" >"b/$i.txt"; done
head -c 20000000 /dev/urandom >a/big
head -c 20000000 /dev/urandom >b/big

# With --wait both captures succeed.
"$SBX" --wait -q snapshot capture a >"$T/ida" 2>"$T/ea" &
p1=$!
"$SBX" --wait -q snapshot capture b >"$T/idb" 2>"$T/eb" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
assert_eq "$r1/$r2" "0/0" "two waiting captures"
expect 0 snapshot list --json
assert_eq "$(jq length "$O")" 2 "both snapshots stored"
expect 0 verify --full

# Without --wait, a writer that finds the lock taken exits 5 at once.
exec 9>"$S/lock"
flock -x 9
echo "pid 424242: snapshot capture" >&9
expect 5 snapshot capture a
assert_grep "^sbx: error: store is busy: another sbx process holds '.*/lock' \(pid 424242: snapshot capture\); retry, or pass --wait" "$E"
# Readers are not blocked by a writer.
expect 0 snapshot list
expect 0 snapshot restore "$(cat "$T/ida")" ra
# gc needs the pack lock exclusively: readers of packs hold it shared.
exec 8>"$S/gc.lock"
flock -s 8
expect 5 gc
expect 0 snapshot cat "$(cat "$T/ida")" 1.txt
flock -u 8
flock -u 9
expect 0 snapshot capture a

# Many concurrent writers, all waiting: all succeed, store verifies.
for i in 1 2 3 4; do
	echo "round $i" >"a/round.txt"
	mkdir -p "c$i" && cp a/1.txt "c$i/" && echo "$i" >"c$i/n"
	"$SBX" --wait -q snapshot capture "c$i" >/dev/null 2>&1 &
done
fails=0
for j in $(jobs -p); do wait "$j" || fails=$((fails + 1)); done
assert_eq "$fails" 0 "concurrent waiting captures"
expect 0 verify --full

finish
