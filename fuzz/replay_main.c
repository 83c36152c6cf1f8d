/* SPDX-License-Identifier: MIT */
/*
 * main() of a fuzz target built without libFuzzer: replay every file named
 * on the command line, and every regular file in every directory named, in
 * name order, through LLVMFuzzerTestOneInput().  A broken invariant
 * aborts (fz_fail), so the exit status says whether the corpus passes.
 *
 * Usage: fuzz_TARGET [-v] FILE|DIR...
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testlib.h"

/* Inputs larger than this are not fuzz inputs (libFuzzer's default
 * -max_len is far below it); refuse rather than allocate without bound. */
#define REPLAY_MAX_INPUT (1u << 20)

static int verbose;
static unsigned long replayed;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    len > (long)REPLAY_MAX_INPUT || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: unreadable or larger than %u bytes\n", path,
			REPLAY_MAX_INPUT);
		fclose(f);
		return -1;
	}
	/* An exact-size heap copy, so a sanitizer sees any read past it. */
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: %s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (verbose)
		fprintf(stderr, "replay: %s (%ld bytes)\n", path, len);
	fz_input_name = path;
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	fz_input_name = NULL;
	free(buf);
	replayed++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? 2 * cap : 64) *
							      sizeof(*names));
			if (!grown) {
				rc = -1;
				break;
			}
			names = grown;
		}
		if (!(names[n] = malloc(strlen(path) + strlen(e->d_name) + 2))) {
			rc = -1;
			break;
		}
		sprintf(names[n++], "%s/%s", path, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			rc = replay_file(names[i]);
		free(names[i]);
	}
	free(names);
	if (rc != 0)
		fprintf(stderr, "replay: %s: out of memory or unreadable file\n", path);
	return rc;
}

int main(int argc, char **argv)
{
	int first = 1;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [-v] FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		struct stat st;
		int rc;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		rc = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]);
		if (rc != 0)
			return 2;
	}
	if (replayed == 0) {
		/* An empty corpus would pass without testing anything. */
		fprintf(stderr, "replay: no inputs found\n");
		return 2;
	}
	printf("replayed %lu inputs: all invariants held\n", replayed);
	return 0;
}
