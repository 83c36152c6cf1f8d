/* SPDX-License-Identifier: MIT */
/*
 * Exceptions and software interrupts through the real-mode IVT (issue 10,
 * item 2, the part firmware needs first).  Unicorn 2.0.1 has no delivery
 * of its own: it reports the vector to UC_HOOK_INTR and the machine does
 * what the CPU would (SDM Vol.3A 20.1.4 "Interrupt and Exception Handling"
 * in real-address mode).  Protected and long mode delivery is not done
 * yet: the run ends with exit status 4 as before (docs/engine.md).
 */
#ifndef VSMM_ENGINE_INTR_H
#define VSMM_ENGINE_INTR_H

#include <stdbool.h>
#include <stdint.h>

#include "machine.h"

enum intr_result {
	INTR_DELIVERED = 0,
	INTR_UNSUPPORTED, /* not real mode: the engine cannot deliver it */
	INTR_SHUTDOWN,    /* the IVT entry lies beyond IDTR.limit (triple fault) */
	INTR_MEMORY,      /* the IVT or the stack is not RAM */
};

/*
 * Deliver vector through the IVT: push FLAGS, CS and the return IP
 * (ret_ip: the faulting instruction for a fault, the next one for INT n),
 * clear IF, TF, AC and RF, and continue at the IVT entry.  state is the
 * vCPU as the engine has it; on INTR_DELIVERED it holds the new state for
 * ucx_set_state(), otherwise it is unchanged.
 */
enum intr_result intr_deliver_real(struct machine *m,
				   struct vsmm_cpu_state *state,
				   unsigned vector, uint16_t ret_ip);

/* Is the instruction at this linear address INT n, INT3, INTO or INT1
 * (a trap: the return address is the next instruction)?  *vector receives
 * INT n's vector. */
bool intr_is_soft(struct machine *m, uint64_t linear, unsigned *vector);

#endif /* VSMM_ENGINE_INTR_H */
