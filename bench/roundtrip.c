/* SPDX-License-Identifier: MIT */
/*
 * Benchmarks 1 and 2: the cost of an SMI + RSM round trip through the
 * library on an in-memory platform, per layout and vendor, the cost of the
 * copies and field accesses alone (the "copy limit"), and the cost of the
 * least any correct implementation must do (the floors, floor.c: one per
 * map).
 *
 * Times are the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so a
 * run on a shared machine is not charged for the time other processes
 * hold the core; each figure is the median of RUNS runs of >= 5 ms, the
 * runs cycling through placements of SMRAM and of the stack in a page
 * (bench_mem_place, run_shifted).
 *
 *   bench-roundtrip                 time every case, the copy limit and
 *                                   the floor
 *   bench-roundtrip --callgrind C N run case C (or "limit", or a floor:
 *                                   "floor", "floor-linux", "floor-p6-32",
 *                                   "floor-intel64", "floor-intel64-linux")
 *                                   N times in one function, for valgrind
 *                                   --toggle-collect
 *   bench-roundtrip --list-cases    the cases --callgrind takes, one a line:
 *                                   "CASE FLOOR LAYOUT-FLOOR", the AMD64
 *                                   floor of its state, then its own map's
 *   bench-roundtrip --verify-floors check every floor against every KVM
 *                                   case of its map (the meson test
 *                                   bench-floors)
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"
#include "internal.h" /* VSMM__ARRAY_SIZE */

#define RUNS 21		    /* timed runs per figure; the median is reported */
#define MIN_RUN_NS 5000000u /* a run lasts at least 5 ms of CPU time */

static const struct bench_case cases[] = {
	{ "amd64/intel", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, false,
	  VSMM_SEMANTICS_KVM },
	{ "amd64/amd", VSMM_LAYOUT_AMD64, VSMM_VENDOR_AMD, false, VSMM_SEMANTICS_KVM },
	{ "p6-32/intel", VSMM_LAYOUT_P6_32, VSMM_VENDOR_INTEL, false,
	  VSMM_SEMANTICS_KVM },
	{ "p6-32/amd", VSMM_LAYOUT_P6_32, VSMM_VENDOR_AMD, false, VSMM_SEMANTICS_KVM },
	{ "intel64/intel", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_INTEL, false,
	  VSMM_SEMANTICS_KVM },
	{ "intel64/amd", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_AMD, false,
	  VSMM_SEMANTICS_KVM },
	{ "amd64/intel/linux", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, true,
	  VSMM_SEMANTICS_KVM },
};

/* Counted by callgrind only (bench/run's table of every layout and both
 * semantics), not timed: the cases above under hardware semantics, and
 * the Linux-like state on the other 64-bit map. */
#define HW VSMM_SEMANTICS_HARDWARE
static const struct bench_case counted_cases[] = {
	{ "intel64/intel/linux", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_INTEL, true,
	  VSMM_SEMANTICS_KVM },
	{ "amd64/intel/hw", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, false, HW },
	{ "amd64/amd/hw", VSMM_LAYOUT_AMD64, VSMM_VENDOR_AMD, false, HW },
	{ "p6-32/intel/hw", VSMM_LAYOUT_P6_32, VSMM_VENDOR_INTEL, false, HW },
	{ "p6-32/amd/hw", VSMM_LAYOUT_P6_32, VSMM_VENDOR_AMD, false, HW },
	{ "intel64/intel/hw", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_INTEL, false, HW },
	{ "intel64/amd/hw", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_AMD, false, HW },
	{ "amd64/intel/linux/hw", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, true, HW },
	{ "intel64/intel/linux/hw", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_INTEL, true, HW },
};
#undef HW

/* Each map's floor is measured on the states of its Intel case, and
 * checked against every KVM case of its map (floor_verify): the AMD64
 * map's on the two 64-bit states, the P6 map's on the 32-bit one, the
 * Intel 64 map's on the two 64-bit states. */
static const struct bench_case floor_cases[] = {
	{ "floor", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, false, VSMM_SEMANTICS_KVM },
	{ "floor-linux", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, true, VSMM_SEMANTICS_KVM },
	{ "floor-p6-32", VSMM_LAYOUT_P6_32, VSMM_VENDOR_INTEL, false,
	  VSMM_SEMANTICS_KVM },
	{ "floor-intel64", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_INTEL, false,
	  VSMM_SEMANTICS_KVM },
	{ "floor-intel64-linux", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_INTEL, true,
	  VSMM_SEMANTICS_KVM },
};

/* The timed loops.  noinline keeps each one a separate function that
 * valgrind can collect by name; the results are OR-ed so that a failing
 * call is noticed without a branch per iteration. */
__attribute__((noinline)) static int rt_loop(struct vsmm_vcpu *v, uint64_t n)
{
	int rc = 0;

	for (uint64_t i = 0; i < n; i++) {
		rc |= vsmm_enter_smm(v);
		rc |= vsmm_leave_smm(v);
	}
	return rc;
}

/* One direction alone: restore the vCPU from a snapshot, then make the
 * transition; copy_loop measures the restore so it can be subtracted. */
__attribute__((noinline)) static int enter_loop(struct vsmm_vcpu *v,
						const struct vsmm_vcpu *snap, uint64_t n)
{
	int rc = 0;

	for (uint64_t i = 0; i < n; i++) {
		*v = *snap;
		rc |= vsmm_enter_smm(v);
	}
	return rc;
}

__attribute__((noinline)) static int leave_loop(struct vsmm_vcpu *v,
						const struct vsmm_vcpu *snap, uint64_t n)
{
	int rc = 0;

	for (uint64_t i = 0; i < n; i++) {
		*v = *snap;
		rc |= vsmm_leave_smm(v);
	}
	return rc;
}

__attribute__((noinline)) static int copy_loop(struct vsmm_vcpu *v,
					       const struct vsmm_vcpu *snap, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		*v = *snap;
		BENCH_ESCAPE(v);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The copy limit                                                          */
/* ---------------------------------------------------------------------- */

/*
 * The copies and field accesses of a 64-bit round trip alone: store the
 * fields the AMD64 map holds into a 512-byte image with one little-endian
 * store each (floor.h), copy the image into SMRAM, copy it back, and load
 * the same fields.  No zeroing, no checks, no SMM entry environment, no
 * callbacks: less than any implementation can do (the floor, floor.c, is
 * the least a correct one can).  Built with the library's flags, so its
 * copies are the C library's memcpy as the library's are.  Offsets are
 * buffer indices (0x7Exx - 0x7E00) of the AMD64 map.
 */
#define LIMIT_FIELDS 65u /* 8 segments x 4, GDTR/IDTR x 2, 16 GPRs, 13 more */

static void limit_save_seg(uint8_t *a, unsigned off, const struct vsmm_seg *s)
{
	bench_st16(a + off, s->selector);
	bench_st16(a + off + 2, s->attr);
	bench_st32(a + off + 4, s->limit);
	bench_st64(a + off + 8, s->base);
}

static void limit_load_seg(const uint8_t *a, unsigned off, struct vsmm_seg *s)
{
	s->selector = bench_ld16(a + off);
	s->attr = bench_ld16(a + off + 2);
	s->limit = bench_ld32(a + off + 4);
	s->base = bench_ld64(a + off + 8);
}

/* Segment n's record: ES..GS at 0x00 + 16n, LDTR at 0x70, TR at 0x90. */
static unsigned limit_seg_off(unsigned n)
{
	return n < 6 ? 16 * n : n == VSMM_LDTR ? 0x70 : 0x90;
}

static void limit_save(uint8_t *a, const struct vsmm_cpu_state *s)
{
	for (unsigned n = 0; n < VSMM_SREG_COUNT; n++)
		limit_save_seg(a, limit_seg_off(n), &s->seg[n]);
	bench_amd64_save_regs(a, s);
	bench_st64(a + 0xd8, 0); /* SVM guest flag */
	bench_st64(a + 0xe0, s->svm_vmcb12);
	for (unsigned i = 0; i < VSMM_GPR_COUNT; i++)
		bench_st64(a + 0x1f8 - 8 * i, s->gpr[i]);
}

static void limit_load(const uint8_t *a, struct vsmm_cpu_state *s)
{
	for (unsigned n = 0; n < VSMM_SREG_COUNT; n++)
		limit_load_seg(a, limit_seg_off(n), &s->seg[n]);
	bench_amd64_load_regs(a, s);
	s->guest_mode = bench_ld64(a + 0xd8) & 1;
	s->svm_vmcb12 = bench_ld64(a + 0xe0);
	for (unsigned i = 0; i < VSMM_GPR_COUNT; i++)
		s->gpr[i] = bench_ld64(a + 0x1f8 - 8 * i);
}

__attribute__((noinline)) static int limit_loop(struct vsmm_cpu_state *s,
						uint8_t *smram_area, uint64_t n)
{
	uint8_t image[512];

	for (uint64_t i = 0; i < n; i++) {
		limit_save(image, s);
		memcpy(smram_area, image, sizeof(image));
		BENCH_ESCAPE(image);
		BENCH_ESCAPE(smram_area);
		memcpy(image, smram_area, sizeof(image));
		BENCH_ESCAPE(image);
		limit_load(image, s);
		BENCH_ESCAPE(s);
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The floor                                                               */
/* ---------------------------------------------------------------------- */

/* One loop per map, all named floor_loop* (bench/run's toggle). */
__attribute__((noinline)) static int floor_loop(struct vsmm_cpu_state *s,
						struct bench_mem *mem, uint64_t n)
{
	int rc = 0;

	for (uint64_t i = 0; i < n; i++) {
		rc |= bench_floor_smi(s, &bench_mem_ops, mem);
		rc |= bench_floor_rsm(s, &bench_mem_ops, mem);
	}
	return rc;
}

__attribute__((noinline)) static int floor_loop_p6_32(struct vsmm_cpu_state *s,
						      struct bench_mem *mem, uint64_t n)
{
	int rc = 0;

	for (uint64_t i = 0; i < n; i++) {
		rc |= bench_floor_p6_32_smi(s, &bench_mem_ops, mem);
		rc |= bench_floor_p6_32_rsm(s, &bench_mem_ops, mem);
	}
	return rc;
}

__attribute__((noinline)) static int floor_loop_intel64(struct vsmm_cpu_state *s,
							struct bench_mem *mem, uint64_t n)
{
	int rc = 0;

	for (uint64_t i = 0; i < n; i++) {
		rc |= bench_floor_intel64_smi(s, &bench_mem_ops, mem);
		rc |= bench_floor_intel64_rsm(s, &bench_mem_ops, mem);
	}
	return rc;
}

/* A map's floor: where its area lies, its SMI, RSM and loop. */
typedef int floor_step(struct vsmm_cpu_state *s, const struct vsmm_platform_ops *ops,
		       void *ctx);
struct floor_map {
	uint32_t area_offset, area_size;
	floor_step *smi, *rsm;
	int (*loop)(struct vsmm_cpu_state *s, struct bench_mem *mem, uint64_t n);
};

static const struct floor_map floor_amd64 = { 0xfe00u, 512u, bench_floor_smi,
					      bench_floor_rsm, floor_loop };
static const struct floor_map floor_p6_32 = { FLOOR_P6_32_AREA_OFFSET,
					      FLOOR_P6_32_AREA_SIZE,
					      bench_floor_p6_32_smi,
					      bench_floor_p6_32_rsm, floor_loop_p6_32 };
static const struct floor_map floor_intel64 = {
	FLOOR_INTEL64_AREA_OFFSET, FLOOR_INTEL64_AREA_SIZE, bench_floor_intel64_smi,
	bench_floor_intel64_rsm, floor_loop_intel64
};

static const struct floor_map *floor_map_of(enum vsmm_layout layout)
{
	switch (layout) {
	case VSMM_LAYOUT_P6_32: return &floor_p6_32;
	case VSMM_LAYOUT_INTEL64: return &floor_intel64;
	default: return &floor_amd64;
	}
}

/* The name of a case's own map's floor (bench/run's third column). */
static const char *layout_floor_name(const struct bench_case *c)
{
	switch (c->layout) {
	case VSMM_LAYOUT_P6_32: return "floor-p6-32";
	case VSMM_LAYOUT_INTEL64:
		return c->linux_like ? "floor-intel64-linux" : "floor-intel64";
	default: return c->linux_like ? "floor-linux" : "floor";
	}
}

/* A map's area in a vCPU's SMRAM (default SMBASE). */
static uint8_t *area_of(struct bench_vcpu *bv, const struct floor_map *m)
{
	return bv->mem.bytes + (VSMM_DEFAULT_SMBASE + m->area_offset - BENCH_MEM_BASE);
}

/*
 * Every register a map holds, changed, so that a round trip that comes
 * back to the state before shows that its RSM loaded each of them (the
 * SMM entry state leaves most as the SMI found them).  Not SMBASE, where
 * RSM finds the area, nor for the P6 map EFER and R8-R15, which it does
 * not hold (a 32-bit vCPU has no R8-R15 and keeps its EFER).
 */
static void scribble(struct vsmm_cpu_state *s, enum vsmm_layout layout)
{
	const uint64_t x = 0xa5a5a5a5a5a5a5a5ull;
	const bool p6 = layout == VSMM_LAYOUT_P6_32;

	for (unsigned i = 0; i < (p6 ? 8u : VSMM_GPR_COUNT); i++)
		s->gpr[i] ^= x;
	for (unsigned i = 0; i < VSMM_SREG_COUNT; i++) {
		s->seg[i].selector ^= 0xa5a5u;
		s->seg[i].attr ^= 0x00a5u;
		s->seg[i].limit ^= (uint32_t)x;
		s->seg[i].base ^= x;
	}
	s->gdtr.limit ^= 0xa5a5u;
	s->gdtr.base ^= x;
	s->idtr.limit ^= 0xa5a5u;
	s->idtr.base ^= x;
	s->rip ^= x;
	s->rflags ^= x;
	s->cr0 ^= x;
	s->cr3 ^= x;
	s->cr4 ^= x;
	s->dr6 ^= x;
	s->dr7 ^= x;
	if (!p6)
		s->efer ^= x;
}

/*
 * Is the floor of this case's map correct for its state?  It must write
 * the same area as vsmm_enter_smm (over an area first filled with
 * garbage, so the zeroing is checked too), leave the vCPU in the same
 * state after the SMI, and bring it back to the state before after the
 * RSM, whatever the registers the area holds were in SMM (scribble).
 * Returns 0, or 1 with the difference on stderr.
 */
static int floor_verify(const struct bench_case *c)
{
	const struct floor_map *m = floor_map_of(c->layout);
	struct bench_vcpu lib, fl;
	uint8_t image[FLOOR_INTEL64_AREA_SIZE];
	const char *diff = NULL;
	int rc = 1;

	if (bench_vcpu_setup(&lib, c))
		return 1;
	if (bench_vcpu_setup(&fl, c)) {
		bench_vcpu_teardown(&lib);
		return 1;
	}
	memset(area_of(&lib, m), 0xa5, m->area_size);
	memset(area_of(&fl, m), 0x5a, m->area_size);
	if (vsmm_enter_smm(&lib.vcpu) != VSMM_OK) {
		fprintf(stderr, "%s: vsmm_enter_smm failed\n", c->name);
		goto out;
	}
	memcpy(image, area_of(&lib, m), m->area_size);
	if (m->smi(&fl.vcpu.state, &bench_mem_ops, &fl.mem)) {
		fprintf(stderr, "%s: the floor's SMI failed\n", c->name);
		goto out;
	}
	for (size_t i = 0; i < m->area_size; i++) {
		if (area_of(&fl, m)[i] != image[i]) {
			fprintf(stderr,
				"%s: the floor writes 0x%02x at 0x%zx "
				"of the area (offset 0x%zx), the library 0x%02x\n",
				c->name, area_of(&fl, m)[i], i,
				m->area_offset - 0x8000u + i, image[i]);
			goto out;
		}
	}
	diff = bench_state_diff(&lib.vcpu.state, &fl.vcpu.state);
	if (diff) {
		fprintf(stderr,
			"%s: after SMI the floor's %s differs from "
			"the library's\n",
			c->name, diff);
		goto out;
	}
	scribble(&fl.vcpu.state, c->layout);
	if (m->rsm(&fl.vcpu.state, &bench_mem_ops, &fl.mem)) {
		fprintf(stderr, "%s: the floor's RSM failed\n", c->name);
		goto out;
	}
	diff = bench_state_diff(&fl.before, &fl.vcpu.state);
	if (diff) {
		fprintf(stderr, "%s: the floor's round trip changed %s\n", c->name, diff);
		goto out;
	}
	rc = 0;
out:
	bench_vcpu_teardown(&fl);
	bench_vcpu_teardown(&lib);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Timing                                                                  */
/* ---------------------------------------------------------------------- */

/* What one timed run does: n iterations of some loop. */
struct job {
	int (*fn)(struct job *job, uint64_t n);
	struct bench_vcpu *bv;
	struct vsmm_vcpu snap;
	struct vsmm_cpu_state limit_state;
};

static int job_rt(struct job *j, uint64_t n)
{
	return rt_loop(&j->bv->vcpu, n);
}

static int job_enter(struct job *j, uint64_t n)
{
	return enter_loop(&j->bv->vcpu, &j->snap, n);
}

static int job_leave(struct job *j, uint64_t n)
{
	return leave_loop(&j->bv->vcpu, &j->snap, n);
}

static int job_copy(struct job *j, uint64_t n)
{
	return copy_loop(&j->bv->vcpu, &j->snap, n);
}

static int job_limit(struct job *j, uint64_t n)
{
	return limit_loop(&j->limit_state, j->bv->mem.bytes + BENCH_AREA64_OFF, n);
}

static int job_floor(struct job *j, uint64_t n)
{
	return floor_loop(&j->bv->vcpu.state, &j->bv->mem, n);
}

/* Double the iteration count until one run lasts MIN_RUN_NS. */
static uint64_t calibrate(struct job *j)
{
	uint64_t n = 1000;

	for (;;) {
		uint64_t t0 = bench_thread_cpu_ns();

		if (j->fn(j, n))
			return 0;
		if (bench_thread_cpu_ns() - t0 >= MIN_RUN_NS || n >= (1ull << 32))
			return n;
		n *= 2;
	}
}

/*
 * Run the job with the stack moved down by `shift` bytes.  Where the
 * library's stack buffers (the image, the RSM scratch state) fall relative
 * to SMRAM changes the cost of the same instructions by up to ~1.5x on
 * this host, and that placement is otherwise left to ASLR: one process
 * would measure whichever it drew.
 */
__attribute__((noinline)) static int run_shifted(struct job *j, uint64_t n, size_t shift)
{
	char pad[shift + 1];

	BENCH_ESCAPE(pad);
	return j->fn(j, n);
}

/* ns per iteration over RUNS runs, each with its own placement of the
 * vCPU's memory and of the stack; *failed is set if any call failed. */
static struct bench_stats time_job(struct job *j, bool *failed)
{
	double per[RUNS];
	uint64_t n = calibrate(j);

	if (n == 0) {
		*failed = true;
		return (struct bench_stats){ 0, 0, 0 };
	}
	for (unsigned r = 0; r < RUNS; r++) {
		bench_mem_place(&j->bv->mem, r);
		/* A different sequence from bench_mem_place's, so that the
		 * stack-to-SMRAM distance varies too. */
		size_t shift = (r * 3 % BENCH_PLACEMENTS) * (4096 / BENCH_PLACEMENTS);
		uint64_t t0 = bench_thread_cpu_ns();

		if (run_shifted(j, n, shift))
			*failed = true;
		per[r] = (double)(bench_thread_cpu_ns() - t0) / (double)n;
	}
	return bench_stats_of(per, RUNS);
}

struct case_result {
	bool ok;
	struct bench_stats rt, enter, leave;
};

/* Time one case: the round trip, then each direction net of the snapshot
 * restore that makes a direction repeatable. */
static struct case_result run_case(const struct bench_case *c)
{
	struct case_result res = { 0 };
	struct bench_vcpu bv;
	struct bench_stats copy;
	struct job j = { .bv = &bv };
	bool failed = false;
	int rc;

	rc = bench_vcpu_setup(&bv, c);
	if (rc) {
		fprintf(stderr, "%s: ", c->name);
		bench_report_status("setup", rc);
		return res;
	}
	rc = bench_round_trip_checked(&bv);
	if (rc) {
		fprintf(stderr, "%s: the round trip does not work; skipped\n", c->name);
		bench_vcpu_teardown(&bv);
		return res;
	}
	j.fn = job_rt;
	res.rt = time_job(&j, &failed);

	j.snap = bv.vcpu;
	j.fn = job_copy;
	copy = time_job(&j, &failed);
	j.fn = job_enter;
	res.enter = time_job(&j, &failed);

	/* enter_loop left the vCPU in SMM: start again from before the SMI. */
	bv.vcpu = j.snap;
	rc = vsmm_enter_smm(&bv.vcpu);
	j.snap = bv.vcpu;
	j.fn = job_leave;
	res.leave = time_job(&j, &failed);
	bv.vcpu = j.snap;
	rc |= vsmm_leave_smm(&bv.vcpu);

	/* Net of the restore: the median restore cost comes off every
	 * figure of a direction. */
	res.enter.median -= copy.median;
	res.enter.min -= copy.median;
	res.enter.max -= copy.median;
	res.leave.median -= copy.median;
	res.leave.min -= copy.median;
	res.leave.max -= copy.median;
	res.ok = !failed && rc == 0;
	if (!res.ok)
		fprintf(stderr, "%s: a timed call failed\n", c->name);
	bench_vcpu_teardown(&bv);
	return res;
}

static struct bench_stats run_limit(bool *ok)
{
	struct bench_case c = { "limit", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, false,
				VSMM_SEMANTICS_KVM };
	struct bench_vcpu bv;
	struct bench_stats st = { 0, 0, 0 };
	struct job j = { .bv = &bv, .fn = job_limit };
	bool failed = false;

	*ok = false;
	if (bench_vcpu_setup(&bv, &c))
		return st;
	j.limit_state = bv.before;
	st = time_job(&j, &failed);
	*ok = !failed;
	bench_vcpu_teardown(&bv);
	return st;
}

/* Time the floor on a case's state, once floor_verify accepted it. */
static struct bench_stats run_floor(const struct bench_case *c, bool *ok)
{
	struct bench_vcpu bv;
	struct bench_stats st = { 0, 0, 0 };
	struct job j = { .bv = &bv, .fn = job_floor };
	bool failed = false;

	*ok = false;
	if (floor_verify(c) || bench_vcpu_setup(&bv, c))
		return st;
	st = time_job(&j, &failed);
	*ok = !failed;
	bench_vcpu_teardown(&bv);
	return st;
}

static void print_stats(const char *label, struct bench_stats s)
{
	printf("  %-12s %8.1f ns  [min %.1f, max %.1f]\n", label, s.median, s.min, s.max);
}

static int bench_all(void)
{
	struct case_result res[VSMM__ARRAY_SIZE(cases)];
	struct bench_stats limit, floor;
	bool limit_ok, floor_ok;

	printf("# library round trip: vsmm_enter_smm + vsmm_leave_smm, "
	       "in-memory platform, thread CPU time, median of %d runs\n",
	       RUNS);
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(cases); i++) {
		res[i] = run_case(&cases[i]);
		if (!res[i].ok)
			continue;
		printf("%s\n", cases[i].name);
		print_stats("round trip", res[i].rt);
		print_stats("enter_smm", res[i].enter);
		print_stats("leave_smm", res[i].leave);
	}
	limit = run_limit(&limit_ok);
	printf("# copy limit: %u fields stored + 512 B copied out, 512 B copied "
	       "back + %u fields loaded (AMD64 map)\n",
	       LIMIT_FIELDS, LIMIT_FIELDS);
	print_stats("copy limit", limit);
	floor = run_floor(&floor_cases[0], &floor_ok);
	printf("# floor: area zeroed, %u fields stored, 512 B written and read "
	       "back through the platform's callbacks, SMM entry state, %u "
	       "fields loaded (AMD64 map; same bytes as the library, checked)\n",
	       FLOOR_FIELDS, FLOOR_FIELDS - 1);
	if (floor_ok)
		print_stats("floor", floor);
	else
		fprintf(stderr, "floor: not checked or failed; not timed\n");

	/* The summary figures: the KVM default (Intel, AMD64 map / P6 map). */
	if (!res[0].ok || !res[2].ok || !limit_ok)
		return 1;
	printf("enter_leave_64_ns: %.0f\n", res[0].rt.median);
	printf("enter_leave_32_ns: %.0f\n", res[2].rt.median);
	printf("copy_limit_ns: %.1f\n", limit.median);
	printf("ratio_to_limit: %.2f\n", res[0].rt.median / limit.median);
	if (!floor_ok)
		return 1;
	printf("floor_ns_64: %.1f\n", floor.median);
	return 0;
}

/* A round-trip case by name, timed or counted only. */
static const struct bench_case *find_case(const char *name)
{
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(cases); i++)
		if (strcmp(name, cases[i].name) == 0)
			return &cases[i];
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(counted_cases); i++)
		if (strcmp(name, counted_cases[i].name) == 0)
			return &counted_cases[i];
	return NULL;
}

/* Call fn on every round-trip case, the timed ones then those counted
 * only. */
static void for_each_case(void (*fn)(const struct bench_case *c, void *ctx), void *ctx)
{
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(cases); i++)
		fn(&cases[i], ctx);
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(counted_cases); i++)
		fn(&counted_cases[i], ctx);
}

/* Every round-trip case --callgrind takes, one per line: its name, the
 * AMD64 floor of its state (floor-linux for the Linux-like state) and the
 * floor of its own map (bench/run compares the case with both). */
static void list_case(const struct bench_case *c, void *ctx)
{
	(void)ctx;
	printf("%s %s %s\n", c->name, c->linux_like ? "floor-linux" : "floor",
	       layout_floor_name(c));
}

static int list_cases(void)
{
	for_each_case(list_case, NULL);
	return 0;
}

struct floor_tally {
	int checked, failed;
};

/* A floor is KVM's: a case under hardware semantics loads another entry
 * state, so it has no floor to check. */
static void verify_case(const struct bench_case *c, void *ctx)
{
	struct floor_tally *t = ctx;

	if (c->semantics != VSMM_SEMANTICS_KVM)
		return;
	t->failed += floor_verify(c);
	t->checked++;
}

/* Every floor against every KVM case of its map, both vendors and both
 * states.  Returns 0 if all pass, else 1. */
static int verify_floors(void)
{
	struct floor_tally t = { 0, 0 };

	for_each_case(verify_case, &t);
	printf("floors checked against %d cases, %d failed\n", t.checked, t.failed);
	return t.failed != 0;
}

/* One loop, run once, for valgrind --tool=callgrind --toggle-collect. */
static int bench_callgrind(const char *what, uint64_t n)
{
	struct bench_vcpu bv;
	int rc = VSMM_E_INVAL;

	if (strcmp(what, "limit") == 0) {
		struct bench_case c = { "limit", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL,
					false, VSMM_SEMANTICS_KVM };

		if (bench_vcpu_setup(&bv, &c))
			return 1;
		rc = limit_loop(&bv.vcpu.state, bv.mem.bytes + BENCH_AREA64_OFF, n);
		bench_vcpu_teardown(&bv);
		return rc != 0;
	}
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(floor_cases); i++) {
		if (strcmp(what, floor_cases[i].name) != 0)
			continue;
		if (floor_verify(&floor_cases[i]) ||
		    bench_vcpu_setup(&bv, &floor_cases[i]))
			return 1;
		rc = floor_map_of(floor_cases[i].layout)->loop(&bv.vcpu.state, &bv.mem, n);
		bench_vcpu_teardown(&bv);
		return rc != 0;
	}
	const struct bench_case *c = find_case(what);
	if (c) {
		if (bench_vcpu_setup(&bv, c))
			return 1;
		rc = bench_round_trip_checked(&bv);
		if (rc == 0)
			rc = rt_loop(&bv.vcpu, n);
		bench_vcpu_teardown(&bv);
		return rc != 0;
	}
	fprintf(stderr, "bench-roundtrip: unknown case '%s'\n", what);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--callgrind") == 0) {
		char *end;
		unsigned long long n = strtoull(argv[3], &end, 0);

		if (*end || n == 0) {
			fprintf(stderr, "bench-roundtrip: bad count '%s'\n", argv[3]);
			return 2;
		}
		return bench_callgrind(argv[2], n);
	}
	if (argc == 2 && strcmp(argv[1], "--list-cases") == 0)
		return list_cases();
	if (argc == 2 && strcmp(argv[1], "--verify-floors") == 0)
		return verify_floors();
	if (argc != 1) {
		fprintf(stderr, "usage: bench-roundtrip "
				"[--callgrind CASE|limit|FLOOR N | --list-cases | "
				"--verify-floors]\n");
		return 2;
	}
	return bench_all();
}
