#!/bin/bash
# The progress bar: drawn on a terminal, never when stderr is not one, never with -q.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || { echo "script(1) missing: skipped"; exit 77; }
mkdir src
for i in $(seq 1 300); do echo "$i" >"src/$i.txt"; done
head -c 30000000 /dev/urandom >src/big

# script(1) gives the command a pseudo-terminal and records what it drew.
script -qfec "$SBX snapshot capture src" "$T/tty.log" >/dev/null 2>&1
assert_grep "capture " "$T/tty.log" "progress on a terminal"
assert_grep $'\r' "$T/tty.log" "bar redrawn in place"
ID=$("$SBX" -q snapshot list --json | jq -r '.[0].id')
script -qfec "$SBX snapshot restore $ID $T/r1" "$T/tty2.log" >/dev/null 2>&1
assert_grep "restore +\[#*" "$T/tty2.log" "restore bar"
script -qfec "$SBX verify --full" "$T/tty3.log" >/dev/null 2>&1
assert_grep "verify +\[" "$T/tty3.log" "verify bar"
script -qfec "$SBX -q snapshot restore $ID $T/r2" "$T/tty4.log" >/dev/null 2>&1
assert_no_grep "restore +\[" "$T/tty4.log" "-q hides the bar"
# Not a terminal: nothing but the notes.
expect 0 snapshot restore "$ID" r3
assert_no_grep "\[#" "$E" "no bar without a terminal"

finish
