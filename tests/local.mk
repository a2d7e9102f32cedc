# Unit tests (cmocka, one per module) and end-to-end tests (shell scripts
# driving the built ./sbx on real files; see tests/e2e/lib.sh).
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = $(SBX_LIBS) $(CMOCKA_LIBS)

unit_tests = \
	tests/unit/test_buf \
	tests/unit/test_builder \
	tests/unit/test_changeset \
	tests/unit/test_chunker \
	tests/unit/test_chunkset \
	tests/unit/test_cost \
	tests/unit/test_diff \
	tests/unit/test_exec \
	tests/unit/test_http \
	tests/unit/test_jdiff \
	tests/unit/test_linediff \
	tests/unit/test_mask \
	tests/unit/test_merge \
	tests/unit/test_merge_json \
	tests/unit/test_merge_text \
	tests/unit/test_pack \
	tests/unit/test_placeholder \
	tests/unit/test_plan \
	tests/unit/test_schedule \
	tests/unit/test_secrets \
	tests/unit/test_state \
	tests/unit/test_tree \
	tests/unit/test_vars

check_PROGRAMS += $(unit_tests)
tests_unit_test_buf_SOURCES = %reldir%/unit/test_buf.c
tests_unit_test_buf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_buf_LDADD = $(UNIT_LDADD)
tests_unit_test_builder_SOURCES = %reldir%/unit/test_builder.c
tests_unit_test_builder_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_builder_LDADD = $(UNIT_LDADD)
tests_unit_test_chunker_SOURCES = %reldir%/unit/test_chunker.c
tests_unit_test_chunker_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_chunker_LDADD = $(UNIT_LDADD)
tests_unit_test_chunkset_SOURCES = %reldir%/unit/test_chunkset.c
tests_unit_test_chunkset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_chunkset_LDADD = $(UNIT_LDADD)
tests_unit_test_cost_SOURCES = %reldir%/unit/test_cost.c
tests_unit_test_cost_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cost_LDADD = $(UNIT_LDADD)
tests_unit_test_diff_SOURCES = %reldir%/unit/test_diff.c
tests_unit_test_diff_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_diff_LDADD = $(UNIT_LDADD)
tests_unit_test_exec_SOURCES = %reldir%/unit/test_exec.c
tests_unit_test_exec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_exec_LDADD = $(UNIT_LDADD)
tests_unit_test_http_SOURCES = %reldir%/unit/test_http.c
tests_unit_test_http_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_http_LDADD = $(UNIT_LDADD)
tests_unit_test_jdiff_SOURCES = %reldir%/unit/test_jdiff.c
tests_unit_test_jdiff_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_jdiff_LDADD = $(UNIT_LDADD)
tests_unit_test_linediff_SOURCES = %reldir%/unit/test_linediff.c
tests_unit_test_linediff_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_linediff_LDADD = $(UNIT_LDADD)
tests_unit_test_mask_SOURCES = %reldir%/unit/test_mask.c
tests_unit_test_mask_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mask_LDADD = $(UNIT_LDADD)
tests_unit_test_changeset_SOURCES = %reldir%/unit/test_changeset.c
tests_unit_test_changeset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_changeset_LDADD = $(UNIT_LDADD)
tests_unit_test_merge_SOURCES = %reldir%/unit/test_merge.c
tests_unit_test_merge_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_merge_LDADD = $(UNIT_LDADD)
tests_unit_test_merge_json_SOURCES = %reldir%/unit/test_merge_json.c %reldir%/unit/merge-fixture.h
tests_unit_test_merge_json_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_merge_json_LDADD = $(UNIT_LDADD)
tests_unit_test_merge_text_SOURCES = %reldir%/unit/test_merge_text.c %reldir%/unit/merge-fixture.h
tests_unit_test_merge_text_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_merge_text_LDADD = $(UNIT_LDADD)
tests_unit_test_placeholder_SOURCES = %reldir%/unit/test_placeholder.c
tests_unit_test_placeholder_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_placeholder_LDADD = $(UNIT_LDADD)
tests_unit_test_secrets_SOURCES = %reldir%/unit/test_secrets.c
tests_unit_test_secrets_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_secrets_LDADD = $(UNIT_LDADD)
tests_unit_test_state_SOURCES = %reldir%/unit/test_state.c
tests_unit_test_state_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_state_LDADD = $(UNIT_LDADD)
tests_unit_test_plan_SOURCES = %reldir%/unit/test_plan.c
tests_unit_test_plan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_plan_LDADD = $(UNIT_LDADD)
tests_unit_test_schedule_SOURCES = %reldir%/unit/test_schedule.c
tests_unit_test_schedule_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_schedule_LDADD = $(UNIT_LDADD)
tests_unit_test_pack_SOURCES = %reldir%/unit/test_pack.c
tests_unit_test_pack_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pack_LDADD = $(UNIT_LDADD)
tests_unit_test_tree_SOURCES = %reldir%/unit/test_tree.c
tests_unit_test_tree_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tree_LDADD = $(UNIT_LDADD)
tests_unit_test_vars_SOURCES = %reldir%/unit/test_vars.c
tests_unit_test_vars_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_vars_LDADD = $(UNIT_LDADD)

e2e_tests = \
	tests/e2e/t-archive.sh \
	tests/e2e/t-changing.sh \
	tests/e2e/t-cli.sh \
	tests/e2e/t-completion.sh \
	tests/e2e/t-concurrent.sh \
	tests/e2e/t-cost.sh \
	tests/e2e/t-crash.sh \
	tests/e2e/t-diff.sh \
	tests/e2e/t-promote.sh \
	tests/e2e/t-exec.sh \
	tests/e2e/t-hostile.sh \
	tests/e2e/t-http.sh \
	tests/e2e/t-master.sh \
	tests/e2e/t-progress.sh \
	tests/e2e/t-reflink.sh \
	tests/e2e/t-roundtrip.sh \
	tests/e2e/t-sandbox.sh \
	tests/e2e/t-store.sh \
	tests/e2e/t-tick.sh

TESTS += $(unit_tests) $(e2e_tests)
EXTRA_DIST += $(e2e_tests) tests/e2e/lib.sh tests/http-fault-server.py tests/data/gen-export tests/data/README.md \
	tests/data/fp-corpus

TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(BASH_PROG)
AM_TESTS_ENVIRONMENT = \
	SBX='$(abs_top_builddir)/sbx'; export SBX; \
	SBX_TEST_DATA='$(abs_top_srcdir)/tests/data'; export SBX_TEST_DATA; \
	TOP_SRCDIR='$(abs_top_srcdir)'; export TOP_SRCDIR; \
	SBX_TOP_SRCDIR='$(abs_top_srcdir)'; export SBX_TOP_SRCDIR; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1; export ASAN_OPTIONS;

# Fuzz targets (libFuzzer, clang): built by tests/fuzz/build.sh, not by make check.
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/build.sh tests/fuzz/seeds.sh \
	tests/fuzz/fuzz_archive.c tests/fuzz/fuzz_tree.c tests/fuzz/fuzz_policy.c tests/fuzz/fuzz_jdiff.c \
	tests/fuzz/fuzz_merge.c tests/fuzz/fuzz_schedule.c tests/fuzz/fuzz_changeset.c
