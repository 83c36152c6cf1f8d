/* SPDX-License-Identifier: MIT */
/* The local APIC (apic.h). */
#include "apic.h"

#include <string.h>

#define LVT_TIMER 1 /* index of 0x320 in lvt[] */
#define LVT_LINT0 4
#define DELIVERY(lvt) (((lvt) >> 8) & 7u)
#define MODE_EXTINT 7u

static unsigned lvt_index(unsigned off)
{
	return off == 0x2f0 ? 0 : 1 + (off - 0x320) / 0x10;
}

void apic_reset(struct apic *a)
{
	struct intr_source pic = a->pic;
	memset(a, 0, sizeof(*a));
	a->pic = pic;
	a->dfr = 0xffffffffu;
	a->svr = 0xff;
	for (int i = 0; i < APIC_LVT_COUNT; i++)
		a->lvt[i] = APIC_LVT_MASKED;
	/* The BSP's LINT0 in ExtINT mode from reset, as QEMU's
	 * apic_reset_common sets it, so that 8259 interrupts reach a
	 * firmware that never programs the APIC. */
	a->lvt[LVT_LINT0] = MODE_EXTINT << 8;
}

/* Highest vector set in a 256-bit register, or -1. */
static int highest(const uint32_t reg[8])
{
	for (int i = 7; i >= 0; i--)
		if (reg[i])
			return i * 32 + 31 - __builtin_clz(reg[i]);
	return -1;
}

static void set_bit(uint32_t reg[8], unsigned v)
{
	reg[v / 32] |= 1u << (v % 32);
}

static void clear_bit(uint32_t reg[8], unsigned v)
{
	reg[v / 32] &= ~(1u << (v % 32));
}

/* Processor priority (SDM 11.8.3.1). */
static uint32_t ppr(const struct apic *a)
{
	int isr = highest(a->isr);
	uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr;
	return (a->tpr >> 4) >= (isrv >> 4) ? a->tpr & 0xff : isrv & 0xf0;
}

static unsigned divisor(uint32_t dcr)
{
	unsigned v = (dcr & 3u) | ((dcr >> 1) & 4u);
	return 1u << ((v + 1) & 7u);
}

/* A vector raised on this APIC (fixed self-IPI, timer).  Vectors 0-15
 * are illegal (SDM 11.5.3: "Receive Illegal Vector", ESR bit 6). */
static void raise(struct apic *a, unsigned vector)
{
	if (vector < 16) {
		a->esr |= 1u << 6;
		return;
	}
	set_bit(a->irr, vector);
}

static enum apic_ipi icr_written(struct apic *a)
{
	unsigned mode = (a->icr_lo >> 8) & 7u, shorthand = (a->icr_lo >> 18) & 3u;
	unsigned dest = a->icr_hi >> 24;
	/* To this CPU: self, all including self, or physical ID 0 / 0xFF. */
	bool self = shorthand == 1 || shorthand == 2 ||
		    (shorthand == 0 && !(a->icr_lo & (1u << 11)) &&
		     (dest == 0 || dest == 0xff));
	if (!self)
		return APIC_IPI_NONE;
	switch (mode) {
	case 0: /* fixed */ raise(a, a->icr_lo & 0xffu); return APIC_IPI_NONE;
	case 2: return APIC_IPI_SMI;
	case 4: return APIC_IPI_NMI;
	default: return APIC_IPI_NONE; /* INIT, SIPI, lowest priority: no */
	}
}

uint32_t apic_read(struct apic *a, unsigned off)
{
	if (off >= APIC_REG_ISR && off < APIC_REG_ISR + 0x80 && !(off & 0xf))
		return a->isr[(off - APIC_REG_ISR) / 0x10];
	if (off >= APIC_REG_IRR && off < APIC_REG_IRR + 0x80 && !(off & 0xf))
		return a->irr[(off - APIC_REG_IRR) / 0x10];
	if (off == 0x2f0 || (off >= 0x320 && off <= 0x370 && !(off & 0xf)))
		return a->lvt[lvt_index(off)];
	switch (off) {
	case APIC_REG_ID: return 0;
	case APIC_REG_VERSION: return APIC_VERSION;
	case APIC_REG_TPR: return a->tpr;
	case APIC_REG_PPR: return ppr(a);
	case APIC_REG_LDR: return a->ldr;
	case APIC_REG_DFR: return a->dfr;
	case APIC_REG_SVR: return a->svr;
	case APIC_REG_ESR: return a->esr;
	case APIC_REG_ICR_LO: return a->icr_lo & ~(1u << 12); /* idle */
	case APIC_REG_ICR_HI: return a->icr_hi;
	case APIC_REG_TIMER_INIT: return a->timer_initial;
	case APIC_REG_TIMER_CUR: {
		uint64_t d = divisor(a->timer_dcr);
		return (uint32_t)((a->timer_left + d - 1) / d);
	}
	case APIC_REG_TIMER_DCR: return a->timer_dcr;
	default: return 0;
	}
}

enum apic_ipi apic_write(struct apic *a, unsigned off, uint32_t v)
{
	bool enabled = a->svr & APIC_SVR_ENABLE;
	if (off == 0x2f0 || (off >= 0x320 && off <= 0x370 && !(off & 0xf))) {
		/* Software disabled: the mask bits stay set (SDM 11.4.7.2). */
		a->lvt[lvt_index(off)] = enabled ? v : v | APIC_LVT_MASKED;
		return APIC_IPI_NONE;
	}
	switch (off) {
	case APIC_REG_TPR: a->tpr = v & 0xff; break;
	case APIC_REG_EOI: {
		int isr = highest(a->isr);
		if (isr >= 0)
			clear_bit(a->isr, (unsigned)isr);
		break;
	}
	case APIC_REG_LDR: a->ldr = v & 0xff000000u; break;
	case APIC_REG_DFR: a->dfr = v | 0x0fffffffu; break;
	case APIC_REG_SVR:
		a->svr = v & 0x11ffu;
		if (!(v & APIC_SVR_ENABLE))
			for (int i = 0; i < APIC_LVT_COUNT; i++)
				a->lvt[i] |= APIC_LVT_MASKED;
		break;
	case APIC_REG_ESR: a->esr = 0; break; /* a write clears it */
	case APIC_REG_ICR_HI: a->icr_hi = v & 0xff000000u; break;
	case APIC_REG_ICR_LO: a->icr_lo = v; return icr_written(a);
	case APIC_REG_TIMER_INIT:
		a->timer_initial = v;
		a->timer_left = (uint64_t)v * divisor(a->timer_dcr);
		break;
	case APIC_REG_TIMER_DCR: a->timer_dcr = v & 0xbu; break;
	default: break; /* read-only or reserved */
	}
	return APIC_IPI_NONE;
}

void apic_timer_expired(struct apic *a)
{
	uint32_t lvt = a->lvt[LVT_TIMER];
	if (!(lvt & APIC_LVT_MASKED))
		raise(a, lvt & 0xffu);
	a->timer_left = (lvt & APIC_LVT_PERIODIC)
				? (uint64_t)a->timer_initial * divisor(a->timer_dcr)
				: 0;
}

static bool own_pending(const struct apic *a)
{
	int irr = highest(a->irr);
	return (a->svr & APIC_SVR_ENABLE) && irr >= 0 &&
	       ((unsigned)irr >> 4) > (ppr(a) >> 4);
}

/* The 8259 reaches the CPU through LINT0 in ExtINT mode, or directly when
 * the APIC is off. */
static bool pic_passes(const struct apic *a, bool enabled)
{
	uint32_t lint0 = a->lvt[LVT_LINT0];
	if (!a->pic.pending)
		return false;
	return !enabled || (!(lint0 & APIC_LVT_MASKED) && DELIVERY(lint0) == MODE_EXTINT);
}

bool apic_pending(const struct apic *a, bool enabled)
{
	if (enabled && own_pending(a))
		return true;
	return pic_passes(a, enabled) && a->pic.pending(a->pic.ctx);
}

int apic_ack(struct apic *a, bool enabled)
{
	if (enabled && own_pending(a)) {
		unsigned v = (unsigned)highest(a->irr);
		clear_bit(a->irr, v);
		set_bit(a->isr, v);
		return (int)v;
	}
	if (pic_passes(a, enabled) && a->pic.pending(a->pic.ctx))
		return a->pic.ack(a->pic.ctx);
	return -1;
}
