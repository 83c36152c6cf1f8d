/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the vsmm benchmarks: a monotonic clock, run statistics,
 * an in-memory platform (a flat SMRAM buffer served by memcpy callbacks)
 * and the vCPU states the benchmarks send through SMM.
 */
#ifndef VSMM_BENCH_COMMON_H
#define VSMM_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "vsmm/vsmm.h"

/* Stop the compiler from moving or deleting memory work across this point,
 * so a timed loop measures what it says it does. */
#define BENCH_BARRIER() __asm__ __volatile__("" ::: "memory")
/* Also make the compiler believe p's memory was read here, so stores to a
 * local buffer cannot be forwarded or dropped. */
#define BENCH_ESCAPE(p) __asm__ __volatile__("" : : "r"(p) : "memory")

/* Nanoseconds on the monotonic clock. */
uint64_t bench_now_ns(void);
/* CPU time of the calling thread, in nanoseconds. */
uint64_t bench_thread_cpu_ns(void);

/* Median, minimum and maximum of a set of runs. */
struct bench_stats {
	double median, min, max;
};

/* Sorts v in place. */
struct bench_stats bench_stats_of(double *v, size_t n);

/*
 * Guest-physical memory for one vCPU: a flat buffer mapped at gpa_base.
 * It covers the default SMBASE's state-save area (0x30000 + 0xFC00 ..
 * 0x40000), which is all enter/leave touch for the states below.
 */
#define BENCH_MEM_BASE 0x30000u
#define BENCH_MEM_SIZE 0x10000u
/* Where the 512-byte area (SMBASE + 0xFE00) sits in that buffer. */
#define BENCH_AREA64_OFF (VSMM_DEFAULT_SMBASE + 0xfe00u - BENCH_MEM_BASE)

struct bench_mem {
	uint8_t *bytes;
	uint64_t gpa_base;
	size_t size;
	uint8_t *alloc; /* page-aligned, one page larger: see bench_mem_place */
};

/* The ops table serving a struct bench_mem (ctx) for both address spaces. */
extern const struct vsmm_platform_ops bench_mem_ops;

/* Allocate (page aligned, zeroed) and free a vCPU's memory; the
 * allocation returns 0 or -1. */
int bench_mem_alloc(struct bench_mem *mem);
void bench_mem_free(struct bench_mem *mem);

/*
 * Move the memory (contents kept) to start `offset` bytes into a page.
 * The same round trip costs up to ~1.5x more at some placements of SMRAM
 * relative to the library's stack buffers (same instruction count: a
 * memory-layout effect of the host CPU), so the timed benchmarks cycle
 * through BENCH_PLACEMENTS placements instead of measuring one.
 */
#define BENCH_PLACEMENTS 8
void bench_mem_place(struct bench_mem *mem, unsigned placement);

/* A case: which layout and vendor a vCPU uses, and which state it is in. */
struct bench_case {
	const char *name; /* e.g. "amd64/intel" */
	enum vsmm_layout layout;
	enum vsmm_vendor vendor;
	bool linux_like;	       /* 64-bit maps: the Linux-kernel-like state */
	enum vsmm_semantics semantics; /* KVM (0) unless the case says */
};

/* A vCPU set up for a case: model, memory and the state it runs in when
 * the SMI arrives (64-bit long mode for the 64-bit maps, 32-bit protected
 * mode with paging for the P6 map).  The Linux-kernel-like state
 * (linux_like) adds what a current x86-64 kernel runs with: a PCID in CR3
 * and CR4.PCIDE, SMEP, SMAP, FSGSBASE, OSXSAVE and MCE, which RSM loads in
 * two CR4 steps and checks bit by bit.  Returns VSMM_OK or a vsmm status. */
struct bench_vcpu {
	struct vsmm_model model;
	struct bench_mem mem;
	struct vsmm_vcpu vcpu;
	struct vsmm_cpu_state before; /* the state the SMI interrupts */
};

int bench_vcpu_setup(struct bench_vcpu *bv, const struct bench_case *c);
void bench_vcpu_teardown(struct bench_vcpu *bv);

/* Take one SMI and one RSM and check that the vCPU came back to exactly
 * the state the SMI interrupted.  Returns VSMM_OK, a vsmm status, or
 * VSMM_E_INCONSISTENT if the state differs. */
int bench_round_trip_checked(struct bench_vcpu *bv);

/* Name of the first architectural field in which a and b differ (GPRs,
 * segments, RIP, RFLAGS, CR0/3/4, EFER, DR6/7, GDTR/IDTR, SMBASE and the
 * SMM, NMI and shutdown flags), or NULL if they agree. */
const char *bench_state_diff(const struct vsmm_cpu_state *a,
			     const struct vsmm_cpu_state *b);

/* Print "what: status name (sentence)" on stderr. */
void bench_report_status(const char *what, int status);

#endif /* VSMM_BENCH_COMMON_H */
