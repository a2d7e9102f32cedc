/* sbx error handling: functions return 0 or a negative SBX_E* code and fill a
 * caller-owned, nullable struct sbx_err passed last.  The first error set
 * wins, so the innermost cause survives. */
#ifndef SBX_ERR_H
#define SBX_ERR_H

#include <stdarg.h>

enum {
	SBX_OK = 0,
	SBX_EFAIL = -1,     /* operation failed (exit 1) */
	SBX_EIO = -2,       /* I/O error (exit 1) */
	SBX_ENOMEM = -3,    /* out of memory (exit 1) */
	SBX_EINVAL = -4,    /* bad input data: archive, JSON, reply (exit 1) */
	SBX_ENOTSUP = -5,   /* not supported (exit 1) */
	SBX_EUSAGE = -6,    /* bad flag or argument (exit 2) */
	SBX_ESYNTAX = -7,   /* malformed user file: policy, config (exit 2) */
	SBX_ENOTFOUND = -8, /* no such object (exit 3) */
	SBX_EEXIST = -9,    /* already exists (exit 4) */
	SBX_ECONFLICT = -10,/* refused by state, policy or conflict (exit 4) */
	SBX_EBUSY = -11,    /* store locked or busy (exit 5) */
	SBX_ECORRUPT = -12, /* store damaged (exit 5) */
	SBX_EAMBIG = -13,   /* ambiguous id prefix (exit 2) */
};

struct sbx_err {
	int code;       /* 0 or SBX_E* */
	int sys_errno;  /* errno when the cause was a system call, else 0 */
	char msg[512];
};

/* Records an error in ERR (which may be NULL) unless one is already set, and
 * returns the code now in ERR (the first one set), or CODE when ERR is NULL. */
int sbx_err_set(struct sbx_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like sbx_err_set, appending ": strerror(errno)" and keeping errno. */
int sbx_err_sys(struct sbx_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears ERR. */
void sbx_err_clear(struct sbx_err *err);

/* Maps an SBX_E* code to the exit status of the command line (0..5). */
int sbx_err_exit_status(int code);

#endif
