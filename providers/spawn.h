/* Running an external program without a shell: argv in, stdin from memory,
 * stdout and stderr captured, a deadline enforced, the child always reaped.
 * The exec provider's transport; usable by anything that runs a helper
 * (notification targets, say). */
#ifndef SBX_SPAWN_H
#define SBX_SPAWN_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include <stddef.h>

#include "sbx/buf.h"
#include "sbx/err.h"

/* The most each of stdout and stderr may hold (8 MiB). */
#define SBX_SPAWN_MAX_OUTPUT ((size_t)8 * 1024 * 1024)

/* How long a child has to die after SIGTERM before it gets SIGKILL. */
#define SBX_SPAWN_KILL_GRACE_MS 2000

/* How a child ended, and what it wrote. */
struct sbx_spawn_result {
	int exited;                 /* 1: it exited, STATUS is its exit status */
	int status;                 /* exit status, or the signal number when SIGNALED */
	int signaled;               /* 1: a signal ended it, STATUS is the signal */
	int timed_out;              /* 1: we killed it at the deadline */
	struct sbx_buf out, errout; /* stdout and stderr, each at most SBX_SPAWN_MAX_OUTPUT */
};

#define SBX_SPAWN_RESULT_INIT { 0, 0, 0, 0, SBX_BUF_INIT, SBX_BUF_INIT }

/* Runs ARGV[0] (searched on PATH when it holds no '/') with ARGV, never
 * through a shell, in a process group of its own, with every descriptor of
 * ours closed except the three pipes: STDIN_DATA[0..STDIN_LEN) is written
 * to its stdin (NULL: stdin is /dev/null; a child that does not read it is
 * fine), and its stdout and stderr are read into RES (which the caller
 * initialises with SBX_SPAWN_RESULT_INIT and releases with
 * sbx_spawn_result_release, whatever this returns; on return both are
 * NUL-terminated, possibly empty).  Signal dispositions and the signal mask
 * are reset to the defaults in the child.
 *
 * TIMEOUT_MS (<= 0: none) is measured on the monotonic clock; at the
 * deadline the child's process group gets SIGTERM, then SIGKILL after
 * SBX_SPAWN_KILL_GRACE_MS, so grandchildren die too.  Writing more than
 * SBX_SPAWN_MAX_OUTPUT to stdout or stderr ends it the same way, the first
 * SBX_SPAWN_MAX_OUTPUT bytes kept.  Once the child has exited, descendants
 * that still hold its stdout or stderr open get a short grace to finish
 * writing, then are left alone: they do not hold us until the deadline.
 *
 * Returns 0 when the child ran and ended by itself (RES says how: a
 * non-zero exit status is the caller's to judge), SBX_EFAIL with
 * RES->timed_out set for "timed out after N ms", SBX_EFAIL for "output too
 * large", SBX_ENOTFOUND or SBX_EFAIL for "cannot run 'PROG': strerror", and
 * SBX_EIO when a system call fails.  In every case the child, if one was
 * started, has been reaped when this returns. */
int sbx_spawn(const char *const argv[], const char *stdin_data, size_t stdin_len,
	      long timeout_ms, struct sbx_spawn_result *res, struct sbx_err *err);

/* sbx_spawn with ENVP ("NAME=value" strings, NULL-terminated) as the
 * child's environment instead of ours (NULL: ours). */
int sbx_spawn_env(const char *const argv[], const char *const envp[], const char *stdin_data,
		  size_t stdin_len, long timeout_ms, struct sbx_spawn_result *res,
		  struct sbx_err *err);

/* Releases the buffers of RES and clears it. */
void sbx_spawn_result_release(struct sbx_spawn_result *res);

#endif
