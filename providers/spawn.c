/* Running a helper program: posix_spawn with argv (never a shell), three
 * non-blocking pipes driven by one poll() loop (so that neither a large
 * stdin nor a large output can deadlock us against the child), a deadline
 * on the monotonic clock, and a process group to kill as a whole. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "providers/spawn.h"

extern char **environ;

/* How long descendants that inherited the pipes may keep writing after the
 * child itself has exited (Go's exec.Cmd.WaitDelay): a helper that leaves
 * a background process behind must not hold us until the deadline. */
#define DRAIN_GRACE_MS 1000

/* Longest sleep between two checks for the child's exit. */
#define REAP_POLL_MS 50

#define CHUNK ((size_t)64 * 1024)

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A close-on-exec pipe whose ends are both above 2: dup2 onto 0..2 in the
 * child then always makes a new, inheritable descriptor (dup2 of a
 * descriptor onto itself would keep its close-on-exec flag). */
static int make_pipe(int fds[2])
{
	int i;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	for (i = 0; i < 2; i++) {
		if (fds[i] < 3) {
			int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);

			if (fd < 0) {
				int e = errno;

				close(fds[0]);
				close(fds[1]);
				fds[0] = fds[1] = -1;
				errno = e;
				return -1;
			}
			close(fds[i]);
			fds[i] = fd;
		}
	}
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Reads what is there from *FD into B, up to SBX_SPAWN_MAX_OUTPUT; bytes
 * beyond are discarded and set *OVER.  Closes *FD at end of file or on an
 * error (the child's side is gone either way). */
static void pump_out(int *fd, struct sbx_buf *b, int *over)
{
	char scratch[4096];
	size_t room = SBX_SPAWN_MAX_OUTPUT - b->len;
	ssize_t n;

	if (room) {
		if (room > CHUNK)
			room = CHUNK;
		sbx_buf_grow(b, room);
		n = read(*fd, b->data + b->len, room);
		if (n > 0) {
			b->len += (size_t)n;
			b->data[b->len] = '\0';
		}
	} else {
		n = read(*fd, scratch, sizeof scratch);
		if (n > 0)
			*over = 1;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		close_fd(fd);
}

/* Writes the next piece of stdin.  EPIPE (with SIGPIPE blocked) means the
 * child does not read its stdin, which is its right: we stop writing. */
static void pump_in(int *fd, const char *data, size_t len, size_t *done)
{
	size_t n = len - *done;
	ssize_t w;

	if (n > CHUNK)
		n = CHUNK;
	w = write(*fd, data + *done, n);
	if (w > 0)
		*done += (size_t)w;
	else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		close_fd(fd);
	if (*done == len)
		close_fd(fd);
}

static void fill_status(struct sbx_spawn_result *res, int ws)
{
	if (WIFEXITED(ws)) {
		res->exited = 1;
		res->status = WEXITSTATUS(ws);
	} else if (WIFSIGNALED(ws)) {
		res->signaled = 1;
		res->status = WTERMSIG(ws);
	}
}

int sbx_spawn_env(const char *const argv[], const char *const envp[], const char *stdin_data,
		  size_t stdin_len, long timeout_ms, struct sbx_spawn_result *res,
		  struct sbx_err *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int have_fa = 0, have_attr = 0, pipe_was_pending;
	sigset_t pipe_set, old_mask, set;
	int64_t t, deadline = -1, kill_at = -1, reaped_at = -1, backoff = 1;
	int over_out = 0, over_err = 0, reaped = 0, ws = 0, r = 0, e;
	size_t written = 0;
	pid_t pid = -1;

	res->exited = res->status = res->signaled = res->timed_out = 0;
	sbx_buf_reset(&res->out);
	sbx_buf_reset(&res->errout);

	/* Writing to a child that has exited raises SIGPIPE, which would kill
	 * us: block it in this thread while we run, and swallow the one our
	 * writes may have raised (a signal pending from before is left be). */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigpending(&set);
	pipe_was_pending = sigismember(&set, SIGPIPE);

	if ((stdin_data && make_pipe(in)) || make_pipe(out) || make_pipe(errp)) {
		r = sbx_err_sys(err, SBX_EIO, "cannot run '%s': pipe", argv[0]);
		goto out;
	}
	if ((e = posix_spawn_file_actions_init(&fa))) {
		errno = e;
		r = sbx_err_sys(err, SBX_EIO, "cannot run '%s'", argv[0]);
		goto out;
	}
	have_fa = 1;
	if ((e = posix_spawnattr_init(&attr))) {
		errno = e;
		r = sbx_err_sys(err, SBX_EIO, "cannot run '%s'", argv[0]);
		goto out;
	}
	have_attr = 1;

	e = stdin_data ? posix_spawn_file_actions_adddup2(&fa, in[0], 0)
		       : posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* Descriptors others opened without O_CLOEXEC must not leak either
	 * (ours all have it). */
	if (!e)
		e = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	/* Its own process group, so that a timeout kills its children too; the
	 * default signal dispositions and an empty mask, whatever ours are. */
	sigemptyset(&set);
	if (!e)
		e = posix_spawnattr_setpgroup(&attr, 0);
	if (!e)
		e = posix_spawnattr_setsigmask(&attr, &set);
	sigfillset(&set);
	sigdelset(&set, SIGKILL);
	sigdelset(&set, SIGSTOP);
	if (!e)
		e = posix_spawnattr_setsigdefault(&attr, &set);
	if (!e)
		e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						    POSIX_SPAWN_SETSIGDEF);
	if (e) {
		errno = e;
		r = sbx_err_sys(err, SBX_EIO, "cannot run '%s'", argv[0]);
		goto out;
	}

	e = (strchr(argv[0], '/') ? posix_spawn : posix_spawnp)(
		&pid, argv[0], &fa, &attr, (char *const *)argv,
		(char *const *)(envp ? envp : (const char *const *)environ));
	if (e) {
		pid = -1;
		errno = e;
		r = sbx_err_sys(err, e == ENOENT || e == ENOTDIR ? SBX_ENOTFOUND : SBX_EFAIL,
				"cannot run '%s'", argv[0]);
		goto out;
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	if ((in[1] >= 0 && set_nonblock(in[1])) || set_nonblock(out[0]) || set_nonblock(errp[0])) {
		r = sbx_err_sys(err, SBX_EIO, "cannot run '%s': fcntl", argv[0]);
		goto out;
	}
	if (in[1] >= 0 && stdin_len == 0)
		close_fd(&in[1]);

	t = now_ms();
	if (timeout_ms > 0)
		deadline = t + timeout_ms;
	for (;;) {
		struct pollfd pfd[3];
		int64_t wait = REAP_POLL_MS;
		nfds_t n = 0;
		int k;

		if (!reaped) {
			pid_t w = waitpid(pid, &ws, WNOHANG);

			if (w == pid) {
				reaped = 1;
				reaped_at = now_ms();
			} else if (w < 0 && errno != EINTR) {
				r = sbx_err_sys(err, SBX_EIO, "cannot wait for '%s'", argv[0]);
				goto out;
			}
		}
		t = now_ms();
		if (kill_at < 0 && !reaped &&
		    ((over_out || over_err) || (deadline >= 0 && t >= deadline))) {
			res->timed_out = !(over_out || over_err);
			kill(-pid, SIGTERM);
			kill_at = t + SBX_SPAWN_KILL_GRACE_MS;
			close_fd(&in[1]);
		}
		if (kill_at >= 0 && t >= kill_at) {
			kill(-pid, SIGKILL);
			break;
		}
		if (reaped) {
			if (kill_at < 0 && ((out[0] < 0 && errp[0] < 0) || t >= reaped_at + DRAIN_GRACE_MS))
				break;
			/* Killing: done once nothing of the group is left. */
			if (kill_at >= 0 && out[0] < 0 && errp[0] < 0 && kill(-pid, 0) && errno == ESRCH)
				break;
		}

		if (in[1] >= 0)
			pfd[n++] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
		if (out[0] >= 0)
			pfd[n++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		if (errp[0] >= 0)
			pfd[n++] = (struct pollfd){ .fd = errp[0], .events = POLLIN };
		if (!n) {
			/* Only the exit is left to wait for: it is near. */
			wait = backoff;
			if (backoff < REAP_POLL_MS)
				backoff *= 2;
		}
		if (kill_at >= 0 && kill_at - t < wait)
			wait = kill_at - t;
		else if (kill_at < 0 && !reaped && deadline >= 0 && deadline - t < wait)
			wait = deadline - t;
		else if (reaped && kill_at < 0 && reaped_at + DRAIN_GRACE_MS - t < wait)
			wait = reaped_at + DRAIN_GRACE_MS - t;
		if (wait < 0)
			wait = 0;

		k = poll(pfd, n, (int)wait);
		if (k < 0 && errno != EINTR) {
			r = sbx_err_sys(err, SBX_EIO, "cannot run '%s': poll", argv[0]);
			goto out;
		}
		for (nfds_t i = 0; k > 0 && i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == in[1])
				pump_in(&in[1], stdin_data, stdin_len, &written);
			else if (pfd[i].fd == out[0])
				pump_out(&out[0], &res->out, &over_out);
			else if (pfd[i].fd == errp[0])
				pump_out(&errp[0], &res->errout, &over_err);
		}
	}

out:
	if (pid > 0 && !reaped) {
		/* An error on our side, or the SIGKILL above: nothing may outlive
		 * the call, and no zombie either. */
		kill(-pid, SIGKILL);
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		reaped = 1;
	}
	if (pid > 0)
		fill_status(res, ws);
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	if (have_attr)
		posix_spawnattr_destroy(&attr);
	sigpending(&set);
	if (!pipe_was_pending && sigismember(&set, SIGPIPE)) {
		static const struct timespec zero = { 0, 0 };

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	/* Both always a string, even when empty. */
	sbx_buf_add(&res->out, "", 0);
	sbx_buf_add(&res->errout, "", 0);
	if (!r && (over_out || over_err))
		r = sbx_err_set(err, SBX_EFAIL, "'%s' output too large: more than %zu MiB on %s",
				argv[0], SBX_SPAWN_MAX_OUTPUT >> 20, over_out ? "stdout" : "stderr");
	else if (!r && res->timed_out)
		r = sbx_err_set(err, SBX_EFAIL, "'%s' timed out after %ld ms", argv[0], timeout_ms);
	return r;
}

int sbx_spawn(const char *const argv[], const char *stdin_data, size_t stdin_len,
	      long timeout_ms, struct sbx_spawn_result *res, struct sbx_err *err)
{
	return sbx_spawn_env(argv, NULL, stdin_data, stdin_len, timeout_ms, res, err);
}

void sbx_spawn_result_release(struct sbx_spawn_result *res)
{
	sbx_buf_release(&res->out);
	sbx_buf_release(&res->errout);
	res->exited = res->status = res->signaled = res->timed_out = 0;
}
