EXTRA_DIST += %reldir%/run %reldir%/gen-tree %reldir%/README.md
