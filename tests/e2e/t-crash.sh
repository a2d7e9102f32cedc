#!/bin/bash
# kill -9 at any instant of a capture leaves a store that verify --full
# passes and that holds every snapshot whose capture had returned success.
. "$(dirname "$0")/lib.sh"

# A tree big enough that captures take a while: many files and large ones.
mkdir -p src
for d in 1 2 3 4; do
	mkdir -p "src/d$d"
	for i in $(seq 1 150); do echo "config $d $i $RANDOM" >"src/d$d/f$i.json"; done
	head -c 6000000 /dev/urandom >"src/d$d/blob.bin"
done
expect 0 snapshot capture src
KEEP=$(cat "$O")

delays="0.005 0.01 0.02 0.04 0.06 0.08 0.1 0.13 0.16 0.2 0.25 0.3"
n=0
for d in $delays; do
	n=$((n + 1))
	# Each round captures new content, so there is real work to interrupt.
	head -c 4000000 /dev/urandom >"src/d1/blob.bin"
	echo "round $n" >>"src/d2/f1.json"
	"$SBX" -q snapshot capture src --no-cache >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	expect 0 verify --full
	expect 0 snapshot show "$KEEP"
done
# The lock of a killed writer never blocks the next one; gc clears leftovers.
expect 0 snapshot capture src
LAST=$(cat "$O")
expect 0 gc
expect 0 verify --full
expect 0 snapshot restore "$KEEP" r1
expect 0 snapshot restore "$LAST" r2
same_tree src r2
assert_eq "$(find "$S/packs" -name '*.tmp' | wc -l)" 0 "gc removed temporary packs"

# Killed during gc itself.
expect 0 snapshot rm "$LAST"
"$SBX" -q gc >/dev/null 2>&1 &
pid=$!
sleep 0.02
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
expect 0 verify --full
expect 0 snapshot restore "$KEEP" r3
expect 0 gc
expect 0 verify --full

finish
