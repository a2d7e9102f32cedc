# Unit tests (cmocka) and end-to-end tests (shell scripts driving ./sbx).
UNIT_LDADD = $(SBX_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_chunker
tests_unit_test_chunker_SOURCES = %reldir%/unit/test_chunker.c
tests_unit_test_chunker_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_chunker_LDADD = $(UNIT_LDADD)

TESTS += tests/unit/test_chunker
