/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "engine_test.h"
#include "ucx86.h"

static char bios_path[] = "/tmp/vsmm-test-engine-XXXXXX";
const char *engine_test_bios = bios_path;

static int make_bios(void)
{
	static uint8_t image[0x10000];
	int fd = mkstemp(bios_path);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	memset(image, 0xf4, sizeof(image)); /* HLT everywhere */
	if (!f || fwrite(image, 1, sizeof(image), f) != sizeof(image))
		return -1;
	return fclose(f);
}

int engine_test_start(const char *prog)
{
	uc_engine *uc;
	char why[256];
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK) {
		puts("SKIP: Unicorn cannot open an x86-64 instance");
		return 77;
	}
	if (ucx_selfcheck(uc, why, sizeof(why))) {
		printf("SKIP: engine self-check failed: %s\n", why);
		uc_close(uc);
		return 77;
	}
	uc_close(uc);
	if (make_bios()) {
		fprintf(stderr, "%s: writing a BIOS image: ", prog);
		perror(NULL);
		return 1;
	}
	return -1;
}

int engine_test_end(int rc)
{
	remove(bios_path);
	return rc;
}
