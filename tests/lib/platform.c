/* SPDX-License-Identifier: MIT */
/*
 * The test platform of the suites and the fuzz targets: sparse guest
 * memory with an SMM view and a normal view, a log of every callback, and
 * fault injection (callback number fail_at, counted from 1, or every
 * callback of the kinds in fail_kinds, fails).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

char fz_context[256];
const char *fz_input_name;

void fz_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n%s:%d: invariant violated: %s\n  ", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  while testing: %s\n", fz_context);
	if (fz_input_name)
		fprintf(stderr, "  input file: %s\n", fz_input_name);
	fflush(stderr);
	abort();
}

uint8_t fz_u8(struct fz_input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

uint16_t fz_u16(struct fz_input *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

uint32_t fz_u32(struct fz_input *in)
{
	uint32_t lo = fz_u16(in);

	return lo | (uint32_t)fz_u16(in) << 16;
}

uint64_t fz_u64(struct fz_input *in)
{
	uint64_t lo = fz_u32(in);

	return lo | (uint64_t)fz_u32(in) << 32;
}

/* ------------------------------------------------------------------ */
/* Memory                                                               */
/* ------------------------------------------------------------------ */

void fz_mem_clear_log(struct fz_mem *mem)
{
	mem->calls = 0;
	mem->nlog = 0;
	memset(mem->count, 0, sizeof(mem->count));
}

void fz_mem_reset(struct fz_mem *mem)
{
	/* Pages are zeroed when they are handed out, so a reset is cheap. */
	mem->npages = 0;
	mem->limit = 1ull << 36;
	mem->fail_at = 0;
	mem->fail_kinds = 0;
	mem->l1 = NULL;
	fz_mem_clear_log(mem);
}

static struct fz_page *page_find(const struct fz_mem *mem, uint64_t addr)
{
	for (unsigned i = 0; i < mem->npages; i++)
		if (mem->page[i].addr == addr)
			return (struct fz_page *)&mem->page[i];
	return NULL;
}

static struct fz_page *page_get(struct fz_mem *mem, uint64_t addr, bool smram)
{
	struct fz_page *pg = page_find(mem, addr);

	if (pg || mem->npages == FZ_NPAGES)
		return pg;
	pg = &mem->page[mem->npages++];
	pg->addr = addr;
	pg->smram = smram;
	memset(pg->bytes, 0, sizeof(pg->bytes));
	return pg;
}

static bool range_ok(const struct fz_mem *mem, uint64_t gpa, size_t len)
{
	return gpa < mem->limit && len <= mem->limit - gpa;
}

/*
 * Walk [gpa, gpa+len) page by page.  write: copy buf into memory (creating
 * pages), else copy memory into buf.  view: 0 = host (no isolation),
 * 1 = SMM view, 2 = normal view (SMRAM pages are refused).
 */
static bool mem_access(struct fz_mem *mem, uint64_t gpa, void *buf, size_t len,
		       bool write, int view, bool smram_new)
{
	uint8_t *b = buf;

	if (!range_ok(mem, gpa, len))
		return false;
	while (len > 0) {
		uint64_t base = gpa & ~(uint64_t)(FZ_PAGE_SIZE - 1);
		size_t off = (size_t)(gpa - base);
		size_t n = FZ_PAGE_SIZE - off < len ? FZ_PAGE_SIZE - off : len;
		struct fz_page *pg = write ? page_get(mem, base, smram_new)
					   : page_find(mem, base);

		if (write && !pg)
			return false;
		if (pg && view == 2 && pg->smram)
			return false;
		if (write)
			memcpy(pg->bytes + off, b, n);
		else if (pg)
			memcpy(b, pg->bytes + off, n);
		else
			memset(b, 0, n);
		gpa += n;
		b += n;
		len -= n;
	}
	return true;
}

bool fz_mem_poke(struct fz_mem *mem, uint64_t gpa, const void *buf, size_t len,
		 bool smram)
{
	return mem_access(mem, gpa, (void *)buf, len, true, 0, smram);
}

bool fz_mem_peek(const struct fz_mem *mem, uint64_t gpa, void *buf, size_t len)
{
	return mem_access((struct fz_mem *)mem, gpa, buf, len, false, 0, false);
}

bool fz_mem_read_view(const struct fz_mem *mem, bool smm, uint64_t gpa, void *buf,
		      size_t len)
{
	return mem_access((struct fz_mem *)mem, gpa, buf, len, false, smm ? 1 : 2, false);
}

unsigned fz_mem_count(const struct fz_mem *mem, enum fz_call_kind kind)
{
	return mem->count[kind];
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                            */
/* ------------------------------------------------------------------ */

/* Log a callback; true if fault injection says this one fails. */
static bool record(struct fz_mem *mem, enum fz_call_kind kind, bool smm, uint64_t gpa,
		   size_t len)
{
	bool fail;

	mem->calls++;
	fail = mem->calls == mem->fail_at || /* calls >= 1: 0 never fails */
	       (mem->fail_kinds & (1u << kind)) != 0;
	mem->count[kind]++;
	if (mem->nlog < FZ_LOG_MAX)
		mem->log[mem->nlog++] = (struct fz_call){
			.kind = kind,
			.smm = smm,
			.failed = fail,
			.gpa = gpa,
			.len = len,
		};
	return fail;
}

static int cb_read(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len)
{
	struct fz_mem *mem = ctx;

	FZ_CHECK(buf != NULL || len == 0, "read_phys got a NULL buffer");
	if (record(mem, FZ_CALL_READ, smm, gpa, len))
		return -1;
	return mem_access(mem, gpa, buf, len, false, smm ? 1 : 2, false) ? 0 : -1;
}

static int cb_write(void *ctx, bool smm, uint64_t gpa, const void *buf, size_t len)
{
	struct fz_mem *mem = ctx;

	FZ_CHECK(buf != NULL || len == 0, "write_phys got a NULL buffer");
	if (record(mem, FZ_CALL_WRITE, smm, gpa, len))
		return -1;
	return mem_access(mem, gpa, (void *)buf, len, true, smm ? 1 : 2, smm) ? 0 : -1;
}

static int cb_smm_changed(void *ctx, struct vsmm_vcpu *vcpu, bool entering)
{
	FZ_CHECK(vcpu != NULL, "smm_changed got no vCPU");
	return record(ctx, FZ_CALL_SMM_CHANGED, entering, 0, 0) ? -1 : 0;
}

static int cb_nested_leave(void *ctx, struct vsmm_vcpu *vcpu)
{
	struct fz_mem *mem = ctx;

	FZ_CHECK(vcpu != NULL, "nested_leave got no vCPU");
	if (record(mem, FZ_CALL_NESTED_LEAVE, false, 0, 0))
		return -1;
	if (mem->l1) {
		/* A VMM loads L1's registers; the event state is the vCPU's. */
		struct vsmm_cpu_state l1 = *mem->l1;

		l1.smi_pending = vcpu->state.smi_pending;
		l1.nmi_masked = vcpu->state.nmi_masked;
		l1.guest_mode = vcpu->state.guest_mode;
		vcpu->state = l1;
	}
	return 0;
}

static int cb_nested_enter(void *ctx, struct vsmm_vcpu *vcpu, uint64_t vmcb12_gpa)
{
	FZ_CHECK(vcpu != NULL, "nested_enter got no vCPU");
	return record(ctx, FZ_CALL_NESTED_ENTER, false, vmcb12_gpa, 0) ? -1 : 0;
}

const struct vsmm_platform_ops fz_platform_ops = {
	.read_phys = cb_read,
	.write_phys = cb_write,
	.smm_changed = cb_smm_changed,
	.nested_leave = cb_nested_leave,
	.nested_enter = cb_nested_enter,
};

bool fz_status_known(int status)
{
	switch (status) {
#define FZ__STATUS_CASE(name, value, text) case VSMM_##name:
		VSMM_STATUS_MAP(FZ__STATUS_CASE)
#undef FZ__STATUS_CASE
		return true;
	default: return false;
	}
}
