/* SPDX-License-Identifier: MIT */
/*
 * A recording test platform: sparse guest memory with separate SMM and
 * normal views, a log of every callback, and fault injection (the Nth call,
 * or every call of a kind, fails).  Plus helpers that build vCPU states in
 * each processor mode.
 */
#ifndef VSMM_TEST_PLATFORM_H
#define VSMM_TEST_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsmm/vsmm.h"
#include "../fuzz/fuzz.h"

enum tp_kind {
	TP_READ,
	TP_WRITE,
	TP_SMM_CHANGED,
	TP_NESTED_LEAVE,
	TP_NESTED_ENTER,
	TP_KIND_COUNT
};

struct tp_call {
	enum tp_kind kind;
	bool smm;      /* address space (memory), or entering (smm_changed) */
	uint64_t gpa;  /* memory address, or vmcb12 GPA for nested_enter */
	size_t len;
};

#define TP_PAGES 32
#define TP_LOG 32

struct tp_page {
	bool smm;
	uint64_t base;
	uint8_t data[4096];
};

struct tp {
	struct tp_page pages[TP_PAGES];
	unsigned npages;
	struct tp_call log[TP_LOG];
	unsigned ncalls;           /* total calls, also beyond TP_LOG */
	int fail_call;             /* index of the call that fails, -1: none */
	unsigned fail_kinds;       /* 1u << kind: every call of the kind fails */
	struct vsmm_cpu_state *l1; /* nested_leave loads this state, if set */
};

extern const struct vsmm_platform_ops tp_ops;

struct tp *tp_new(void);
void tp_free(struct tp *tp);
void tp_reset(struct tp *tp); /* memory, log and faults */
void tp_poke(struct tp *tp, bool smm, uint64_t gpa, const void *buf, size_t len);
void tp_peek(struct tp *tp, bool smm, uint64_t gpa, void *buf, size_t len);
unsigned tp_count(const struct tp *tp, enum tp_kind kind);

/* A vCPU bound to a preset model and the platform. */
struct tp_vcpu {
	struct vsmm_model model;
	struct vsmm_vcpu vcpu;
	struct tp *tp;
};
void tp_vcpu_init(struct tp_vcpu *v, enum vsmm_vendor vendor, bool long_mode,
		  enum vsmm_semantics semantics);

/* Processor modes for states built by tp_state_mode(). */
enum tp_mode {
	TP_REAL,
	TP_PROT16,
	TP_PROT32,
	TP_PAE,      /* 32-bit code, PAE paging */
	TP_LONG,     /* 64-bit code, 4-level paging */
	TP_LONG_PCID /* long mode with CR4.PCIDE and a PCID in CR3 */
};
void tp_state_mode(struct vsmm_cpu_state *st, enum tp_mode mode);

/* The first difference between two states (every field), or NULL if they
 * are equal: the comparison the fuzz targets use (fuzz/state_diff.c). */
#define tp_state_diff(a, b) fz_state_diff((a), (b), FZ_CMP_ALL)

/* Fail the cmocka test with the first difference between two states.  A
 * macro, so that the library needs no cmocka and the failure names the
 * test's own line; include <cmocka.h> before using it. */
#define TP_ASSERT_SAME_STATE(want, got)                                        \
	do {                                                                   \
		const char *tp_d_ = tp_state_diff((want), (got));              \
		if (tp_d_)                                                     \
			fail_msg("state differs: %s", tp_d_);                  \
	} while (0)

#endif

/* Read / write one field of the vCPU's image in SMRAM by its manual name
 * (fails the test if the layout has no such field). */
uint64_t tp_image_get(struct tp_vcpu *v, const char *name);
void tp_image_set(struct tp_vcpu *v, const char *name, uint64_t value);
