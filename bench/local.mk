EXTRA_DIST += %reldir%/run %reldir%/gen-tree %reldir%/README.md

# Helpers of bench/run that write many records at once (built by `make`,
# so that they cannot rot).
noinst_PROGRAMS = %reldir%/gen-sandboxes %reldir%/gen-journal
bench_gen_sandboxes_SOURCES = %reldir%/gen-sandboxes.c
bench_gen_sandboxes_LDADD = $(SBX_LIBS)
bench_gen_journal_SOURCES = %reldir%/gen-journal.c
bench_gen_journal_LDADD = $(SBX_LIBS)
