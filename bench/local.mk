EXTRA_DIST += %reldir%/run %reldir%/gen-tree %reldir%/README.md

# Helpers of bench/run that write many records at once.
noinst_PROGRAMS = %reldir%/gen-sandboxes
bench_gen_sandboxes_SOURCES = %reldir%/gen-sandboxes.c
bench_gen_sandboxes_LDADD = $(SBX_LIBS)
