/* SPDX-License-Identifier: MIT */
/* Real-mode interrupt and exception delivery (intr.h). */
#include "intr.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_AC (1ull << 18)

static uint16_t ld16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

bool intr_is_soft(struct machine *m, uint64_t linear, unsigned *vector)
{
	uint8_t op[2];
	if (machine_phys_read(m, m->vcpu.state.smm, linear, op, 2))
		return false;
	switch (op[0]) {
	case 0xcd: *vector = op[1]; return true; /* INT n */
	case 0xcc: *vector = 3; return true;     /* INT3 */
	case 0xce: *vector = 4; return true;     /* INTO */
	case 0xf1: *vector = 1; return true;     /* INT1 */
	default: return false;
	}
}

enum intr_result intr_deliver_real(struct machine *m,
				   struct vsmm_cpu_state *st,
				   unsigned vector, uint16_t ret_ip)
{
	bool smm = st->smm;
	uint8_t ent[4], frame[6];
	if (st->cr0 & VSMM_CR0_PE)
		return INTR_UNSUPPORTED;
	if (4u * vector + 3 > st->idtr.limit)
		return INTR_SHUTDOWN;
	if (machine_phys_read(m, smm, st->idtr.base + 4u * vector, ent, 4))
		return INTR_MEMORY;
	/* FLAGS, CS, IP pushed in that order: IP ends lowest. */
	uint16_t sp = (uint16_t)st->gpr[VSMM_RSP];
	uint16_t flags = (uint16_t)st->rflags, cs = st->seg[VSMM_CS].selector;
	frame[0] = (uint8_t)ret_ip, frame[1] = (uint8_t)(ret_ip >> 8);
	frame[2] = (uint8_t)cs, frame[3] = (uint8_t)(cs >> 8);
	frame[4] = (uint8_t)flags, frame[5] = (uint8_t)(flags >> 8);
	uint64_t ss = st->seg[VSMM_SS].base;
	for (int i = 0; i < 3; i++) {
		sp = (uint16_t)(sp - 2);
		if (machine_phys_write(m, smm, ss + sp, frame + 4 - 2 * i, 2))
			return INTR_MEMORY;
	}
	st->gpr[VSMM_RSP] = (st->gpr[VSMM_RSP] & ~0xffffull) | sp;
	st->rflags &= ~(VSMM_RFLAGS_IF | RFLAGS_TF | RFLAGS_AC | RFLAGS_RF);
	st->seg[VSMM_CS].selector = ld16(ent + 2);
	st->seg[VSMM_CS].base = (uint64_t)ld16(ent + 2) << 4;
	st->rip = ld16(ent);
	return INTR_DELIVERED;
}
