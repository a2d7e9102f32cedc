#!/bin/bash
# The command line: init, dispatch, help, exit statuses, error format, --json.
. "$(dirname "$0")/lib.sh"

# init: 0700, idempotent; the store path comes from --store, $SBX_STORE, XDG.
assert_eq "$(stat -c %a "$S")" 700 "store mode"
expect 0 init
assert_grep "already exists" "$E"
expect 0 --store "$T/other" init
assert_eq "$(stat -c %a "$T/other")" 700 "--store store mode"
(umask 000; "$SBX" --store "$T/wide" init 2>/dev/null)
assert_eq "$(stat -c %a "$T/wide")" 700 "store mode under umask 000"
XDG_DATA_HOME="$T/xdg" SBX_STORE= "$SBX" init 2>/dev/null
[ -d "$T/xdg/sbx/index" ] && ok || fail "XDG_DATA_HOME store not created"
expect 0 --json init
assert_eq "$(jq -r .created "$O")" false "init --json created"

# A missing store: exit 3 and a hint.
expect 3 --store "$T/nope" snapshot list
assert_grep "^sbx: error: no store at '$T/nope' \(create one with 'sbx init'\)" "$E"

# Usage errors: exit 2, "sbx: error: WHAT: WHY" on stderr, JSON on stdout with --json.
expect 2 frobnicate
assert_grep "^sbx: error: 'frobnicate' is not an sbx command" "$E"
expect 2 --json frobnicate
assert_eq "$(jq -r .error.code "$O")" 2 "json error code"
assert_grep "not an sbx command" "$O"
expect 2 snapshot
expect 2 snapshot nope
expect 2 snapshot capture
expect 2 snapshot capture a b
expect 2 snapshot capture --bogus x
expect 2 verify extra
expect 2 --store
expect 2

# Not found: exit 3.
expect 3 snapshot show deadbeefdeadbeef
expect 3 snapshot capture "$T/does-not-exist"
# Bad ids: exit 2.
expect 2 snapshot show abc
expect 2 snapshot show not-hex-at-all
expect 3 help nosuchcommand

# help for every command, and global options anywhere.
for c in init gc verify stats "snapshot capture" "snapshot list" "snapshot show" "snapshot ls" \
	 "snapshot cat" "snapshot restore" "snapshot export" "snapshot rm"; do
	# shellcheck disable=SC2086
	expect 0 help $c
	assert_grep "^usage: sbx $c" "$O" "help $c"
done
expect 0 snapshot capture --help
assert_grep "^usage: sbx snapshot capture SOURCE" "$O"
expect 0 help
assert_grep "snapshot restore ID DIR" "$O"
expect 0 version
assert_grep "^sbx [0-9]+\.[0-9]+" "$O"

mkdir src && echo x >src/f
expect 0 snapshot capture src --json -q
assert_eq "$(jq -r '.id | length' "$O")" 64 "capture --json id"
expect 0 snapshot list --json
assert_eq "$(jq length "$O")" 1 "list --json"
# -q silences notes; without it, notes go to stderr and stdout holds only the id.
expect 0 -q snapshot capture src
assert_eq "$(wc -c <"$E")" 0 "-q stderr"
expect 0 snapshot capture src
assert_eq "$(wc -l <"$O")" 1 "capture prints one line"
assert_grep "captured 1 files" "$E"
# No progress bar when stderr is not a terminal.
assert_no_grep $'\r' "$E" "progress drawn without a terminal"

finish
