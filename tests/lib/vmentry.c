/* SPDX-License-Identifier: MIT */
/*
 * The VM-entry checker of vmentry.h.  Each block below is one list of the
 * manuals, in the manuals' order; the access-rights word is taken apart
 * into its fields first, as the SDM describes it (bits 3:0 type, 4 S,
 * 6:5 DPL, 7 P, 11:8 reserved, 12 AVL, 13 L, 14 D/B, 15 G, 16 unusable).
 *
 * The VMCS access-rights "unusable" bit is not part of vsmm's state: a
 * VMM sets it for a segment whose P bit is clear (KVM's VMX does), so
 * here "usable" means P=1.  CR0/CR4 fixed bits are not checked: they
 * constrain the value the VMM writes into the VMCS, and a VMM meets them
 * behind its read shadows (KVM forces CR0.NE and CR4.VMXE that way).
 *
 * IA32_EFER is checked as with the "load IA32_EFER" VM-entry control set,
 * the only way a VMM can give the guest an EFER of its choice: then LME
 * must equal LMA while CR0.PG=1.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "vmentry.h"

static char msg[200];

#define FAIL(...) (snprintf(msg, sizeof(msg), __VA_ARGS__), msg)

static const char *const sreg_name[VSMM_SREG_COUNT] = {
	"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR",
};

struct ar {
	unsigned type, s, dpl, p, rsvd, l, db, g;
};

static struct ar ar_of(uint16_t attr)
{
	return (struct ar){
		.type = attr & 0xfu,
		.s = (attr >> 4) & 1u,
		.dpl = (attr >> 5) & 3u,
		.p = (attr >> 7) & 1u,
		.rsvd = (attr >> 8) & 0xfu,
		.l = (attr >> 13) & 1u,
		.db = (attr >> 14) & 1u,
		.g = (attr >> 15) & 1u,
	};
}

/* Linear-address width N: bits 63:N-1 of a canonical address are equal.
 * A processor without long mode has 32-bit natural-width fields. */
static unsigned width(const struct vsmm_model *m)
{
	if (!m->long_mode)
		return 32;
	return (m->features & VSMM_FEAT_LA57) ? 57 : 48;
}

static bool canonical(const struct vsmm_model *m, uint64_t a)
{
	unsigned n = width(m);

	if (n == 32)
		return a <= 0xffffffffu;
	uint64_t upper = a >> (n - 1);
	return upper == 0 || upper == (UINT64_MAX >> (n - 1));
}

/* ---- Checks on guest control registers, debug registers and MSRs ---- */

static const char *control(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	bool ia32e = s->efer & VSMM_EFER_LMA;
	const uint64_t efer_bits = VSMM_EFER_SCE | VSMM_EFER_LME | VSMM_EFER_LMA |
				   VSMM_EFER_NXE | VSMM_EFER_SVME | VSMM_EFER_LMSLE |
				   VSMM_EFER_FFXSR | VSMM_EFER_TCE;

	if (s->cr0 >> 32)
		return FAIL("CR0 bits 63:32 set");
	if ((s->cr0 & VSMM_CR0_PG) && !(s->cr0 & VSMM_CR0_PE))
		return FAIL("CR0.PG=1 with CR0.PE=0");
	if (ia32e && (!(s->cr0 & VSMM_CR0_PG) || !(s->cr4 & VSMM_CR4_PAE)))
		return FAIL("IA-32e mode guest without CR0.PG and CR4.PAE");
	if (!ia32e && (s->cr4 & VSMM_CR4_PCIDE))
		return FAIL("CR4.PCIDE=1 outside IA-32e mode");
	if (m->maxphyaddr < 64 && (s->cr3 >> m->maxphyaddr))
		return FAIL("CR3 %#" PRIx64 " beyond MAXPHYADDR %u", s->cr3,
			    m->maxphyaddr);
	if (s->dr7 >> 32)
		return FAIL("DR7 bits 63:32 set");
	if (s->efer & ~efer_bits)
		return FAIL("IA32_EFER reserved bits %#" PRIx64, s->efer & ~efer_bits);
	if ((s->cr0 & VSMM_CR0_PG) &&
	    !(s->efer & VSMM_EFER_LME) != !(s->efer & VSMM_EFER_LMA))
		return FAIL("IA32_EFER.LME differs from LMA with CR0.PG=1");
	return NULL;
}

/* ---- Checks on guest segment registers ------------------------------- */

static const char *seg_v86(const struct vsmm_cpu_state *s)
{
	for (int i = VSMM_ES; i <= VSMM_GS; i++) {
		const struct vsmm_seg *g = &s->seg[i];

		if (g->base != (uint64_t)g->selector << 4)
			return FAIL("virtual-8086 %s base %#" PRIx64 " is not "
				    "selector*16",
				    sreg_name[i], g->base);
		if (g->limit != 0xffffu)
			return FAIL("virtual-8086 %s limit %#x", sreg_name[i], g->limit);
		if (g->attr != 0xf3u)
			return FAIL("virtual-8086 %s access rights %#x", sreg_name[i],
				    g->attr);
	}
	return NULL;
}

/* The limit/G rule: limit bits 11:0 not all set -> G=0; any of bits
 * 31:20 set -> G=1. */
static bool limit_fits(const struct vsmm_seg *g)
{
	unsigned gbit = ar_of(g->attr).g;

	if ((g->limit & 0xfffu) != 0xfffu && gbit)
		return false;
	if ((g->limit & 0xfff00000u) && !gbit)
		return false;
	return true;
}

static const char *seg_protected(const struct vsmm_cpu_state *s)
{
	struct ar cs = ar_of(s->seg[VSMM_CS].attr), ss = ar_of(s->seg[VSMM_SS].attr);
	bool ia32e = s->efer & VSMM_EFER_LMA;

	/* CS: always checked. */
	if (cs.type != 9 && cs.type != 11 && cs.type != 13 && cs.type != 15 &&
	    cs.type != 3)
		return FAIL("CS type %u", cs.type);
	if (!cs.s || !cs.p || cs.rsvd)
		return FAIL("CS S=%u P=%u reserved=%#x", cs.s, cs.p, cs.rsvd);
	if (cs.type == 3 && cs.dpl != 0)
		return FAIL("CS type 3 with DPL %u", cs.dpl);
	if ((cs.type == 9 || cs.type == 11) && cs.dpl != ss.dpl)
		return FAIL("non-conforming CS DPL %u, SS.DPL %u", cs.dpl, ss.dpl);
	if ((cs.type == 13 || cs.type == 15) && cs.dpl > ss.dpl)
		return FAIL("conforming CS DPL %u above SS.DPL %u", cs.dpl, ss.dpl);
	if (ia32e && cs.l && cs.db)
		return FAIL("IA-32e mode CS with L=1 and D/B=1");
	if (!limit_fits(&s->seg[VSMM_CS]))
		return FAIL("CS limit %#x with G=%u", s->seg[VSMM_CS].limit, cs.g);
	/* SS */
	if ((cs.type == 3 || !(s->cr0 & VSMM_CR0_PE)) && ss.dpl != 0)
		return FAIL("SS.DPL %u with CS type %u, CR0.PE=%u", ss.dpl, cs.type,
			    (unsigned)(s->cr0 & 1));
	if (ss.p) {
		if (ss.type != 3 && ss.type != 7)
			return FAIL("usable SS type %u", ss.type);
		if (!ss.s || ss.rsvd || !limit_fits(&s->seg[VSMM_SS]))
			return FAIL("usable SS S=%u reserved=%#x limit %#x G=%u", ss.s,
				    ss.rsvd, s->seg[VSMM_SS].limit, ss.g);
	}
	/* DS, ES, FS, GS */
	for (int i = VSMM_ES; i <= VSMM_GS; i++) {
		struct ar a = ar_of(s->seg[i].attr);

		if (i == VSMM_CS || i == VSMM_SS || !a.p)
			continue;
		if (!(a.type & 1))
			return FAIL("usable %s type %u not accessed", sreg_name[i],
				    a.type);
		if ((a.type & 8) && !(a.type & 2))
			return FAIL("usable %s is an execute-only code segment",
				    sreg_name[i]);
		if (!a.s || a.rsvd || !limit_fits(&s->seg[i]))
			return FAIL("usable %s S=%u reserved=%#x limit %#x G=%u",
				    sreg_name[i], a.s, a.rsvd, s->seg[i].limit, a.g);
	}
	return NULL;
}

static const char *seg_system(const struct vsmm_cpu_state *s)
{
	const struct vsmm_seg *tr = &s->seg[VSMM_TR], *ldtr = &s->seg[VSMM_LDTR];
	struct ar t = ar_of(tr->attr), l = ar_of(ldtr->attr);
	bool ia32e = s->efer & VSMM_EFER_LMA;

	if (tr->selector & 4)
		return FAIL("TR selector %#x has TI=1", tr->selector);
	if (ia32e ? t.type != 11 : (t.type != 3 && t.type != 11))
		return FAIL("TR type %u (IA-32e mode %d)", t.type, ia32e);
	if (t.s || !t.p || t.rsvd || !limit_fits(tr))
		return FAIL("TR S=%u P=%u reserved=%#x limit %#x G=%u", t.s, t.p, t.rsvd,
			    tr->limit, t.g);
	if (l.p) {
		if (ldtr->selector & 4)
			return FAIL("LDTR selector %#x has TI=1", ldtr->selector);
		if (l.type != 2 || l.s || l.rsvd || !limit_fits(ldtr))
			return FAIL("usable LDTR type %u S=%u reserved=%#x limit %#x "
				    "G=%u",
				    l.type, l.s, l.rsvd, ldtr->limit, l.g);
	}
	return NULL;
}

static const char *seg_bases(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	static const int must_canonical[] = { VSMM_TR, VSMM_FS, VSMM_GS };
	static const int low32[] = { VSMM_SS, VSMM_DS, VSMM_ES };

	for (unsigned k = 0; k < 3; k++) {
		int i = must_canonical[k];
		if (!canonical(m, s->seg[i].base))
			return FAIL("%s base %#" PRIx64 " not canonical", sreg_name[i],
				    s->seg[i].base);
	}
	if ((s->seg[VSMM_LDTR].attr & VSMM_SEG_P) &&
	    !canonical(m, s->seg[VSMM_LDTR].base))
		return FAIL("LDTR base %#" PRIx64 " not canonical",
			    s->seg[VSMM_LDTR].base);
	if (s->seg[VSMM_CS].base >> 32)
		return FAIL("CS base %#" PRIx64 " has bits 63:32 set",
			    s->seg[VSMM_CS].base);
	for (unsigned k = 0; k < 3; k++) {
		int i = low32[k];
		if ((s->seg[i].attr & VSMM_SEG_P) && (s->seg[i].base >> 32))
			return FAIL("usable %s base %#" PRIx64 " has bits 63:32 set",
				    sreg_name[i], s->seg[i].base);
	}
	/* Natural-width fields of a processor without long mode. */
	if (!m->long_mode)
		for (int i = 0; i < VSMM_SREG_COUNT; i++)
			if (s->seg[i].base >> 32)
				return FAIL("%s base %#" PRIx64 " above 4 GiB without "
					    "long mode",
					    sreg_name[i], s->seg[i].base);
	return NULL;
}

static const char *segments(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	bool v86 = (s->cr0 & VSMM_CR0_PE) && (s->rflags & VSMM_RFLAGS_VM);
	const char *why;

	if (s->seg[VSMM_TR].selector & 4)
		return FAIL("TR selector TI=1");
	if ((why = seg_bases(m, s)))
		return why;
	if ((why = v86 ? seg_v86(s) : seg_protected(s)))
		return why;
	return seg_system(s);
}

/* ---- Checks on guest descriptor-table registers ----------------------- */

static const char *dtables(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	if (!canonical(m, s->gdtr.base))
		return FAIL("GDTR base %#" PRIx64 " not canonical", s->gdtr.base);
	if (!canonical(m, s->idtr.base))
		return FAIL("IDTR base %#" PRIx64 " not canonical", s->idtr.base);
	if ((s->gdtr.limit | s->idtr.limit) >> 16)
		return FAIL("GDTR/IDTR limit bits 31:16 set");
	return NULL;
}

/* ---- Checks on guest RIP and RFLAGS ----------------------------------- */

static const char *rip_rflags(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	bool ia32e = s->efer & VSMM_EFER_LMA;
	bool cs_l = s->seg[VSMM_CS].attr & VSMM_SEG_L;
	const uint64_t reserved = ~0ull << 22 | 1u << 15 | 1u << 5 | 1u << 3;

	if ((!ia32e || !cs_l) && (s->rip >> 32))
		return FAIL("RIP %#" PRIx64 " has bits 63:32 set outside 64-bit "
			    "mode",
			    s->rip);
	if (ia32e && cs_l && !canonical(m, s->rip))
		return FAIL("RIP %#" PRIx64 " not canonical in 64-bit mode", s->rip);
	if ((s->rflags & reserved) || !(s->rflags & 2))
		return FAIL("RFLAGS %#" PRIx64 " reserved bits", s->rflags);
	if ((s->rflags & VSMM_RFLAGS_VM) && (ia32e || !(s->cr0 & VSMM_CR0_PE)))
		return FAIL("RFLAGS.VM=1 in IA-32e mode or with CR0.PE=0");
	return NULL;
}

/* ---- Checks on guest non-register state ------------------------------- */

static const char *non_register(const struct vsmm_cpu_state *s)
{
	unsigned ss_dpl = ar_of(s->seg[VSMM_SS].attr).dpl;
	bool sti = s->int_shadow & VSMM_SHADOW_STI,
	     movss = s->int_shadow & VSMM_SHADOW_MOV_SS;

	if (s->int_shadow & ~(VSMM_SHADOW_STI | VSMM_SHADOW_MOV_SS))
		return FAIL("interruptibility reserved bits %#x", s->int_shadow);
	if (s->halted && ss_dpl != 0)
		return FAIL("HLT activity state with SS.DPL %u", ss_dpl);
	if (s->halted && (sti || movss))
		return FAIL("HLT activity state with blocking by STI/MOV SS");
	if (sti && movss)
		return FAIL("blocking by STI and by MOV SS");
	if (sti && !(s->rflags & VSMM_RFLAGS_IF))
		return FAIL("blocking by STI with RFLAGS.IF=0");
	return NULL;
}

/* ---- AMD VMRUN consistency checks on the same state -------------------- */

static const char *vmrun(const struct vsmm_cpu_state *s)
{
	bool lme_pg = (s->efer & VSMM_EFER_LME) && (s->cr0 & VSMM_CR0_PG);
	const uint16_t ld = VSMM_SEG_L | VSMM_SEG_DB;

	if ((s->cr0 & VSMM_CR0_NW) && !(s->cr0 & VSMM_CR0_CD))
		return FAIL("VMRUN: CR0.CD=0 with CR0.NW=1");
	if ((s->dr6 >> 32) || (s->dr7 >> 32))
		return FAIL("VMRUN: DR6/DR7 bits 63:32 set");
	if (lme_pg && !(s->cr0 & VSMM_CR0_PE))
		return FAIL("VMRUN: EFER.LME and CR0.PG with CR0.PE=0");
	if (lme_pg && !(s->cr4 & VSMM_CR4_PAE))
		return FAIL("VMRUN: EFER.LME and CR0.PG with CR4.PAE=0");
	if (lme_pg && (s->cr4 & VSMM_CR4_PAE) && (s->seg[VSMM_CS].attr & ld) == ld)
		return FAIL("VMRUN: long mode with CS.L=1 and CS.D=1");
	return NULL;
}

const char *vmentry_check(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	const char *why;

	if ((why = control(m, s)) || (why = segments(m, s)) || (why = dtables(m, s)) ||
	    (why = rip_rflags(m, s)) || (why = non_register(s)) || (why = vmrun(s)))
		return why;
	return NULL;
}
