/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt delivery (issue 10, item 2).  Unicorn 2.0.1 has
 * no delivery of its own: it reports the vector to UC_HOOK_INTR, and the
 * machine does what the CPU would (SDM Vol.3A 6.12 "Exception and
 * Interrupt Handling", 6.14 for IA-32e mode, 20.1.4 for real-address
 * mode): through the IVT in real mode, through 16- and 32-bit interrupt
 * and trap gates in protected mode (stack switch from the TSS on a
 * privilege change), through 64-bit gates in long mode (RSP0..2 or an
 * IST stack from the 64-bit TSS, SS := NULL on a privilege change, the
 * stack aligned to 16 bytes).  A fault while delivering becomes #DF or is
 * delivered serially (SDM Table 6-5); a fault while delivering #DF is a
 * shutdown.  Task gates and virtual-8086 mode are not done
 * (INTR_UNSUPPORTED, docs/engine.md).
 *
 * Memory is reached through machine_phys_*: the IDT, GDT, TSS and the
 * stack must be identity-mapped if paging is on (Unicorn 2.0.1 translates
 * identity only, docs/engine.md).
 */
#ifndef VSMM_ENGINE_INTR_H
#define VSMM_ENGINE_INTR_H

#include <stdbool.h>
#include <stdint.h>

#include "machine.h"

enum intr_result {
	INTR_DELIVERED = 0,
	INTR_UNSUPPORTED, /* a task gate or virtual-8086 mode */
	INTR_SHUTDOWN,	  /* triple fault: a fault while delivering #DF */
	INTR_MEMORY,	  /* the IDT, a descriptor or the stack is not RAM */
};

/* What is being delivered; decides the return address, the DPL check
 * and the EXT bit of error codes. */
enum intr_kind {
	INTR_KIND_FAULT = 0, /* exception reported by the engine (or #GP/#UD
			      * the machine raises itself) */
	INTR_KIND_SOFT,	     /* INT n, INT3, INTO: gate DPL checked */
	INTR_KIND_ICEBP,     /* INT1 (F1): a trap, no DPL check */
	INTR_KIND_EXT,	     /* external interrupt (LAPIC, PIC via ExtINT) */
	INTR_KIND_NMI,
};

struct intr_event {
	unsigned vector;
	enum intr_kind kind;
	bool has_error;
	uint32_t error;
	unsigned insn_len; /* SOFT, ICEBP: a fault while delivering returns
			    * to the instruction, this far before RIP */
};

/* How delivery ended, for messages. */
struct intr_outcome {
	unsigned vector;   /* what was delivered in the end */
	unsigned first;	   /* what the engine reported */
	bool double_fault; /* escalated to #DF */
	char why[96];	   /* INTR_SHUTDOWN/UNSUPPORTED/MEMORY: the cause */
};

/* Does this exception push an error code (#DF #TS #NP #SS #GP #PF #AC)? */
bool intr_has_error_code(unsigned vector);

/*
 * Deliver ev.  state is the vCPU as the engine has it with RIP at the
 * return address (the faulting instruction for a fault, the next one for
 * a trap, INT n or an interrupt); on INTR_DELIVERED it holds the state at
 * the handler's first instruction for ucx_set_state(), otherwise it is
 * unchanged.
 */
enum intr_result intr_deliver(struct machine *m, struct vsmm_cpu_state *state,
			      const struct intr_event *ev, struct intr_outcome *out);

/* Is the instruction at this linear address INT n, INT3, INTO or INT1
 * (a trap: the return address is the next instruction)?  *vector receives
 * INT n's vector, *icebp whether it is INT1. */
bool intr_is_soft(struct machine *m, uint64_t linear, unsigned *vector, bool *icebp);

#endif /* VSMM_ENGINE_INTR_H */
