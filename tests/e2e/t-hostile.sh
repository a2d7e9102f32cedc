#!/bin/bash
# Hostile archives: capture refuses every archive that would climb out of
# the tree, pass through a symlink or a file, link to something that is not
# an earlier file, is damaged, is a bomb, needs an external decompressor or
# holds a symlink target too long for a tree; it says which entry is at
# fault and stores nothing.  A benign archive with odd but legal paths and
# symlinks is stored as it is and restored without writing outside the
# target, and restore refuses a non-empty directory.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "python3 is missing; skipped"; exit 77; }

A="$T/arc"
mkdir "$A"

# The hostile and benign archives.  Every hostile tar and zip starts with an
# honest file of incompressible bytes so that a refusal has chunks to throw
# away.
cat >"$T/gen.py" <<'EOF'
import io, random, sys, tarfile, zipfile

out = sys.argv[1]
rnd = random.Random(20261123)
honest = bytes(rnd.getrandbits(8) for _ in range(200000))

def tar(name, entries, mode="w", fmt=tarfile.PAX_FORMAT):
    with tarfile.open(f"{out}/{name}", mode, format=fmt) as t:
        for kind, path, *rest in entries:
            i = tarfile.TarInfo(path)
            i.mtime = 1700000000
            if kind == "f":
                data = rest[0] if rest else b"evil\n"
                i.size = len(data)
                i.mode = rest[1] if len(rest) > 1 else 0o644
                t.addfile(i, io.BytesIO(data))
                continue
            if kind == "d":
                i.type, i.mode = tarfile.DIRTYPE, 0o755
            elif kind == "l":
                i.type, i.linkname = tarfile.SYMTYPE, rest[0]
            elif kind == "h":
                i.type, i.linkname = tarfile.LNKTYPE, rest[0]
            t.addfile(i)

def zip_(name, entries):
    with zipfile.ZipFile(f"{out}/{name}", "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in entries:
            z.writestr(zipfile.ZipInfo(path, (2023, 11, 14, 22, 13, 20)), data)

ok = ("f", "ok.bin", honest)
tar("dotdot.tar", [ok, ("f", "../evil")])
tar("deep-dotdot.tar", [ok, ("f", "a/../../evil")])
tar("dot-dotdot.tar", [ok, ("f", "./sub/../../evil")])
tar("absolute.tar", [ok, ("f", "/etc/evil")])
tar("pax-long.tar", [ok, ("f", "d" * 120 + "/../../evil")])
tar("through-symlink.tar", [ok, ("l", "link", "/tmp"), ("f", "link/evil")])
tar("through-symlink-up.tar", [ok, ("l", "link", ".."), ("f", "link/evil")])
tar("dir-then-symlink.tar", [ok, ("f", "a/evil"), ("l", "a", "/tmp")])
tar("through-file.tar", [ok, ("f", "f"), ("f", "f/x")])
tar("hardlink-up.tar", [ok, ("h", "hl", "../outside")])
tar("hardlink-absent.tar", [ok, ("h", "hl", "absent")])
tar("hardlink-later.tar", [ok, ("h", "hl", "later"), ("f", "later")])
tar("hardlink-symlink.tar", [ok, ("l", "link", "/etc"), ("h", "hl", "link/passwd")])
# A symlink target longer than a tree object can hold (65535 bytes).
tar("long-target.tar", [ok, ("l", "longlink", "t" * 65540)])
# An mtime past the year 2262 does not fit nanoseconds in 64 bits.
with tarfile.open(f"{out}/far-mtime.tar", "w", format=tarfile.PAX_FORMAT) as t:
    t.addfile(tarfile.TarInfo("ok.bin"), io.BytesIO(b""))
    i = tarfile.TarInfo("future")
    i.mtime, i.size = 10**13, 1
    t.addfile(i, io.BytesIO(b"x"))
zip_("dotdot.zip", [("ok.bin", honest), ("../evil", b"evil\n")])
zip_("absolute.zip", [("ok.bin", honest), ("/etc/evil", b"evil\n")])

# Damaged: a gzip'd tar cut in half, and bytes that are no archive at all.
tar("whole.tar.gz", [ok, ("f", "more.bin", honest[::-1])], "w:gz")
with open(f"{out}/whole.tar.gz", "rb") as f:
    whole = f.read()
with open(f"{out}/cut.tar.gz", "wb") as f:
    f.write(whole[: len(whole) // 2])
with open(f"{out}/garbage.bin", "wb") as f:
    f.write(b"no archive here\n" + bytes(rnd.getrandbits(8) for _ in range(65536)))

# Benign: "./" prefixes, a directory entry after its file, symlinks that
# point up and out (stored as text, never followed).
tar("benign.tar", [
    ("f", "./a/b", b"bee\n", 0o640),
    ("d", "./a/"),
    ("l", "./a/up", "../x"),
    ("l", "./a/far", "../../../../x"),
    ("l", "./abs", "/nonexistent/sbx-e2e-target"),
    ("f", "./a/c/d", b"dee\n"),
])
EOF
python3 "$T/gen.py" "$A" || { echo "cannot generate the archives" >&2; exit 99; }
rm -f "$A/whole.tar.gz"

# q TEXT: TEXT as an extended regular expression matching itself.
q() {
	printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'
}

# json_field KEY: KEY of the JSON object sbx printed last.
json_field() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$O" "$1"
}

# store_is_empty WHAT: no snapshot, tree or chunk in the index and no file,
# not even a temporary one, under packs/.
store_is_empty() {
	expect 0 snapshot list --json
	assert_eq "$(tr -d ' \t\n' <"$O")" "[]" "$1: snapshot list"
	expect 0 stats --json
	assert_eq "$(json_field chunks)" 0 "$1: chunks in stats"
	assert_eq "$(json_field trees)" 0 "$1: trees in stats"
	assert_eq "$(json_field snapshots)" 0 "$1: snapshots in stats"
	assert_eq "$(find "$S/packs" -type f | wc -l)" 0 "$1: files under packs/: $(find "$S/packs" -type f)"
	expect 0 verify
}

# refuse WHAT PATTERN FILE: capturing FILE, then the same bytes on stdin,
# fails with status 1 and an "sbx: error:" line matching PATTERN, prints no
# id and stores nothing.
refuse() {
	local what=$1 pat=$2 file=$3

	expect 1 snapshot capture "$file"
	assert_grep "^sbx: error: .*$pat" "$E" "$what"
	assert_eq "$(wc -c <"$O")" 0 "$what: stdout"
	store_is_empty "$what"

	expect 1 snapshot capture - <"$file"
	assert_grep "^sbx: error: .*$pat" "$E" "$what on stdin"
	assert_eq "$(wc -c <"$O")" 0 "$what on stdin: stdout"
	store_is_empty "$what on stdin"
}

store_is_empty "fresh store"

# Paths that climb out of the tree or start at the root.
refuse "entry ../evil" "'$(q ../evil)'" "$A/dotdot.tar"
refuse "entry a/../../evil" "'$(q a/../../evil)'" "$A/deep-dotdot.tar"
# The message names the entry as the archive spells it, not a half-
# normalised copy of it.
refuse "entry ./sub/../../evil" "'$(q ./sub/../../evil)'" "$A/dot-dotdot.tar"
refuse "absolute entry /etc/evil" "'$(q /etc/evil)'" "$A/absolute.tar"
refuse "pax long name with .." "$(q ../../evil)'" "$A/pax-long.tar"
refuse "zip entry ../evil" "'$(q ../evil)'" "$A/dotdot.zip"
refuse "absolute zip entry /etc/evil" "'$(q /etc/evil)'" "$A/absolute.zip"

# Paths through a stored symlink or file.
refuse "entry through symlink link -> /tmp" "'$(q link/evil)'" "$A/through-symlink.tar"
refuse "entry through symlink link -> .." "'$(q link/evil)'" "$A/through-symlink-up.tar"
refuse "directory a replaced by a symlink" "'a'" "$A/dir-then-symlink.tar"
refuse "entry through file f" "'$(q f/x)'" "$A/through-file.tar"

# Hard links: only to an earlier regular file of the same archive.  The
# message names the link entry and its target.
refuse "hard link to ../outside" "'hl'.*'$(q ../outside)'" "$A/hardlink-up.tar"
refuse "hard link to an absent file" "'hl'.*'absent'" "$A/hardlink-absent.tar"
refuse "hard link to a later file" "'hl'.*'later'" "$A/hardlink-later.tar"
refuse "hard link through a symlink" "'hl'.*'$(q link/passwd)'" "$A/hardlink-symlink.tar"

# Damaged input: libarchive's own message, after the source's name.
refuse "truncated tar.gz" "(cut\.tar\.gz|stdin): .*([Tt]runcat|[Dd]amaged|[Pp]remature)" "$A/cut.tar.gz"
refuse "garbage" "(garbage\.bin|stdin): .*([Uu]nrecognized|format)" "$A/garbage.bin"

# An archive bomb: 2 GiB of zeros in ~70 KB of tar.zst, refused quickly.
if command -v zstd >/dev/null 2>&1; then
	mkdir "$T/bomb"
	(cd "$T/bomb" && truncate -s 2G z && tar -cf - z) | zstd -1 -q -o "$A/bomb.tar.zst"
	rm -rf "$T/bomb"
	for how in file stdin; do
		start=$(date +%s)
		if [ "$how" = file ]; then
			timeout 300 "$SBX" snapshot capture "$A/bomb.tar.zst" >"$O" 2>"$E"
		else
			timeout 300 "$SBX" snapshot capture - <"$A/bomb.tar.zst" >"$O" 2>"$E"
		fi
		RC=$?
		took=$(($(date +%s) - start))
		assert_eq "$RC" 1 "bomb ($how): exit status"
		assert_grep "^sbx: error: .*bomb" "$E" "bomb ($how)"
		[ "$took" -le 60 ] && ok || fail "bomb ($how): took ${took}s"
		store_is_empty "bomb ($how)"
	done
else
	echo "zstd is missing: the archive bomb case is skipped"
fi

# Compression formats that libarchive only reads by running an external
# program found on $PATH: a hostile file must not choose a program for sbx
# to run.  Stand-ins record that they ran.
mkdir "$T/bin"
for prog in lrzip lzop grzip; do
	printf '#!/bin/sh\n: >"%s/ran-%s"\ncat >/dev/null\n' "$T" "$prog" >"$T/bin/$prog"
	chmod +x "$T/bin/$prog"
done
printf 'LRZI\0\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0not an archive' >"$A/x.lrz"
printf '\211LZO\0\r\n\032\n\0\0\0\0\0\0\0\0not an archive' >"$A/x.lzo"
for f in x.lrz x.lzo; do
	PATH="$T/bin:$PATH" refuse "$f" "($(q "$f")|stdin): " "$A/$f"
done
for prog in lrzip lzop grzip; do
	[ ! -e "$T/ran-$prog" ] && ok || fail "capture ran the external program '$prog'"
	rm -f "$T/ran-$prog"
done

# A symlink target too long for a tree object is refused, not truncated
# into a tree that no longer decodes.  Last of the refusals: when it is
# wrongly accepted, the store is no longer empty.
refuse "symlink target of 65540 bytes" "'longlink'" "$A/long-target.tar"
refuse "mtime out of range" "'future' has an mtime out of range" "$A/far-mtime.tar"

# A benign archive is stored as it is, from a file or from stdin.
expect 0 snapshot capture "$A/benign.tar"
id=$(cat "$O")
assert_grep '^[0-9a-f]{64}$' "$O" "benign capture prints the id"
expect 0 snapshot capture - <"$A/benign.tar"
assert_eq "$(cat "$O")" "$id" "the same archive on stdin gives the same id"

# Restore writes beneath its target only: the symlinks are symlinks, and
# nothing outside the target (here or at the paths the symlinks name) moves.
outside() {
	(cd "$T" && find . -mindepth 1 \( -path ./out -o -path ./store -o -path ./.stdout -o -path ./.stderr \) -prune \
		-o -printf '%y %m %s %T@ %p %l\n' | sort)
}
before=$(outside)
expect 0 snapshot restore "$id" out
after=$(outside)
assert_eq "$after" "$before" "files outside the restore target"
assert_eq "$(cd out && find . | sort | tr '\n' ' ')" \
	". ./a ./a/b ./a/c ./a/c/d ./a/far ./a/up ./abs " "restored entries"
assert_eq "$(cat out/a/b)" "bee" "restored a/b"
assert_eq "$(stat -c %a out/a/b)" "640" "mode of a/b"
assert_eq "$(cat out/a/c/d)" "dee" "restored a/c/d"
for l in a/up:../x a/far:../../../../x abs:/nonexistent/sbx-e2e-target; do
	if [ -L "out/${l%%:*}" ]; then
		ok
	else
		fail "out/${l%%:*} is not a symlink"
	fi
	assert_eq "$(readlink "out/${l%%:*}")" "${l#*:}" "target of ${l%%:*}"
	# Still dangling: restore created nothing where the link points.
	[ ! -e "out/${l%%:*}" ] && ok || fail "the target of out/${l%%:*} exists"
done

# Restore refuses a non-empty directory and leaves it as it was.
mkdir -p busy/sub
printf 'keep\n' >busy/keep
printf 'deep\n' >busy/sub/f
ln -s keep busy/link
state() {
	(cd busy && find . -printf '%y %m %s %T@ %p %l\n' | sort && find . -type f | sort | xargs cat)
}
before=$(state)
expect 4 snapshot restore "$id" busy
assert_grep "^sbx: error: .*busy.*not empty" "$E" "restore into a non-empty directory"
assert_eq "$(state)" "$before" "the non-empty directory after a refused restore"

finish
