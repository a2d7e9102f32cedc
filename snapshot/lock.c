#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "snapshot/lock.h"
#include "util/fsutil.h"

int sbx_lock_take(const char *path, int exclusive, int wait, const char *command,
		  int *fd, struct sbx_err *err)
{
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int op = exclusive ? LOCK_EX : LOCK_SH;

	if (f < 0)
		return sbx_err_sys(err, SBX_EIO, "cannot open lock '%s'", path);
	while (flock(f, op | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			char who[128] = "";
			ssize_t n = pread(f, who, sizeof who - 1, 0);

			close(f);
			if (n > 0) {
				who[n] = '\0';
				who[strcspn(who, "\n")] = '\0';
			}
			return sbx_err_set(err, SBX_EBUSY,
					   "store is busy: another sbx process holds '%s'%s%s%s; "
					   "retry, or pass --wait",
					   path, *who ? " (" : "", who, *who ? ")" : "");
		}
		close(f);
		return sbx_err_sys(err, SBX_EIO, "cannot lock '%s'", path);
	}
	if (exclusive) {
		char who[128];
		int n = snprintf(who, sizeof who, "pid %ld: %s\n", (long)getpid(),
				 command ? command : "sbx");

		if (ftruncate(f, 0) == 0 && n > 0)
			(void)!pwrite(f, who, (size_t)n, 0);
	}
	*fd = f;
	return 0;
}
