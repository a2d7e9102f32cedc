#!/bin/bash
# Dedup, the files cache, stats, gc and verify on a real store.
. "$(dirname "$0")/lib.sh"

make_tree src
head -c 3000000 /dev/urandom >src/kb/large.bin
expect 0 snapshot capture src --json
A=$(jq -r .id "$O")
assert_eq "$(jq .cached_files "$O")" 0 "first capture reads everything"
files=$(jq .files "$O")

# The files cache: an unchanged tree is not read again and stores nothing.
sleep 0.01
expect 0 snapshot capture src --json
assert_eq "$(jq -r .id "$O")" "$A" "same id"
assert_eq "$(jq .cached_files "$O")" "$files" "all files from the cache"
assert_eq "$(jq .new_chunks "$O")" 0 "nothing new stored"
# A changed file is read again (size and mtime kept: ctime tells).
printf 'XXXXXXXX' | dd of=src/kb/large.bin bs=1 seek=100 conv=notrunc status=none
touch -d '2022-02-02' src/kb/large.bin
expect 0 snapshot capture src --json
assert_eq "$(jq .cached_files "$O")" "$((files - 1))" "one file re-read"
assert_eq "$(jq .new_chunks "$O")" 1 "one chunk changed"
B=$(jq -r .id "$O")
expect 0 snapshot capture src --no-cache --json
assert_eq "$(jq .cached_files "$O")" 0 "--no-cache"
assert_eq "$(jq -r .id "$O")" "$B" "--no-cache gives the same id"

# Dedup across snapshots: a copy under another name stores nothing new.
mkdir other && cp -a src/kb/large.bin other/renamed.bin
expect 0 snapshot capture other --json
assert_eq "$(jq .new_chunks "$O")" 0 "a renamed copy stores no chunk"
expect 0 stats --json
logical=$(jq .logical_bytes "$O")
stored=$(jq .stored_bytes "$O")
[ "$stored" -lt "$logical" ] && ok || fail "stored $stored not below logical $logical"
assert_eq "$(jq .snapshots "$O")" 3 "three snapshots"
expect 0 stats
assert_grep "^dedup ratio +[0-9.]+x" "$O"

# gc: nothing to drop while every snapshot lives.
expect 0 gc --json
assert_eq "$(jq .chunks_removed "$O")" 0 "gc with nothing dead"
# Leftovers of an interrupted command: a temporary pack and an orphan pack.
mkdir -p "$S/packs/ff"
head -c 1000 /dev/urandom >"$S/packs/ff/.ffffffffffffffffffffffffffffffff.tmp"
head -c 1000 /dev/urandom >"$S/packs/ff/ffffffffffffffffffffffffffffffff.pack"
expect 0 verify
expect 0 gc --json
[ -e "$S/packs/ff/ffffffffffffffffffffffffffffffff.pack" ] && fail "orphan pack kept" || ok
[ -e "$S/packs/ff/.ffffffffffffffffffffffffffffffff.tmp" ] && fail "temp pack kept" || ok
# Removing A frees its unique chunk; B and the rest still restore exactly.
expect 0 snapshot rm "$A"
expect 0 gc --json
assert_eq "$(jq .chunks_removed "$O")" 1 "A's unique chunk"
freed=$(jq .bytes_freed "$O")
[ "$freed" -gt 0 ] && ok || fail "gc freed nothing"
expect 0 verify --full
expect 0 snapshot restore "$B" rb
same_tree src rb
# gc after removing everything leaves an empty store.
for id in $("$SBX" snapshot list --json | jq -r '.[].id'); do expect 0 snapshot rm "$id"; done
expect 0 gc
expect 0 stats --json
assert_eq "$(jq .chunks "$O")" 0 "no chunks left"
assert_eq "$(jq .stored_bytes "$O")" 0 "no bytes left"
assert_eq "$(find "$S/packs" -type f | wc -l)" 0 "no pack files left"

# verify --full finds a flipped byte, names the chunk and the snapshot.
expect 0 snapshot capture src
C=$(cat "$O")
expect 0 verify --full
pack=$(find "$S/packs" -name '*.pack' -size +100k | head -1)
size=$(stat -c %s "$pack")
off=$((size / 2))
byte=$(dd if="$pack" bs=1 skip=$off count=1 status=none | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" | dd of="$pack" bs=1 seek=$off conv=notrunc status=none
expect 5 verify --full
assert_grep "^chunk [0-9a-f]{64}: " "$E" "verify names the chunk"
assert_grep "affects snapshot $C" "$E" "verify names the snapshot"
assert_grep "^sbx: error: the store has 1 problem" "$E"
expect 5 --json verify --full
assert_eq "$(jq .error.code "$O")" 5 "verify --json error"
# restore of the damaged snapshot fails and leaves no target behind
expect 5 snapshot restore "$C" damaged
[ -e damaged ] && fail "failed restore left its target" || ok
# A missing pack: even the quick verify sees it.
rm -f "$pack"
expect 5 verify
assert_grep "pack .* is missing" "$E"

# A full LMDB map grows instead of failing: start it at 128 KiB.
mkdir many
for i in $(seq 1 3000); do echo "file $i $RANDOM$RANDOM" >"many/f$i"; done
SBX_MAP_SIZE=131072 expect 0 --store "$T/small" init
SBX_MAP_SIZE=131072 expect 0 --store "$T/small" snapshot capture many
[ "$(stat -c %s "$T/small/index/data.mdb")" -gt 131072 ] && ok || fail "the map did not grow"
SBX_MAP_SIZE=131072 expect 0 --store "$T/small" verify --full

finish
