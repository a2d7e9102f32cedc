#!/bin/sh
# Writes small valid seed inputs for the fuzz targets:
#   tests/fuzz/out/corpus-archive: tar (ustar, GNU, pax), tar.gz, tar.bz2,
#     tar.xz, cpio (newc), zip (stored and deflated), and tar.zst when zstd
#     is installed;
#   tests/fuzz/out/corpus-tree: tree objects in the encoding of
#     snapshot/tree.h (empty, one of each entry type, several sorted);
#   tests/fuzz/out/corpus-policy: hardening policies: the example
#     contrib/policies/support-platform.json, small variants using every key
#     and selector form, and a few with the mistakes `sbx policy check`
#     reports (a misspelt key, a bad regex, a bad selector, a syntax error);
#   tests/fuzz/out/policy.dict: the policy's key names and values, as a
#     libFuzzer dictionary (-dict=policy.dict).
# Needs python3 (standard library only).  out/ is build output, not
# committed.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/tests/fuzz/out"
mkdir -p "$out/corpus-archive" "$out/corpus-tree" "$out/corpus-policy"

python3 - "$out" "$top" <<'PY'
import io, json, struct, sys, tarfile, zipfile

out, top = sys.argv[1], sys.argv[2]
arc = f"{out}/corpus-archive"

def entries(t, longname=False):
    def add(kind, name, data=b"", link=""):
        i = tarfile.TarInfo(name)
        i.mtime = 1700000000
        if kind == "f":
            i.size, i.mode = len(data), 0o640
            t.addfile(i, io.BytesIO(data))
            return
        i.type = {"d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[kind]
        i.mode = 0o755
        i.linkname = link
        t.addfile(i)
    add("d", "./dir/")
    add("f", "./dir/a.txt", b"hello\n")
    add("f", "dir/sub/b.json", b'{"k": 1}\n')
    add("l", "dir/link", link="a.txt")
    add("h", "dir/hard", link="dir/a.txt")
    add("f", "empty")
    if longname:
        add("f", "long/" + "n" * 150, b"pax\n")

for fmt, name in ((tarfile.USTAR_FORMAT, "ustar"), (tarfile.GNU_FORMAT, "gnu"),
                  (tarfile.PAX_FORMAT, "pax")):
    with tarfile.open(f"{arc}/{name}.tar", "w", format=fmt) as t:
        entries(t, fmt != tarfile.USTAR_FORMAT)
for mode, suffix in (("w:gz", "tar.gz"), ("w:bz2", "tar.bz2"), ("w:xz", "tar.xz")):
    with tarfile.open(f"{arc}/seed.{suffix}", mode, format=tarfile.PAX_FORMAT) as t:
        entries(t, True)
for comp, name in ((zipfile.ZIP_STORED, "stored"), (zipfile.ZIP_DEFLATED, "deflated")):
    with zipfile.ZipFile(f"{arc}/{name}.zip", "w", comp) as z:
        z.writestr("dir/", b"")
        z.writestr("dir/a.txt", b"hello\n" * 20)
        z.writestr("b.json", b'{"k": 1}\n')

# cpio, "newc" (SVR4) format: a header of hex fields, name and data each
# padded to 4 bytes, and a TRAILER!!! entry.
def cpio(members):
    b = b""
    for ino, (name, mode, data) in enumerate(members + [("TRAILER!!!", 0, b"")], 1):
        n = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 1700000000, len(data), 0, 0, 0, 0, len(n), 0)
        b += b"070701" + b"".join(b"%08X" % v for v in fields) + n
        b += b"\0" * (-(110 + len(n)) % 4) + data + b"\0" * (-len(data) % 4)
    return b + b"\0" * (-len(b) % 512)

with open(f"{arc}/newc.cpio", "wb") as f:
    f.write(cpio([("dir", 0o40755, b""), ("dir/a.txt", 0o100640, b"hello\n"),
                  ("dir/link", 0o120777, b"a.txt")]))

# Tree objects: "SBXT" u8 1 u32 count, then per entry u8 type, u32 mode,
# i64 mtime, u64 size, u16 name length, name, and a file's u32 chunk count
# and ids, a directory's tree id, or a symlink's u16 target length and
# target.  Entries sorted by name.
def tree(ents):
    b = b"SBXT" + bytes([1]) + struct.pack("<I", len(ents))
    for kind, name, rest in sorted(ents, key=lambda e: e[1]):
        n = name.encode()
        t = {"f": 1, "d": 2, "l": 3}[kind]
        size = len(rest) * 1000 if kind == "f" else 0
        b += struct.pack("<BIqQH", t, 0o644 if kind != "d" else 0o755,
                         1700000000123456789, size, len(n)) + n
        if kind == "f":
            b += struct.pack("<I", len(rest)) + b"".join(rest)
        elif kind == "d":
            b += rest
        else:
            b += struct.pack("<H", len(rest)) + rest
    return b

trees = {
    "empty": tree([]),
    "file": tree([("f", "a.txt", [bytes(range(32))])]),
    "dir": tree([("d", "sub", bytes(32))]),
    "symlink": tree([("l", "link", b"../a.txt")]),
    "mixed": tree([("f", "a", []), ("f", "b", [b"\x01" * 32, b"\x02" * 32]),
                   ("d", "c", b"\xff" * 32), ("l", "d", b"/abs/target")]),
}
for name, data in trees.items():
    with open(f"{out}/corpus-tree/{name}", "wb") as f:
        f.write(data)

# Policies (policies/policy.c; the format is in sbx(1), HARDENING POLICIES).
pol = f"{out}/corpus-policy"
with open(f"{top}/contrib/policies/support-platform.json", "rb") as f:
    example = f.read()
policies = {
    "support-platform.json": example,
    "compact.json": json.dumps(json.loads(example), separators=(",", ":")).encode(),
    "minimal.json": b'{"version": 1}\n',
    "fail-allow-list.json": json.dumps({
        "version": 1, "include": ["config/**", "kb/*.md"], "exclude": "**/*.bak",
        "on_secret": "fail", "outbound": "enabled"}).encode(),
    "redact-own.json": json.dumps({
        "version": 1, "redact": {"builtin": False, "rules": [
            {"name": "acme-key", "pattern": "ACME-[0-9A-F]{32}"},
            {"name": "int-token", "pattern": "(?<![A-Za-z0-9])itk_[a-z0-9]{24}+"}]},
        "canaries": ["jane.realcustomer@gmail.com", "4111 1111 1111 1111"]}).encode(),
    "mask-forms.json": json.dumps({"version": 1, "mask": [
        {"files": "**/*.json", "keys": ["**.email", "users[*].name", "a.*.b[0]", "x[2][*]"],
         "as": "name"},
        {"files": "**/*.csv", "columns": ["email", "phone", " Name "], "as": "hash"},
        {"pattern": "phone"},
        {"files": "**/*.txt", "pattern": "ID-(?<mask>[0-9]{6})", "as": "digits"}]}).encode(),
    "rewrite-set.json": json.dumps({"version": 1,
        "rewrite": [{"from": "https://api.acme.example", "to": "${API_BASE}"},
                    {"files": "**/*.yaml", "regex": "support@acme\\.example|\\$1",
                     "to": "${SUPPORT_EMAIL}"}],
        "set": [{"key": "**.smtp.enabled", "value": False},
                {"files": "**/*.yaml", "key": "webhooks[*].active", "value": None},
                {"key": "limits.rate", "value": {"n": [1, 2.5e3, "x"]}}],
        "outbound": "disabled"}).encode(),
    "strings.json": (b'{"version": 1, "exclude": ["t\\u00e9st/**", "a\\/b", "\\ud83d\\ude00", '
                     b'"q\\"\\\\\\n\\t"], "canaries": "one"}\n'),
    "err-misspelt.json": b'{"version": 1,\n  "exlude": ["tickets/**"]}\n',
    "err-regex.json": b'{"version": 1, "rewrite": [{"regex": "(unclosed", "to": "x"}]}\n',
    "err-selector.json": b'{"version": 1, "set": [{"key": "a..b[x]", "value": 1}]}\n',
    "err-syntax.json": b'{"version": 1, "mask": [{"keys": ["a"],}]\n',
    "err-version.json": b'{"version": 2}\n',
    "err-kind.json": b'{"version": 1, "mask": [{"pattern": "email", "as": "emial"}]}\n',
}
for name, data in policies.items():
    with open(f"{pol}/{name}", "wb") as f:
        f.write(data)

words = ["version", "include", "exclude", "redact", "builtin", "rules", "name", "pattern",
         "on_secret", "redact", "fail", "mask", "files", "keys", "columns", "as", "email",
         "phone", "digits", "hash", "rewrite", "from", "regex", "to", "set", "key", "value",
         "outbound", "disabled", "enabled", "canaries", "**", "**/*.json", "[*]", "[0]",
         "**.", "(?<mask>", "\\u00e9", "true", "false", "null"]
with open(f"{out}/policy.dict", "w") as f:
    for w in dict.fromkeys(words):
        f.write('"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"\n')
PY

if command -v zstd >/dev/null 2>&1; then
	zstd -q -f -19 "$out/corpus-archive/pax.tar" -o "$out/corpus-archive/seed.tar.zst"
fi
ls "$out/corpus-archive" "$out/corpus-tree" "$out/corpus-policy"
