/* SPDX-License-Identifier: MIT */
/* Shared pieces of the vsmm benchmarks (see common.h). */
#define _POSIX_C_SOURCE 200809L
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct bench_stats bench_stats_of(double *v, size_t n)
{
	struct bench_stats s = { 0, 0, 0 };

	if (n == 0)
		return s;
	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

/* Both address spaces are the same flat buffer: the benchmark measures
 * the library, not an MMU. */
static int mem_span(const struct bench_mem *mem, uint64_t gpa, size_t len, size_t *off)
{
	if (gpa < mem->gpa_base || gpa - mem->gpa_base > mem->size ||
	    len > mem->size - (gpa - mem->gpa_base))
		return -1;
	*off = (size_t)(gpa - mem->gpa_base);
	return 0;
}

static int mem_read(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len)
{
	const struct bench_mem *mem = ctx;
	size_t off;

	(void)smm;
	if (mem_span(mem, gpa, len, &off))
		return -1;
	memcpy(buf, mem->bytes + off, len);
	return 0;
}

static int mem_write(void *ctx, bool smm, uint64_t gpa, const void *buf, size_t len)
{
	struct bench_mem *mem = ctx;
	size_t off;

	(void)smm;
	if (mem_span(mem, gpa, len, &off))
		return -1;
	memcpy(mem->bytes + off, buf, len);
	return 0;
}

const struct vsmm_platform_ops bench_mem_ops = {
	.read_phys = mem_read,
	.write_phys = mem_write,
};

int bench_mem_alloc(struct bench_mem *mem)
{
	/* Page aligned (so vCPUs in different threads never share a cache
	 * line through their memory), with a spare page for placements. */
	mem->alloc = aligned_alloc(4096, BENCH_MEM_SIZE + 4096);
	if (!mem->alloc)
		return -1;
	memset(mem->alloc, 0, BENCH_MEM_SIZE + 4096);
	mem->bytes = mem->alloc;
	mem->gpa_base = BENCH_MEM_BASE;
	mem->size = BENCH_MEM_SIZE;
	return 0;
}

void bench_mem_free(struct bench_mem *mem)
{
	free(mem->alloc);
	mem->alloc = mem->bytes = NULL;
}

void bench_mem_place(struct bench_mem *mem, unsigned placement)
{
	uint8_t *to = mem->alloc +
		      (placement % BENCH_PLACEMENTS) * (4096 / BENCH_PLACEMENTS);

	memmove(to, mem->bytes, mem->size);
	mem->bytes = to;
}

static struct vsmm_seg seg(uint16_t sel, uint16_t attr, uint32_t limit, uint64_t base)
{
	struct vsmm_seg s = {
		.selector = sel, .attr = attr, .limit = limit, .base = base
	};
	return s;
}

/* A 64-bit kernel at work: long mode with 4-level paging, NX and SYSCALL,
 * non-zero FS/GS bases, a busy TSS, every GPR distinct. */
static void state_long_mode(struct vsmm_cpu_state *s)
{
	const uint16_t data = VSMM_SEG_P | VSMM_SEG_S | VSMM_SEG_DB | VSMM_SEG_G | 0x3;

	for (unsigned i = 0; i < VSMM_GPR_COUNT; i++)
		s->gpr[i] = (0x1111111111111111ull * (i + 1)) ^ 0x0123456789abcdefull;
	s->rip = 0xffffffff81000123ull;
	s->rflags = VSMM_RFLAGS_FIXED | VSMM_RFLAGS_IF;
	s->cr0 = VSMM_CR0_PE | VSMM_CR0_MP | VSMM_CR0_ET | VSMM_CR0_NE | VSMM_CR0_WP |
		 VSMM_CR0_AM | VSMM_CR0_PG;
	s->cr2 = 0x7fffdeadb000ull;
	s->cr3 = 0x1000;
	s->cr4 = VSMM_CR4_PAE | VSMM_CR4_PGE | VSMM_CR4_OSFXSR | VSMM_CR4_OSXMMEXCPT |
		 VSMM_CR4_PSE | VSMM_CR4_DE;
	s->efer = VSMM_EFER_SCE | VSMM_EFER_LME | VSMM_EFER_LMA | VSMM_EFER_NXE;
	s->dr6 = VSMM_DR6_FIXED_1;
	s->dr7 = VSMM_DR7_FIXED_1;
	s->seg[VSMM_CS] = seg(0x10,
			      VSMM_SEG_P | VSMM_SEG_S | VSMM_SEG_L | VSMM_SEG_G | 0xb,
			      0xffffffff, 0);
	s->seg[VSMM_SS] = seg(0x18, data, 0xffffffff, 0);
	s->seg[VSMM_DS] = seg(0x18, data, 0xffffffff, 0);
	s->seg[VSMM_ES] = seg(0x18, data, 0xffffffff, 0);
	s->seg[VSMM_FS] = seg(0x18, data, 0xffffffff, 0x7f0012345000ull);
	s->seg[VSMM_GS] = seg(0x18, data, 0xffffffff, 0xffff888000200000ull);
	s->seg[VSMM_LDTR] = seg(0, VSMM_SEG_P | 0x2, 0xffff, 0);
	s->seg[VSMM_TR] = seg(0x40, VSMM_SEG_P | 0xb, 0x67, 0xfffffe0000003000ull);
	s->gdtr.base = 0xfffffe0000001000ull;
	s->gdtr.limit = 0x7f;
	s->idtr.base = 0xfffffe0000000000ull;
	s->idtr.limit = 0xfff;
}

/* A Linux x86-64 kernel as it runs today: the long-mode state above with
 * the kernel's PCID 1 in CR3 (a 46-bit physical address), CR4.PCIDE,
 * SMEP, SMAP, FSGSBASE, OSXSAVE and MCE, no user FS base. */
static void state_linux(struct vsmm_cpu_state *s)
{
	state_long_mode(s);
	s->cr3 = 0x00003e8f5a3c2000ull | 0x001;
	s->cr4 = VSMM_CR4_DE | VSMM_CR4_PSE | VSMM_CR4_PAE | VSMM_CR4_MCE | VSMM_CR4_PGE |
		 VSMM_CR4_OSFXSR | VSMM_CR4_OSXMMEXCPT | VSMM_CR4_FSGSBASE |
		 VSMM_CR4_PCIDE | VSMM_CR4_OSXSAVE | VSMM_CR4_SMEP | VSMM_CR4_SMAP;
	s->seg[VSMM_FS].base = 0;
}

/* A 32-bit protected-mode kernel with 4 KiB/4 MiB paging (no PAE, so RSM
 * has no PDPTEs to read), non-zero segment bases, LDT and TSS loaded. */
static void state_protected_mode(struct vsmm_cpu_state *s)
{
	const uint16_t data = VSMM_SEG_P | VSMM_SEG_S | VSMM_SEG_DB | VSMM_SEG_G | 0x3;

	for (unsigned i = 0; i < 8; i++)
		s->gpr[i] = (0x11111111u * (i + 1)) ^ 0x01234567u;
	s->rip = 0xc0100123u;
	s->rflags = VSMM_RFLAGS_FIXED | VSMM_RFLAGS_IF;
	s->cr0 = VSMM_CR0_PE | VSMM_CR0_MP | VSMM_CR0_ET | VSMM_CR0_NE | VSMM_CR0_WP |
		 VSMM_CR0_PG;
	s->cr3 = 0x2000;
	s->cr4 = VSMM_CR4_PSE | VSMM_CR4_PGE | VSMM_CR4_OSFXSR;
	s->dr6 = VSMM_DR6_FIXED_1;
	s->dr7 = VSMM_DR7_FIXED_1;
	s->seg[VSMM_CS] = seg(0x08,
			      VSMM_SEG_P | VSMM_SEG_S | VSMM_SEG_DB | VSMM_SEG_G | 0xb,
			      0xffffffff, 0);
	s->seg[VSMM_SS] = seg(0x10, data, 0xffffffff, 0);
	s->seg[VSMM_DS] = seg(0x10, data, 0xffffffff, 0);
	s->seg[VSMM_ES] = seg(0x10, data, 0xffffffff, 0);
	s->seg[VSMM_FS] = seg(0x33, data, 0xfffff, 0x00400000u);
	s->seg[VSMM_GS] = seg(0x3b, data, 0xfffff, 0x00801000u);
	s->seg[VSMM_LDTR] = seg(0x48, VSMM_SEG_P | 0x2, 0x3f, 0x00003000u);
	s->seg[VSMM_TR] = seg(0x50, VSMM_SEG_P | 0xb, 0x67, 0x00004000u);
	s->gdtr.base = 0x00005000u;
	s->gdtr.limit = 0x7f;
	s->idtr.base = 0x00006000u;
	s->idtr.limit = 0x7ff;
}

int bench_vcpu_setup(struct bench_vcpu *bv, const struct bench_case *c)
{
	bool wide = c->layout != VSMM_LAYOUT_P6_32;
	int rc;

	memset(bv, 0, sizeof(*bv));
	rc = vsmm_model_preset(&bv->model, c->vendor, wide);
	if (rc)
		return rc;
	bv->model.layout = c->layout;
	if (bench_mem_alloc(&bv->mem))
		return VSMM_E_INVAL;
	rc = vsmm_vcpu_init(&bv->vcpu, &bv->model, &bench_mem_ops, &bv->mem);
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_set_semantics(&bv->vcpu, c->semantics);
	if (rc) {
		bench_mem_free(&bv->mem);
		return rc;
	}
	if (wide && c->linux_like)
		state_linux(&bv->vcpu.state);
	else if (wide)
		state_long_mode(&bv->vcpu.state);
	else
		state_protected_mode(&bv->vcpu.state);
	bv->before = bv->vcpu.state;
	return VSMM_OK;
}

void bench_vcpu_teardown(struct bench_vcpu *bv)
{
	bench_mem_free(&bv->mem);
}

static bool seg_equal(const struct vsmm_seg *a, const struct vsmm_seg *b)
{
	return a->selector == b->selector && a->attr == b->attr && a->limit == b->limit &&
	       a->base == b->base;
}

const char *bench_state_diff(const struct vsmm_cpu_state *a,
			     const struct vsmm_cpu_state *b)
{
	static const char *const seg_names[VSMM_SREG_COUNT] = VSMM_SREG_NAMES;

	for (unsigned i = 0; i < VSMM_GPR_COUNT; i++)
		if (a->gpr[i] != b->gpr[i])
			return "gpr";
	for (unsigned i = 0; i < VSMM_SREG_COUNT; i++)
		if (!seg_equal(&a->seg[i], &b->seg[i]))
			return seg_names[i];
	if (a->rip != b->rip)
		return "rip";
	if (a->rflags != b->rflags)
		return "rflags";
	if (a->cr0 != b->cr0 || a->cr3 != b->cr3 || a->cr4 != b->cr4)
		return "cr0/cr3/cr4";
	if (a->efer != b->efer)
		return "efer";
	if (a->dr6 != b->dr6 || a->dr7 != b->dr7)
		return "dr6/dr7";
	if (a->gdtr.base != b->gdtr.base || a->gdtr.limit != b->gdtr.limit ||
	    a->idtr.base != b->idtr.base || a->idtr.limit != b->idtr.limit)
		return "gdtr/idtr";
	if (a->smbase != b->smbase || a->smm != b->smm ||
	    a->nmi_masked != b->nmi_masked || a->shutdown != b->shutdown)
		return "smbase/smm/nmi/shutdown";
	return NULL;
}

int bench_round_trip_checked(struct bench_vcpu *bv)
{
	const char *diff;
	int rc;

	rc = vsmm_enter_smm(&bv->vcpu);
	if (rc) {
		bench_report_status("vsmm_enter_smm", rc);
		return rc;
	}
	if (!bv->vcpu.state.smm) {
		fprintf(stderr, "vsmm_enter_smm returned OK but the vCPU is "
				"not in SMM\n");
		return VSMM_E_INCONSISTENT;
	}
	rc = vsmm_leave_smm(&bv->vcpu);
	if (rc) {
		bench_report_status("vsmm_leave_smm", rc);
		if (rc == VSMM_E_SHUTDOWN)
			fprintf(stderr, "  shutdown reason %s (%s = 0x%llx)\n",
				vsmm_reason_name(bv->vcpu.last_shutdown.reason),
				bv->vcpu.last_shutdown.field
					? bv->vcpu.last_shutdown.field
					: "-",
				(unsigned long long)bv->vcpu.last_shutdown.value);
		return rc;
	}
	diff = bench_state_diff(&bv->before, &bv->vcpu.state);
	if (diff) {
		fprintf(stderr, "the round trip changed %s\n", diff);
		return VSMM_E_INCONSISTENT;
	}
	return VSMM_OK;
}

void bench_report_status(const char *what, int status)
{
	fprintf(stderr, "%s: %s (%s)\n", what, vsmm_status_name(status),
		vsmm_strerror(status));
}
