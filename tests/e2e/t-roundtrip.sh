#!/bin/bash
# capture(restore(S)) == S: contents, modes, symlinks, empty dirs, ns mtimes.
. "$(dirname "$0")/lib.sh"

make_tree src
expect 0 snapshot capture src --message "first" --label env=prod --label team=support
ID=$(cat "$O")
assert_eq "${#ID}" 64 "id length"

expect 0 snapshot restore "$ID" out
same_tree src out
expect 0 snapshot capture out
assert_eq "$(cat "$O")" "$ID" "capture(restore(S)) == S"

# Same tree from anywhere gives the same id; a one-byte change a new one.
cp -a src copy
expect 0 snapshot capture copy
assert_eq "$(cat "$O")" "$ID" "copy has the same id"
echo more >>copy/conf/empty-file
touch -d '2022-01-01' copy/conf/empty-file
expect 0 snapshot capture copy
assert_ne "$(cat "$O")" "$ID" "changed tree id"
# mode-only and mtime-only changes change the id too
cp -a src m && chmod 0700 m/bin/run.sh
expect 0 snapshot capture m
assert_ne "$(cat "$O")" "$ID" "mode change"
cp -a src t && touch -d '2001-01-01 00:00:00.000000001' t/bin/run.sh
expect 0 snapshot capture t
assert_ne "$(cat "$O")" "$ID" "mtime change"

# show, list, ls, cat, prefixes.
expect 0 snapshot show "${ID:0:8}"
assert_grep "first" "$O"
expect 0 snapshot show "$ID" --json
assert_eq "$(jq -r .labels.env "$O")" prod "label"
assert_eq "$(jq -r .files "$O")" 5 "files count"
assert_eq "$(jq -r .message "$O")" first "message"
expect 0 snapshot list
assert_grep "^${ID:0:12} " "$O"
expect 0 snapshot ls "$ID"
assert_grep "^d0750 .* kb$" "$O"
assert_grep "^l0777 .* dangling -> /nonexistent/absolute$" "$O"
expect 0 snapshot ls "$ID" kb --json
assert_eq "$(jq -r '.[] | select(.name=="link") | .target' "$O")" ../conf/triggers/escalate.json "ls target"
assert_eq "$(jq -r '.[] | select(.name=="blob.bin") | .size' "$O")" 700000 "ls size"
expect 3 snapshot ls "$ID" nothing/here
expect 0 snapshot cat "$ID" conf/triggers/escalate.json
cmp -s "$O" src/conf/triggers/escalate.json && ok || fail "cat differs"
expect 0 snapshot cat "$ID" kb/blob.bin
cmp -s "$O" src/kb/blob.bin && ok || fail "cat of a multi-chunk file differs"
expect 2 snapshot cat "$ID" kb
expect 3 snapshot cat "$ID" missing

# restore refuses a non-empty target and leaves it untouched; an empty one is fine.
mkdir busy && echo keep >busy/mine
expect 4 snapshot restore "$ID" busy
assert_grep "not empty" "$E"
assert_eq "$(ls busy)" mine "busy target untouched"
mkdir empty-target
expect 0 snapshot restore "$ID" empty-target
same_tree src empty-target
expect 3 snapshot restore 0123456789abcdef nowhere
[ -e nowhere ] && fail "restore of a missing snapshot created its target" || ok

# Large file: many chunks, and an edit in the middle shares most of them.
head -c 20000000 /dev/urandom >big1
mkdir b1 b2 && cp big1 b1/f && cp big1 b2/f
printf 'INSERTED' | dd of=b2/f bs=1 seek=10000000 conv=notrunc status=none
expect 0 snapshot capture b1 --json
n1=$(jq .new_chunks "$O")
expect 0 snapshot capture b2 --json
n2=$(jq .new_chunks "$O")
[ "$n1" -gt 100 ] && ok || fail "20 MB should be many chunks, got $n1"
[ "$n2" -le 3 ] && ok || fail "an 8-byte edit stored $n2 new chunks"
ID2=$(jq -r .id "$O")
expect 0 snapshot restore "$ID2" r2
cmp -s r2/f b2/f && ok || fail "big file restore differs"

# Regression: a short symlink as the last entry of a directory (the smallest
# possible tree entry) decodes.
mkdir tiny && echo x >tiny/a && ln -s a tiny/l
expect 0 snapshot capture tiny
TID=$(cat "$O")
expect 0 snapshot ls "$TID"
assert_grep "^l0777 .* l -> a$" "$O"
expect 0 snapshot restore "$TID" tiny-out
same_tree tiny tiny-out

# rm: gone from the list, not found afterwards.
expect 0 snapshot rm "$ID2"
expect 3 snapshot show "$ID2"
expect 0 verify --full

finish
