#!/bin/bash
# Bash completion (contrib/completion/sbx.bash) against the real binary and a
# real store: every command of `sbx help` is offered, subcommands and
# options follow the usage lines, names come from the store.
. "$(dirname "$0")/lib.sh"

mkdir -p bin src
ln -s "$SBX" bin/sbx
PATH="$T/bin:$PATH"
. "$TOP_SRCDIR/contrib/completion/sbx.bash"

# comp WORDS...: the completions of the last word (may be empty).
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_sbx
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

comp sbx "" >all.txt
"$SBX" help 2>&1 | awk '/^  [a-z]/ { print $1 }' | sort -u >commands.txt
[ "$(wc -l <commands.txt)" -ge 20 ] && ok || fail "sbx help lists too few commands"
missing=$(comm -23 commands.txt all.txt)
assert_eq "$missing" "" "commands not completed"
for c in tick keep touch clone activate master snapshot; do
	grep -qx "$c" all.txt && ok || fail "'$c' not offered"
done
assert_eq "$(comp sbx ti)" tick "prefix"
assert_eq "$(comp sbx master re | tr '\n' ' ')" "refresh report " "subcommands"
assert_eq "$(comp sbx tick --d)" "--dry-run" "options of a command"
assert_eq "$(comp sbx keep k1 --u)" "--until" "options after an argument"
comp sbx clone acme x --p >opts.txt
grep -qx -- --purpose opts.txt && grep -qx -- --provider opts.txt && ok || fail "clone options: $(cat opts.txt)"

# Names from the store.
printf '{"a": 1}\n' >src/a.json
printf '{"version": 1}\n' >policy.json
"$SBX" -q master refresh acme --from src --policy policy.json >/dev/null 2>&1 || exit 99
"$SBX" -q clone acme qa-one --purpose qa >/dev/null || exit 99
"$SBX" -q clone acme qa-two --purpose qa >/dev/null || exit 99
assert_eq "$(comp sbx activate qa | tr '\n' ' ')" "qa-one qa-two " "sandbox names"
assert_eq "$(comp sbx clone a)" acme "master names"
assert_eq "$(comp sbx --store "$S" status qa-t)" qa-two "with --store given"
finish
