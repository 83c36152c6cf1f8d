/* SPDX-License-Identifier: MIT */
/*
 * An independent VM-entry checker for the tests and the fuzz targets.
 *
 * Written from the manuals' lists, not from src/checks.c: the SDM Vol.3C
 * guest-state checks of VM entry ("Checks on Guest Control Registers,
 * Debug Registers, and MSRs", "Checks on Guest Segment Registers",
 * "Checks on Guest Descriptor-Table Registers", "Checks on Guest RIP,
 * RFLAGS, and SSP", "Checks on Guest Non-Register State") with the
 * "unrestricted guest" control set, and the AMD APM Vol.2 VMRUN
 * consistency checks ("Canonicalization and Consistency Checks") on the
 * same state.  It uses only the public header, so a test that asks "would
 * a VMM enter what RSM resumed?" gets a second opinion.
 */
#ifndef VSMM_TESTS_VMENTRY_H
#define VSMM_TESTS_VMENTRY_H

#include "vsmm/vsmm.h"

/*
 * NULL if a VMX VMM (unrestricted guest) could enter `s` on a processor
 * like `m`, and an SVM VMM could run it; otherwise a sentence naming the
 * first check that fails (a static buffer, valid until the next call).
 */
const char *vmentry_check(const struct vsmm_model *m, const struct vsmm_cpu_state *s);

#endif /* VSMM_TESTS_VMENTRY_H */
