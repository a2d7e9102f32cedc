#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz/ with clang, ASan and UBSan,
# compiling the sbx sources they need directly (no configure, no libsbx.a).
# Not part of `make check`.  Run from anywhere; needs clang with its
# libFuzzer runtime (Debian 12: apt-get install clang libclang-rt-14-dev),
# pkg-config, and the development packages of libarchive, zstd, jansson,
# OpenSSL, LMDB and PCRE2.  config.h comes from the top directory (run
# configure once).
#
# The binaries land in tests/fuzz/out/, which is build output and is not
# committed (nor are the corpora and crash files the fuzzers write there).
#
# UBSan findings abort (-fno-sanitize-recover=all) so that libFuzzer keeps
# them as crashes instead of printing and carrying on.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/tests/fuzz/out"
CC=${CC:-clang}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
-std=gnu11 -DSBX_BUILDING_LIB -I. -Iinclude"
LIBS="-larchive -lzstd -ljansson -lcrypto -llmdb -pthread"

[ -f "$top/config.h" ] || { echo "build.sh: $top/config.h is missing; run ./configure" >&2; exit 1; }
mkdir -p "$out"
cd "$top"

util="util/buf.c util/err.c util/fsutil.c util/hash.c util/timeutil.c"
# The policy parser and what it compiles a policy with: globs, JSON with
# positions, key selectors, mask kinds, secret rules (PCRE2).
policy="policies/policy.c policies/glob.c policies/jsonpos.c policies/jvalid.c \
policies/jsel.c policies/mask.c policies/pseudonym.c policies/secrets.c"
PCRE2_LIBS=$(pkg-config --libs libpcre2-8)

set -x
# shellcheck disable=SC2086
$CC $CFLAGS -o "$out/fuzz_archive" tests/fuzz/fuzz_archive.c $util \
	snapshot/archive-in.c snapshot/source-dir.c snapshot/builder.c snapshot/tree.c $LIBS
# shellcheck disable=SC2086
$CC $CFLAGS -o "$out/fuzz_tree" tests/fuzz/fuzz_tree.c util/buf.c util/err.c \
	snapshot/tree.c $LIBS
# shellcheck disable=SC2086
$CC $CFLAGS -o "$out/fuzz_policy" tests/fuzz/fuzz_policy.c $util $policy \
	$PCRE2_LIBS -lcrypto $LIBS
# shellcheck disable=SC2086
$CC $CFLAGS -o "$out/fuzz_jdiff" tests/fuzz/fuzz_jdiff.c $util $policy policies/reveal.c \
	policies/jdiff.c util/linediff.c $PCRE2_LIBS -lcrypto $LIBS
# shellcheck disable=SC2086
$CC $CFLAGS -o "$out/fuzz_merge" tests/fuzz/fuzz_merge.c $util lifecycle/merge-text.c \
	lifecycle/merge-json.c lifecycle/merge-conflict.c lifecycle/placeholder.c policies/jsonpos.c \
	policies/mask.c policies/pseudonym.c providers/vars.c util/linediff.c $PCRE2_LIBS -lcrypto $LIBS
# shellcheck disable=SC2086
$CC $CFLAGS -o "$out/fuzz_schedule" tests/fuzz/fuzz_schedule.c policies/schedule.c
# shellcheck disable=SC2086
$CC $CFLAGS -o "$out/fuzz_changeset" tests/fuzz/fuzz_changeset.c $util lifecycle/changeset.c \
	lifecycle/merge-conflict.c lifecycle/placeholder.c policies/mask.c policies/pseudonym.c \
	providers/vars.c snapshot/archive-in.c snapshot/source-dir.c snapshot/builder.c \
	snapshot/tree.c $PCRE2_LIBS $LIBS
