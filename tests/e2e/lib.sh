# Shared set-up for the end-to-end tests: each test runs in its own fresh
# temporary directory with its own store, removed on exit.  Source it first.
set -u

: "${SBX:?SBX must point at the built sbx binary (make check sets it)}"
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"

T=$(mktemp -d "${TMPDIR:-/tmp}/sbx-e2e.XXXXXX")
S="$T/store"
O="$T/.stdout"
E="$T/.stderr"
export SBX_STORE="$S"
export SBX_ACTOR=e2e
unset XDG_DATA_HOME
cd "$T" || exit 99
trap 'cd /; jobs -p | xargs -r kill -9 2>/dev/null; rm -rf "$T"' EXIT

FAILS=0
CHECKS=0

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

ok() {
	CHECKS=$((CHECKS + 1))
}

# sbx ARGS...: runs the binary; output in $T/out, $T/err, status in $RC.
sbx() {
	"$SBX" "$@" >"$O" 2>"$E"
	RC=$?
	return 0
}

# expect STATUS ARGS...: runs sbx and checks its exit status.
expect() {
	local want=$1
	shift
	sbx "$@"
	if [ "$RC" -ne "$want" ]; then
		fail "sbx $* exited $RC, expected $want; stderr: $(head -c 600 "$E")"
	else
		ok
	fi
}

assert_eq() {
	if [ "$1" != "$2" ]; then
		fail "${3:-values differ}: got '$1', expected '$2'"
	else
		ok
	fi
}

assert_ne() {
	if [ "$1" = "$2" ]; then
		fail "${3:-values are equal}: both '$1'"
	else
		ok
	fi
}

# assert_grep PATTERN FILE [what]
assert_grep() {
	if grep -Eq -- "$1" "$2"; then
		ok
	else
		fail "${3:-pattern missing}: /$1/ not in $2: $(head -c 600 "$2")"
	fi
}

assert_no_grep() {
	if grep -Eq -- "$1" "$2"; then
		fail "${3:-unexpected match}: /$1/ found in $2"
	else
		ok
	fi
}

# same_tree A B: contents, modes, symlink targets, empty dirs and mtimes
# (nanoseconds) of every entry below A and B are equal.
same_tree() {
	local a b
	a=$(cd "$1" && find . -mindepth 1 -printf '%y %m %T@ %s %l %p\n' | sort -k7)
	b=$(cd "$2" && find . -mindepth 1 -printf '%y %m %T@ %s %l %p\n' | sort -k7)
	if [ "$a" != "$b" ]; then
		fail "trees $1 and $2 differ in metadata: $(diff <(echo "$a") <(echo "$b") | head -10)"
		return
	fi
	if ! diff -r --no-dereference "$1" "$2" >/dev/null; then
		fail "trees $1 and $2 differ in contents"
		return
	fi
	ok
}

# make_tree DIR: a small tree with every kind of entry and odd mtimes.
make_tree() {
	mkdir -p "$1/conf/triggers" "$1/empty" "$1/kb/articles" "$1/bin"
	printf '{"name": "escalate", "sla": 4}\n' >"$1/conf/triggers/escalate.json"
	printf 'title: Welcome\nbody: hello\n' >"$1/kb/articles/welcome.yaml"
	printf '#!/bin/sh\necho hi\n' >"$1/bin/run.sh"
	chmod 0755 "$1/bin/run.sh"
	chmod 0600 "$1/conf/triggers/escalate.json"
	chmod 0750 "$1/kb"
	: >"$1/conf/empty-file"
	head -c 700000 /dev/urandom >"$1/kb/blob.bin"
	ln -s ../conf/triggers/escalate.json "$1/kb/link"
	ln -s /nonexistent/absolute "$1/dangling"
	touch -h -d '2021-03-04 05:06:07.123456789' "$1/kb/link"
	touch -d '2022-01-01 00:00:00.987654321' "$1/conf/triggers/escalate.json"
	touch -d '2019-05-05 12:00:00.5' "$1/empty"
	touch -d '2020-02-02 02:02:02.000000002' "$1/kb"
}

# finish: prints the summary and exits with the automake status.
finish() {
	echo "$CHECKS checks, $FAILS failures"
	[ "$FAILS" -eq 0 ] || exit 1
	exit 0
}

"$SBX" init >/dev/null 2>&1 || { echo "cannot init store" >&2; exit 99; }
