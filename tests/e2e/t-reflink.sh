#!/bin/bash
# On a file system that clones files (XFS with reflink=1, on a loop device),
# activation clones unchanged files from a materialised cache of the
# snapshot: the blocks are shared, yet an edit in one sandbox never shows in
# another.  Skipped (77) where a loop mount is not allowed.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] && command -v mkfs.xfs >/dev/null && command -v filefrag >/dev/null ||
	{ echo "needs root, mkfs.xfs and filefrag: skipped"; exit 77; }
truncate -s 300M "$T/xfs.img"
mkfs.xfs -q -m reflink=1 "$T/xfs.img" || { echo "mkfs.xfs failed: skipped"; exit 77; }
mkdir "$T/mnt"
mount -o loop "$T/xfs.img" "$T/mnt" 2>/dev/null || { echo "loop mount not allowed: skipped"; exit 77; }
trap 'cd /; umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT

"$TOP_SRCDIR/tests/data/gen-export" exp >/dev/null || exit 99
"$SBX" -q master refresh acme --from exp --policy "$TOP_SRCDIR/contrib/policies/support-platform.json" \
	>/dev/null 2>&1 || exit 99
cat >"$S/config.json" <<JSON
{"providers": {"x": {"type": "local", "root": "$T/mnt/sandboxes"}},
 "purposes": {"training": {"provider": "x", "vars": {"API_BASE": "https://api.x.test", "SUPPORT_EMAIL": "a@x.test"}}}}
JSON
expect 0 clone acme r1 --purpose training --activate
expect 0 clone acme r2 --purpose training --activate
png=config/branding/logo.png
filefrag -v "$T/mnt/sandboxes/r1/$png" | grep -q shared && ok || fail "r1's file is not a clone"
filefrag -v "$T/mnt/sandboxes/r2/$png" | grep -q shared && ok || fail "r2's file is not a clone"
grep -rqF "https://api.x.test" "$T/mnt/sandboxes/r1/config" && ok || fail "placeholders not filled"
grep -rqF '${API_BASE}' "$T/mnt/sandboxes/r1/config" && fail "a placeholder left" || ok
# The materialised tree equals a plain restore, placeholders aside.
snap=$("$SBX" status r1 --json | jq -r .snapshot)
expect 0 snapshot restore "$snap" plain
cmp -s "plain/$png" "$T/mnt/sandboxes/r1/$png" && ok || fail "cloned content differs"
[ "$(stat -c %Y.%a "plain/$png")" = "$(stat -c %Y.%a "$T/mnt/sandboxes/r1/$png")" ] && ok ||
	fail "mtime or mode lost"
# Isolation: an edit in r1 does not reach r2 nor the cache.
echo "edit" >>"$T/mnt/sandboxes/r1/$png"
cmp -s "$T/mnt/sandboxes/r2/$png" "plain/$png" && ok || fail "an edit in r1 changed r2"
expect 0 deactivate r1
expect 0 activate r1
tail -c 5 "$T/mnt/sandboxes/r1/$png" | grep -q edit && ok || fail "the edit did not survive"
expect 0 deactivate r2
expect 0 deactivate r1
expect 0 verify --full

finish
