#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sbx/err.h"

static int vset(struct sbx_err *err, int code, int sys, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	if (err->code)
		return err->code;
	err->code = code;
	err->sys_errno = sys;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	if (sys) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(sys));
	}
	return code;
}

int sbx_err_set(struct sbx_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vset(err, code, 0, fmt, ap);
	va_end(ap);
	return r;
}

int sbx_err_sys(struct sbx_err *err, int code, const char *fmt, ...)
{
	int sys = errno;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vset(err, code, sys ? sys : EIO, fmt, ap);
	va_end(ap);
	errno = sys;
	return r;
}

void sbx_err_clear(struct sbx_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

int sbx_err_exit_status(int code)
{
	switch (code) {
	case SBX_OK:
		return 0;
	case SBX_EUSAGE:
	case SBX_ESYNTAX:
	case SBX_EAMBIG:
		return 2;
	case SBX_ENOTFOUND:
		return 3;
	case SBX_EEXIST:
	case SBX_ECONFLICT:
		return 4;
	case SBX_EBUSY:
	case SBX_ECORRUPT:
		return 5;
	default:
		return 1;
	}
}
