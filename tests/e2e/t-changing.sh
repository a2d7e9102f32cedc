#!/bin/bash
# A file that changes while it is captured is reported and nothing half is
# stored; a file that vanishes before it is read is reported and left out.
. "$(dirname "$0")/lib.sh"

mkdir src
echo steady >src/steady.txt
head -c 200000000 /dev/zero >src/busy.bin
# A writer that keeps rewriting parts of busy.bin (mtime moves every few ms).
(
	end=$((SECONDS + 60))
	while [ $SECONDS -lt $end ]; do
		dd if=/dev/urandom of=src/busy.bin bs=4k count=1 seek=$((RANDOM % 40000)) \
		   conv=notrunc status=none
	done
) &
writer=$!
sleep 0.2
expect 1 snapshot capture src --no-cache
assert_grep "^sbx: error: 'busy.bin' changed while being captured" "$E"
kill -9 "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
expect 0 snapshot list --json
assert_eq "$(jq length "$O")" 0 "nothing stored"
assert_eq "$(find "$S/packs" -type f | wc -l)" 0 "no pack left behind"

# Once quiet, the capture succeeds.
expect 0 snapshot capture src
expect 0 verify --full

finish
