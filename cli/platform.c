/* SPDX-License-Identifier: MIT */
/*
 * The guest memory the CLI gives vsmm: the state-save area at its physical
 * address, laid over an optional memory dump.  Anything else reads as
 * zero (so page-table reads outside a dump see not-present entries) and
 * cannot be written (so an SMI that writes anywhere but the area is an
 * error, not a silent success).  SMM and normal views are the same here.
 */
#include <string.h>

#include "cli.h"

/* The part of [gpa, gpa+len) that lies in [base, base+size), as an
 * offset into each; false if they do not meet. */
static bool overlap(uint64_t gpa, size_t len, uint64_t base, uint64_t size,
		    uint64_t *in_buf, uint64_t *in_win, uint64_t *n)
{
	uint64_t lo = gpa > base ? gpa : base;
	uint64_t hi_a = gpa + len, hi_b = base + size;
	uint64_t hi = hi_a < hi_b ? hi_a : hi_b;

	/* Wrap-around at the top of the address space reads as zero. */
	if (hi_a < gpa || hi_b < base || lo >= hi)
		return false;
	*in_buf = lo - gpa;
	*in_win = lo - base;
	*n = hi - lo;
	return true;
}

static int mem_read(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len)
{
	const struct cli_memory *m = ctx;
	uint8_t *out = buf;
	uint64_t ib, iw, n;

	(void)smm;
	memset(buf, 0, len);
	if (m->dump && overlap(gpa, len, m->dump_base, m->dump->size, &ib, &iw, &n) &&
	    cli_input_read(m->dump, iw, out + ib, (size_t)n) != 0)
		return -1;
	/* The area may have been written by an SMI: it wins over the dump. */
	if (overlap(gpa, len, m->area_addr, m->area_len, &ib, &iw, &n))
		memcpy(out + ib, m->area + iw, (size_t)n);
	return 0;
}

static int mem_write(void *ctx, bool smm, uint64_t gpa, const void *buf, size_t len)
{
	const struct cli_memory *m = ctx;

	(void)smm;
	if (gpa < m->area_addr || len > m->area_len ||
	    gpa - m->area_addr > m->area_len - len)
		return -1;
	memcpy(m->area + (gpa - m->area_addr), buf, len);
	return 0;
}

const struct vsmm_platform_ops cli_platform_ops = {
	.read_phys = mem_read,
	.write_phys = mem_write,
};
