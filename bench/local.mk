EXTRA_DIST += %reldir%/run %reldir%/gen-tree %reldir%/README.md

# The journal generator for the cost benchmark; built by `make check` so that
# it cannot rot (bench/run builds it when it is missing).
check_PROGRAMS += bench/gen-journal
bench_gen_journal_SOURCES = %reldir%/gen-journal.c
bench_gen_journal_LDADD = $(SBX_LIBS)
