/* SPDX-License-Identifier: MIT */
/*
 * File input and all-or-nothing file output.
 *
 * Inputs: a regular file is read on demand with pread(), so a multi-GiB
 * memory dump costs nothing but the bytes looked at; stdin (or a pipe) is
 * read whole, up to a limit, because it cannot seek.
 *
 * Outputs are never half-written: the bytes go to a temporary file in the
 * destination directory (same file system, so rename() is atomic), which
 * is renamed over the destination only once everything was written.  A
 * symbolic link is followed: the file it names is the destination (the
 * link stays).  A character device or a FIFO (/dev/null, a pipe) is
 * written through, never replaced; a write error there (ENOSPC from
 * /dev/full) is reported.  Other kinds (directories, block devices,
 * sockets) are refused.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Grow to at most limit + 1 bytes: one byte past the limit is enough to
 * know the stream is too long, without holding more of it. */
static int grow(struct cli_input *in, uint8_t **buf, size_t *cap, uint64_t limit)
{
	size_t want = *cap * 2;
	uint8_t *nb;

	if (want > limit + 1)
		want = (size_t)limit + 1;
	nb = realloc(*buf, want);
	if (!nb) {
		cli_err("%s: out of memory", in->name);
		return -1;
	}
	*buf = nb;
	*cap = want;
	return 0;
}

static int read_stream(struct cli_input *in, uint64_t limit)
{
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);

	if (!buf) {
		cli_err("%s: out of memory", in->name);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len > limit)
			break;
		if (len == cap && grow(in, &buf, &cap, limit) != 0) {
			free(buf);
			return -1;
		}
		n = read(in->fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_err("%s: %s", in->name, strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > limit) {
		free(buf);
		cli_err("%s: input is longer than %llu bytes", in->name,
			(unsigned long long)limit);
		return -1;
	}
	in->data = buf;
	in->size = len;
	return 0;
}

int cli_input_open(struct cli_input *in, const char *path, uint64_t limit)
{
	struct stat st;

	memset(in, 0, sizeof(*in));
	in->name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
	} else {
		in->fd = open(path, O_RDONLY);
		if (in->fd < 0) {
			cli_err("%s: %s", path, strerror(errno));
			return -1;
		}
		in->owned_fd = true;
	}
	if (fstat(in->fd, &st) != 0) {
		cli_err("%s: %s", in->name, strerror(errno));
		cli_input_close(in);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		cli_err("%s: is a directory", in->name);
		cli_input_close(in);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		in->seekable = true;
		in->size = (uint64_t)st.st_size;
		return 0;
	}
	if (read_stream(in, limit) != 0) {
		cli_input_close(in);
		return -1;
	}
	return 0;
}

int cli_input_read(const struct cli_input *in, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (off > in->size || len > in->size - off)
		return -1;
	if (!in->seekable) {
		memcpy(buf, in->data + off, len);
		return 0;
	}
	while (len) {
		ssize_t n = pread(in->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		/* A file that shrank under us reads short: report, never
		 * return stale bytes. */
		if (n <= 0)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

void cli_input_close(struct cli_input *in)
{
	if (in->owned_fd && in->fd >= 0)
		close(in->fd);
	free(in->data);
	in->data = NULL;
	in->owned_fd = false;
	in->fd = -1;
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "dir/.name.XXXXXX" beside the destination. */
static char *temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dirlen;
	size_t n = dirlen + 1 + strlen(base) + 8 + 1;
	char *t = malloc(n);

	if (t)
		snprintf(t, n, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	return t;
}

static int write_stdout(const void *data, size_t len)
{
	fflush(stdout);
	if (write_all(STDOUT_FILENO, data, len) != 0) {
		cli_err("<stdout>: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Write through to a character device or FIFO that exists at path. */
static int write_through(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		cli_err("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) != 0) {
		cli_err("%s: cannot write: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) != 0) {
		cli_err("%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_atomic(const char *shown, const char *path, const void *data,
			size_t len);

int cli_write_file(const char *path, const void *data, size_t len)
{
	struct stat st;
	char *target = NULL;
	int rc;

	if (strcmp(path, "-") == 0)
		return write_stdout(data, len);
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		/* Follow the link (and any chain of links) to its file. */
		target = realpath(path, NULL);
		if (!target) {
			cli_err("%s: a symbolic link to nothing usable: %s", path,
				strerror(errno));
			return -1;
		}
		if (stat(target, &st) != 0) {
			cli_err("%s: %s", path, strerror(errno));
			free(target);
			return -1;
		}
	} else if (stat(path, &st) != 0) {
		/* No file yet: created by the rename. */
		return write_atomic(path, path, data, len);
	}
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
		rc = write_through(target ? target : path, data, len);
	else if (S_ISREG(st.st_mode))
		rc = write_atomic(path, target ? target : path, data, len);
	else {
		cli_err("%s: not a regular file, character device or FIFO; "
			"refusing to replace it",
			path);
		rc = -1;
	}
	free(target);
	return rc;
}

/* The temporary file beside path, renamed over it; shown names it in
 * messages (the name the user gave). */
static int write_atomic(const char *shown, const char *path, const void *data, size_t len)
{
	char *tmp;
	int fd;
	mode_t mask;

	tmp = temp_name(path);
	if (!tmp) {
		cli_err("%s: out of memory", shown);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_err("%s: cannot create a file there: %s", shown, strerror(errno));
		free(tmp);
		return -1;
	}
	/* mkstemp makes 0600; give the file the mode a plain open() would. */
	mask = umask(0);
	umask(mask);
	if (write_all(fd, data, len) != 0 || fchmod(fd, 0666 & ~mask) != 0 ||
	    fsync(fd) != 0) {
		cli_err("%s: %s", shown, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		cli_err("%s: %s", shown, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int cli_finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("<stdout>: %s", strerror(errno ? errno : EIO));
		return CLI_EXIT_ERR;
	}
	return rc;
}
