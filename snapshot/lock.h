/* Advisory locks on files of the store (flock: released by the kernel when
 * the holder dies, so a stale lock never blocks the next command). */
#ifndef SBX_LOCK_H
#define SBX_LOCK_H
#ifndef SBX_BUILDING_LIB
#error "internal header: only for libsbx"
#endif

#include "sbx/err.h"

/* Takes the lock on PATH, exclusive or shared, waiting when WAIT, else
 * failing with SBX_EBUSY naming the holder.  An exclusive holder records its
 * pid and COMMAND in the file for the next one's message.  Returns the
 * descriptor in *FD (close it to release). */
int sbx_lock_take(const char *path, int exclusive, int wait, const char *command,
		  int *fd, struct sbx_err *err);

#endif
