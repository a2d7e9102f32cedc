EXTRA_DIST += %reldir%/deps.sh %reldir%/demo.sh
