#!/bin/bash
# Archives in and out: capture from tar, tar.gz, tar.zst, zip and stdin;
# export to every format, to a file or stdout; capture(export(S)) == S.
. "$(dirname "$0")/lib.sh"

make_tree src
expect 0 snapshot capture src
ID=$(cat "$O")

# Export to each format; the format follows the suffix.
for f in tar tar.zst tar.gz; do
	expect 0 snapshot export "$ID" "snap.$f"
	[ -s "snap.$f" ] && ok || fail "no snap.$f"
	expect 0 snapshot capture "snap.$f"
	assert_eq "$(cat "$O")" "$ID" "capture(export(S)) == S for $f"
done
assert_eq "$(file -b --mime-type snap.tar.zst)" application/zstd "tar.zst is zstd"
assert_eq "$(file -b --mime-type snap.tar.gz)" application/gzip "tar.gz is gzip"
# pax headers carry nanosecond mtimes: GNU tar extracts the exact tree.
mkdir x && tar -C x -xf snap.tar
same_tree src x

# --format overrides the suffix; "-" writes to stdout.
expect 0 snapshot export "$ID" plain.bin --format tar.zst
assert_eq "$(file -b --mime-type plain.bin)" application/zstd "--format tar.zst"
"$SBX" snapshot export "$ID" - --format tar.gz >stream.tgz 2>/dev/null
assert_eq "$(file -b --mime-type stream.tgz)" application/gzip "export to stdout"
expect 0 snapshot capture - <stream.tgz
assert_eq "$(cat "$O")" "$ID" "capture from stdin"
expect 2 snapshot export "$ID" x.tar --format rar
expect 3 snapshot export 0123456789abcdef y.tar
[ -e y.tar ] && fail "failed export left a file" || ok

# zip keeps whole seconds: a tree with whole-second mtimes round-trips exactly.
mkdir zsrc zsrc/d zsrc/e
echo one >zsrc/d/a.txt
head -c 300000 /dev/urandom >zsrc/b.bin
ln -s d/a.txt zsrc/l
chmod 0640 zsrc/d/a.txt
find zsrc -mindepth 1 -exec touch -h -d '2023-06-07 08:09:10' {} +
expect 0 snapshot capture zsrc
ZID=$(cat "$O")
expect 0 snapshot export "$ZID" z.zip
assert_eq "$(file -b --mime-type z.zip)" application/zip "zip"
expect 0 snapshot capture z.zip
assert_eq "$(cat "$O")" "$ZID" "capture(export(S)) == S for zip"
unzip -q z.zip -d zout && cmp -s zout/b.bin zsrc/b.bin && ok || fail "unzip of export differs"

# Archives made by other tools: GNU tar (posix format keeps ns), zip, cpio.
tar --format=posix -C src -cf gnu.tar .
expect 0 snapshot capture gnu.tar
assert_eq "$(cat "$O")" "$ID" "GNU tar posix archive of the same tree"
tar --format=posix -C src -czf gnu.tgz .
expect 0 snapshot capture gnu.tgz
assert_eq "$(cat "$O")" "$ID" "GNU tar.gz"
tar --format=posix -C src -cf - . | zstd -q -o gnu.tar.zst
expect 0 snapshot capture gnu.tar.zst
assert_eq "$(cat "$O")" "$ID" "GNU tar.zst"
(cd zsrc && zip -qry ../other.zip .)
expect 0 snapshot capture other.zip
expect 0 snapshot restore "$(cat "$O")" zrest
cmp -s zrest/b.bin zsrc/b.bin && [ "$(readlink zrest/l)" = d/a.txt ] && ok || fail "zip from zip(1)"
(cd src && find . | cpio -o -H newc --quiet >../src.cpio)
expect 0 snapshot capture src.cpio
expect 0 snapshot restore "$(cat "$O")" crest
cmp -s crest/kb/blob.bin src/kb/blob.bin && ok || fail "cpio content"

# A tar with hard links: both names get the content.
mkdir h && echo shared >h/one && ln h/one h/two
tar -C h -cf hard.tar .
expect 0 snapshot capture hard.tar
expect 0 snapshot cat "$(cat "$O")" two
assert_eq "$(cat "$O")" shared "hard link content"

# Damaged archives: libarchive's message, exit 1, nothing stored.
before=$(find "$S/packs" -type f | wc -l)
head -c 5000 gnu.tgz >cut.tgz
expect 1 snapshot capture cut.tgz
assert_grep "^sbx: error: cut.tgz: " "$E"
head -c 4096 /dev/urandom >garbage.tar
expect 1 snapshot capture garbage.tar
assert_grep "garbage.tar: .*(format|Unrecognized)" "$E"
assert_eq "$(find "$S/packs" -type f | wc -l)" "$before" "damaged archives stored packs"
expect 0 verify --full

finish
