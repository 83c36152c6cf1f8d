/* SPDX-License-Identifier: MIT */
/*
 * Moving a vsmm_cpu_state in and out of a Unicorn 2.0.1 x86-64 instance.
 *
 * Unicorn 2.0.1's public API cannot set or read the hidden parts of the
 * segment registers, nor switch the CPU mode from the host (writing CR0 or
 * EFER only stores the number).  This module therefore edits the CPU state
 * blob of uc_context_save()/uc_context_restore(), a copy of the head of
 * QEMU 5.0's CPUX86State, and recomputes QEMU's derived "hflags" after each
 * edit.  The layout is private to Unicorn, so ucx_selfcheck() verifies it
 * against values written through the public API before anything relies on
 * it (see docs/engine.md).
 */
#ifndef VSMM_ENGINE_UCX86_H
#define VSMM_ENGINE_UCX86_H

#include <stdbool.h>
#include <stddef.h>

#include <unicorn/unicorn.h>

#include "vsmm/vsmm.h"

/*
 * Check that this Unicorn build stores its CPU state where the mirror
 * expects it.  Returns 0, or -1 with a sentence in why[] naming the first
 * mismatch.  Leaves the instance's registers changed: call it before
 * loading any real state.
 */
int ucx_selfcheck(uc_engine *uc, char *why, size_t whylen);

/*
 * `scratch` below is a context from uc_context_alloc() that the caller
 * keeps for the instance's lifetime; the CPU-state blob passes through it.
 * (One allocation per call cost a malloc/free and, on some hosts, a copy
 * several times slower at unlucky buffer placements: docs/performance.md.)
 */

/*
 * Make ctx (from uc_context_alloc) save and restore only the head of the
 * CPU state, the registers the functions below read and write (about
 * 570 of its 5528 bytes), by shrinking the size its header records.
 * Unicorn 2.0.1 copies that many bytes; the change is tried on the engine
 * (a register beyond the head must survive, the context's tail must stay
 * untouched) and undone if it does not hold, so ctx then stays a whole
 * context.  `full` is another context of the same engine, used to put the
 * engine's state back afterwards.  Returns whether ctx is a head context.
 */
bool ucx_head_context(uc_engine *uc, uc_context *ctx, uc_context *full);

/* Read the whole architectural state (GPRs, RIP, RFLAGS, control, debug,
 * segment and table registers with their hidden parts) from the engine:
 * one context save and one call for DR6/DR7.  Only the architectural
 * fields of *state are written; event flags are left as they are.  The
 * scratch context then holds the engine's state for ucx_put_state().
 * Returns a uc_err. */
uc_err ucx_get_state(uc_engine *uc, uc_context *scratch, struct vsmm_cpu_state *state);

/*
 * Load *state into the engine when scratch still holds what
 * ucx_get_state() read into *held and the engine has not run since (the
 * SMI and RSM paths: one read and one write per stop).  Edits the saved
 * context, restores it, writes DR6/DR7 only if they differ from *held,
 * recomputes QEMU's derived mode (CPL, 16/32/64-bit, protected, long
 * mode) and flushes the TLB only where a translation may differ: paging
 * on before or after (see tlb_may_differ in ucx86.c).  Afterwards scratch
 * holds *state as the engine does, so *state can serve as the next *held.
 */
uc_err ucx_put_state(uc_engine *uc, uc_context *scratch,
		     const struct vsmm_cpu_state *held,
		     const struct vsmm_cpu_state *state);

/* Load the architectural state into the engine from any point: a read
 * (ucx_get_state) followed by ucx_put_state. */
uc_err ucx_set_state(uc_engine *uc, uc_context *scratch,
		     const struct vsmm_cpu_state *state);

/*
 * After a stop that a hook requested (uc_emu_stop), Unicorn 2.0.1 leaves
 * the *linear* address of the next instruction in RIP instead of the
 * offset from CS base (observed with CS base != 0; harmless when the base
 * is 0).  After an MMIO write that asked for the stop it even reports the
 * writing instruction itself (cut_short), although the write was done.
 * ucx_locate() sets state->rip to the offset of `linear`, the instruction
 * the machine knows comes next, if the engine reported either place, and
 * returns whether it did; it does not touch the engine.
 */
bool ucx_locate(struct vsmm_cpu_state *state, uint64_t linear, uint64_t cut_short);

/*
 * ucx_get_state() and ucx_locate(), then RIP written to the engine.
 * *state receives what was read, with that RIP (callers need not read it
 * again).  Returns UC_ERR_OK, or UC_ERR_EXCEPTION if the engine reported
 * neither place (it stopped somewhere unexpected).
 */
uc_err ucx_resume_at_linear(uc_engine *uc, uc_context *scratch, uint64_t linear,
			    uint64_t cut_short, struct vsmm_cpu_state *state);

/*
 * The error code of the exception the engine reported last (QEMU's
 * env->error_code), as the context last saved into scratch holds it:
 * valid in the UC_HOOK_INTR stop of an exception that pushes one, after
 * ucx_get_state() or ucx_resume_at_linear() read the state.
 */
uint32_t ucx_saved_error_code(const uc_context *scratch);

/* Attribute word conversions between vsmm's 16-bit access-rights layout
 * and QEMU's descriptor-high-dword layout (bits 8..23). */
unsigned ucx_attr_to_qemu(uint16_t attr);
uint16_t ucx_attr_from_qemu(unsigned flags);

#endif /* VSMM_ENGINE_UCX86_H */
