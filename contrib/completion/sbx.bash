# bash completion for sbx.  Commands, subcommands and options come from
# `sbx help`, so they follow the installed binary; sandbox and master names
# come from the store.  Install: copy to
# /usr/share/bash-completion/completions/sbx (or source it from ~/.bashrc).

_sbx_words() {
	# The store and config options of the command line being completed.
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--store | --config) printf '%s\n%s\n' "${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}" ;;
		--store=* | --config=*) printf '%s\n' "${COMP_WORDS[i]}" ;;
		esac
	done
}

_sbx() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local -a args=() global=()
	local i w help line opts
	mapfile -t global < <(_sbx_words)
	# The words before the cursor that are not options.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--store | --config | --now) ((i++)) ;;
		-*) ;;
		*) args+=("$w") ;;
		esac
	done
	case $prev in
	--store | --config | --policy | --from | --out | --onto) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "table json csv html tar tar.zst tar.gz zip side-by-side" -- "$cur")); return ;;
	--by) COMPREPLY=($(compgen -W "sandbox purpose owner provider" -- "$cur")); return ;;
	--state) COMPREPLY=($(compgen -W "inactive active failed destroyed provisioning activating deactivating refreshing destroying" -- "$cur")); return ;;
	--now | --until | --to | --purpose | --owner | --reason | --var | --label | --message | --keep | --source | --provider | --resolve) return ;;
	esac
	help=$(command sbx help 2>/dev/null) || return
	if ((${#args[@]} == 0)); then
		COMPREPLY=($(compgen -W "$(awk '/^  [a-z]/ { print $1 }' <<<"$help" | sort -u)
			--store --config --json --wait --now -q -v" -- "$cur"))
		return
	fi
	# A family ("master refresh ...") or a command ("activate NAME ...").
	if awk -v f="${args[0]}" '$1 == f && $2 ~ /^[a-z-]+$/ { found = 1 } END { exit !found }' <<<"$help"; then
		if ((${#args[@]} == 1)); then
			COMPREPLY=($(compgen -W "$(awk -v f="${args[0]}" '$1 == f { print $2 }' <<<"$help")" -- "$cur"))
			return
		fi
		line=$(awk -v f="${args[0]}" -v s="${args[1]}" '$1 == f && $2 == s' <<<"$help")
	else
		line=$(awk -v f="${args[0]}" '$1 == f' <<<"$help")
	fi
	if [[ $cur == -* ]]; then
		opts=$(grep -oE -- '--[a-z][a-z-]*' <<<"$line" | sort -u)
		COMPREPLY=($(compgen -W "$opts --json" -- "$cur"))
		return
	fi
	case ${args[0]} in
	activate | deactivate | destroy | export | history | keep | refresh | status | touch | recover | diff | promote)
		COMPREPLY=($(compgen -W "$(command sbx "${global[@]}" list 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur")) ;;
	clone | drift)
		((${#args[@]} == 1)) &&
			COMPREPLY=($(compgen -W "$(command sbx "${global[@]}" master list 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur")) ;;
	master)
		COMPREPLY=($(compgen -W "$(command sbx "${global[@]}" master list 2>/dev/null | awk 'NR > 1 { print $1 }')" -- "$cur")) ;;
	help)
		COMPREPLY=($(compgen -W "$(awk '/^  [a-z]/ { print $1 }' <<<"$help" | sort -u)" -- "$cur")) ;;
	*)
		COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}

complete -F _sbx sbx
