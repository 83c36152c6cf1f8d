/* SPDX-License-Identifier: MIT */
/*
 * CPU models, a catalogue of valid interrupted contexts, the SMI-handler
 * modes, the scenarios of the fuzz targets and the independent "passes
 * every check" oracle.  State comparison: state_diff.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

/* ------------------------------------------------------------------ */
/* Models                                                               */
/* ------------------------------------------------------------------ */

bool fz_config(uint8_t byte, struct vsmm_model *model, enum vsmm_semantics *semantics)
{
	static const enum vsmm_layout layouts[4] = {
		VSMM_LAYOUT_AUTO,
		VSMM_LAYOUT_P6_32,
		VSMM_LAYOUT_AMD64,
		VSMM_LAYOUT_INTEL64,
	};
	enum vsmm_vendor vendor = (byte & 1) ? VSMM_VENDOR_AMD : VSMM_VENDOR_INTEL;
	bool long_mode = (byte & 2) != 0;

	if (vsmm_model_preset(model, vendor, long_mode) != VSMM_OK)
		return false;
	model->layout = layouts[(byte >> 2) & 3];
	*semantics = (byte & 0x10) ? VSMM_SEMANTICS_HARDWARE : VSMM_SEMANTICS_KVM;
	return true;
}

/* ------------------------------------------------------------------ */
/* States                                                               */
/* ------------------------------------------------------------------ */

/* Segment attribute words (VSMM_SEG_* layout). */
#define ATTR_CODE16 0x009bu /* P, S, execute/read accessed */
#define ATTR_DATA16 0x0093u /* P, S, read/write accessed */
#define ATTR_CODE32 0xc09bu /* + G, D/B */
#define ATTR_DATA32 0xc093u
#define ATTR_CODE64 0xa09bu /* + G, L */
#define ATTR_V86 0x00f3u    /* P, DPL 3, S, read/write accessed */
#define ATTR_TSS 0x008bu    /* P, busy 32/64-bit TSS */
#define ATTR_LDT 0x0082u    /* P, LDT */

#define PDPT_GPA 0x6000u /* where the PAE state's PDPT lives */

const char *const fz_state_names[FZ_ST_COUNT] = {
	[FZ_ST_RESET] = "reset",
	[FZ_ST_REAL] = "real",
	[FZ_ST_PM16] = "pm16",
	[FZ_ST_PM32] = "pm32",
	[FZ_ST_PAE] = "pae",
	[FZ_ST_V86] = "v86",
	[FZ_ST_LONG] = "long",
	[FZ_ST_COMPAT] = "compat",
	[FZ_ST_LONG_PCID] = "long-pcid",
	[FZ_ST_VMX_ROOT] = "vmx-root",
	[FZ_ST_VMX_GUEST] = "vmx-guest",
	[FZ_ST_SVM_HOST] = "svm-host",
	[FZ_ST_SVM_GUEST] = "svm-guest",
};

static void seg(struct vsmm_cpu_state *s, enum vsmm_sreg r, uint16_t sel, uint64_t base,
		uint32_t limit, uint16_t attr)
{
	s->seg[r] = (struct vsmm_seg){
		.selector = sel,
		.attr = attr,
		.limit = limit,
		.base = base,
	};
}

static bool has(const struct vsmm_model *m, uint64_t feat)
{
	return (m->features & feat) != 0;
}

/* CR4 bits a model supports that a typical OS turns on. */
static uint64_t os_cr4(const struct vsmm_model *m)
{
	uint64_t cr4 = 0;

	if (has(m, VSMM_FEAT_PSE))
		cr4 |= VSMM_CR4_PSE;
	if (has(m, VSMM_FEAT_PGE))
		cr4 |= VSMM_CR4_PGE;
	if (has(m, VSMM_FEAT_FXSR))
		cr4 |= VSMM_CR4_OSFXSR;
	if (has(m, VSMM_FEAT_SSE))
		cr4 |= VSMM_CR4_OSXMMEXCPT;
	if (has(m, VSMM_FEAT_DE))
		cr4 |= VSMM_CR4_DE;
	return cr4;
}

/* Registers with distinctive values (upper halves only in long mode). */
static void gprs(struct vsmm_cpu_state *s, bool wide)
{
	for (unsigned i = 0; i < VSMM_GPR_COUNT; i++) {
		uint64_t v = 0x01020304u * (i + 1) ^ 0x80000001u;

		if (wide)
			v |= (uint64_t)(0xa5a50000u + i) << 32;
		s->gpr[i] = (wide || i < 8) ? v : 0;
	}
}

static void flat32(struct vsmm_cpu_state *s)
{
	seg(s, VSMM_CS, 0x08, 0, 0xffffffff, ATTR_CODE32);
	for (enum vsmm_sreg r = VSMM_ES; r <= VSMM_GS; r++)
		if (r != VSMM_CS)
			seg(s, r, 0x10, 0, 0xffffffff, ATTR_DATA32);
	seg(s, VSMM_TR, 0x18, 0x00402000, 0x67, ATTR_TSS);
	seg(s, VSMM_LDTR, 0x20, 0x00403000, 0xff, ATTR_LDT);
	s->gdtr = (struct vsmm_dtable){ .base = 0x00401000, .limit = 0x27 };
	s->idtr = (struct vsmm_dtable){ .base = 0x00400000, .limit = 0x7ff };
}

static void real_mode(struct vsmm_cpu_state *s)
{
	s->cr0 = VSMM_CR0_ET;
	seg(s, VSMM_CS, 0x1234, 0x12340, 0xffff, ATTR_CODE16);
	seg(s, VSMM_DS, 0x2000, 0x20000, 0xffff, ATTR_DATA16);
	seg(s, VSMM_ES, 0xb800, 0xb8000, 0xffff, ATTR_DATA16);
	seg(s, VSMM_SS, 0x0700, 0x07000, 0xffff, ATTR_DATA16);
	seg(s, VSMM_FS, 0, 0, 0xffff, ATTR_DATA16);
	seg(s, VSMM_GS, 0xffff, 0xffff0, 0xffff, ATTR_DATA16);
	s->rip = 0x0100;
	s->rflags = VSMM_RFLAGS_FIXED | VSMM_RFLAGS_IF;
	s->idtr = (struct vsmm_dtable){ .base = 0, .limit = 0x3ff };
}

static void pm16(struct vsmm_cpu_state *s)
{
	s->cr0 = VSMM_CR0_PE | VSMM_CR0_ET | VSMM_CR0_NE;
	flat32(s);
	seg(s, VSMM_CS, 0x08, 0x20000, 0xffff, ATTR_CODE16);
	seg(s, VSMM_SS, 0x10, 0x30000, 0xffff, ATTR_DATA16);
	s->rip = 0xfff0;
	s->rflags = VSMM_RFLAGS_FIXED;
}

static void pm32(const struct vsmm_model *m, struct vsmm_cpu_state *s)
{
	s->cr0 = VSMM_CR0_PE | VSMM_CR0_MP | VSMM_CR0_ET | VSMM_CR0_NE | VSMM_CR0_WP |
		 VSMM_CR0_AM | VSMM_CR0_PG;
	s->cr3 = 0x00105000;
	s->cr4 = os_cr4(m);
	s->cr2 = 0xdeadb000;
	flat32(s);
	s->rip = 0xc0101234;
	s->rflags = VSMM_RFLAGS_FIXED | VSMM_RFLAGS_IF | 0x0ed5u;
	if (has(m, VSMM_FEAT_SYSCALL) && m->long_mode)
		s->efer = VSMM_EFER_SCE;
}

static bool pae(const struct vsmm_model *m, struct fz_mem *mem, struct vsmm_cpu_state *s)
{
	/* One present PDPTE with no reserved bits, three not present. */
	static const uint8_t pdpt[32] = { 0x01, 0x70, 0x00, 0x00 };

	if (!has(m, VSMM_FEAT_PAE) ||
	    (mem && !fz_mem_poke(mem, PDPT_GPA, pdpt, sizeof(pdpt), false)))
		return false;
	pm32(m, s);
	s->cr3 = PDPT_GPA;
	s->cr4 |= VSMM_CR4_PAE;
	if (has(m, VSMM_FEAT_NX))
		s->efer |= VSMM_EFER_NXE;
	return true;
}

static bool v86(const struct vsmm_model *m, struct vsmm_cpu_state *s)
{
	pm32(m, s);
	s->cr0 &= ~VSMM_CR0_PG;
	s->cr4 = has(m, VSMM_FEAT_VME) ? VSMM_CR4_VME : 0;
	for (enum vsmm_sreg r = VSMM_ES; r <= VSMM_GS; r++)
		seg(s, r, (uint16_t)(0x1000 + r), (0x1000u + r) << 4, 0xffff, ATTR_V86);
	s->rip = 0x0200;
	s->rflags = VSMM_RFLAGS_FIXED | VSMM_RFLAGS_IF | VSMM_RFLAGS_VM;
	return true;
}

static bool long64(const struct vsmm_model *m, struct vsmm_cpu_state *s)
{
	if (!m->long_mode || !has(m, VSMM_FEAT_PAE))
		return false;
	gprs(s, true);
	s->cr0 = VSMM_CR0_PE | VSMM_CR0_MP | VSMM_CR0_ET | VSMM_CR0_NE | VSMM_CR0_WP |
		 VSMM_CR0_AM | VSMM_CR0_PG;
	s->cr3 = 0x0000000123456000ull;
	s->cr4 = os_cr4(m) | VSMM_CR4_PAE;
	if (has(m, VSMM_FEAT_XSAVE))
		s->cr4 |= VSMM_CR4_OSXSAVE;
	if (has(m, VSMM_FEAT_FSGSBASE))
		s->cr4 |= VSMM_CR4_FSGSBASE;
	if (has(m, VSMM_FEAT_SMEP))
		s->cr4 |= VSMM_CR4_SMEP;
	s->cr2 = 0xffff888012345678ull;
	s->efer = VSMM_EFER_LME | VSMM_EFER_LMA;
	if (has(m, VSMM_FEAT_SYSCALL))
		s->efer |= VSMM_EFER_SCE;
	if (has(m, VSMM_FEAT_NX))
		s->efer |= VSMM_EFER_NXE;
	flat32(s);
	seg(s, VSMM_CS, 0x10, 0, 0xffffffff, ATTR_CODE64);
	seg(s, VSMM_DS, 0, 0, 0, 0);
	seg(s, VSMM_ES, 0, 0, 0, 0);
	seg(s, VSMM_FS, 0, 0x00007f0012340000ull, 0xffffffff, ATTR_DATA32);
	seg(s, VSMM_GS, 0, 0xffff888000000000ull, 0xffffffff, ATTR_DATA32);
	seg(s, VSMM_TR, 0x40, 0xfffffe0000003000ull, 0x4087, ATTR_TSS);
	seg(s, VSMM_LDTR, 0, 0, 0, 0);
	s->gdtr = (struct vsmm_dtable){ .base = 0xfffffe0000001000ull, .limit = 0x7f };
	s->idtr = (struct vsmm_dtable){ .base = 0xfffffe0000000000ull, .limit = 0xfff };
	s->rip = 0xffffffff81001234ull;
	s->rflags = VSMM_RFLAGS_FIXED | VSMM_RFLAGS_IF | 0x0046u;
	s->dr7 = 0x0000000000000455ull;
	s->dr6 = 0x00000000ffff4ff1ull;
	return true;
}

static bool build(enum fz_state_kind kind, const struct vsmm_model *m, struct fz_mem *mem,
		  struct vsmm_cpu_state *s)
{
	bool intel_vmx = m->vendor == VSMM_VENDOR_INTEL && has(m, VSMM_FEAT_VMX);
	bool amd_svm = m->vendor == VSMM_VENDOR_AMD && has(m, VSMM_FEAT_SVM);

	switch (kind) {
	case FZ_ST_RESET: return true;
	case FZ_ST_REAL:
		gprs(s, false);
		real_mode(s);
		return true;
	case FZ_ST_PM16:
		gprs(s, false);
		pm16(s);
		return true;
	case FZ_ST_PM32:
		gprs(s, false);
		pm32(m, s);
		return true;
	case FZ_ST_PAE: gprs(s, false); return pae(m, mem, s);
	case FZ_ST_V86: gprs(s, false); return v86(m, s);
	case FZ_ST_LONG: return long64(m, s);
	case FZ_ST_COMPAT:
		if (!long64(m, s))
			return false;
		/* User mode: CPL 3 is SS.DPL, which a non-conforming CS's
		 * DPL equals. */
		seg(s, VSMM_CS, 0x23, 0, 0xffffffff, ATTR_CODE32 | (3u << 5));
		seg(s, VSMM_SS, 0x2b, 0, 0xffffffff, ATTR_DATA32 | (3u << 5));
		s->rip = 0x08048000;
		return true;
	case FZ_ST_LONG_PCID:
		if (!has(m, VSMM_FEAT_PCID) || !long64(m, s))
			return false;
		s->cr4 |= VSMM_CR4_PCIDE;
		s->cr3 |= 0x005;
		return true;
	case FZ_ST_VMX_ROOT:
	case FZ_ST_VMX_GUEST:
		/* VMX operation needs CR0.PE/NE/PG (VMX fixed bits). */
		if (!intel_vmx || !(m->long_mode ? long64(m, s) : (pm32(m, s), true)))
			return false;
		s->cr4 |= VSMM_CR4_VMXE;
		s->vmx_on = true;
		s->guest_mode = kind == FZ_ST_VMX_GUEST;
		return true;
	case FZ_ST_SVM_HOST:
	case FZ_ST_SVM_GUEST:
		/* The 32-bit map cannot carry SVM state (KVM refuses). */
		if (!amd_svm || !long64(m, s))
			return false;
		s->efer |= VSMM_EFER_SVME;
		if (kind == FZ_ST_SVM_GUEST) {
			s->guest_mode = true;
			s->svm_vmcb12 = 0x0000000000abc000ull;
		}
		return true;
	default: return false;
	}
}

bool fz_state_build(enum fz_state_kind kind, const struct vsmm_model *model,
		    struct fz_mem *mem, struct vsmm_cpu_state *s)
{
	vsmm_cpu_state_reset(s);
	return build(kind, model, mem, s);
}

bool fz_handler_apply(enum fz_handler_mode mode, const struct vsmm_model *m,
		      struct vsmm_cpu_state *s)
{
	uint64_t smbase = s->smbase;

	switch (mode) {
	case FZ_HANDLER_NONE: return true;
	case FZ_HANDLER_PM32:
		s->cr0 |= VSMM_CR0_PE;
		for (enum vsmm_sreg r = VSMM_ES; r <= VSMM_GS; r++)
			seg(s, r, 0x10, 0, 0xffffffff, ATTR_DATA32);
		seg(s, VSMM_CS, 0x08, smbase, 0xffffffff, ATTR_CODE32);
		return true;
	case FZ_HANDLER_LONG:
	case FZ_HANDLER_LONG_PCID:
		if (!m->long_mode || !has(m, VSMM_FEAT_PAE) ||
		    (mode == FZ_HANDLER_LONG_PCID && !has(m, VSMM_FEAT_PCID)))
			return false;
		/* EDK2's PiSmmCpuDxeSmm: paging on, 64-bit CS, NXE. */
		s->cr0 |= VSMM_CR0_PE | VSMM_CR0_PG;
		s->cr0 &= ~(VSMM_CR0_CD | VSMM_CR0_NW);
		s->cr3 = (uint64_t)smbase + 0x20000;
		s->cr4 = VSMM_CR4_PAE;
		if (mode == FZ_HANDLER_LONG_PCID) {
			s->cr4 |= VSMM_CR4_PCIDE;
			s->cr3 |= 0x001;
		}
		s->efer = VSMM_EFER_LME | VSMM_EFER_LMA;
		if (has(m, VSMM_FEAT_NX))
			s->efer |= VSMM_EFER_NXE;
		for (enum vsmm_sreg r = VSMM_ES; r <= VSMM_GS; r++)
			seg(s, r, 0x10, 0, 0xffffffff, ATTR_DATA32);
		seg(s, VSMM_CS, 0x38, 0, 0xffffffff, ATTR_CODE64);
		s->rip = 0xffffffff80000000ull + smbase;
		return true;
	default: return false;
	}
}

/* ------------------------------------------------------------------ */
/* Scenarios                                                            */
/* ------------------------------------------------------------------ */

/* SMBASE values: the reset default, a TSEG-like high address, just below
 * 4 GiB (the area ends at the top of the 32-bit space), and a low one. */
static const uint32_t smbases[4] = {
	VSMM_DEFAULT_SMBASE,
	0x7ff00000u,
	0xfff00000u,
	0x00001000u,
};

bool fz_scenario_decode(const uint8_t hdr[FZ_SCENARIO_BYTES], struct fz_mem *mem,
			struct fz_scenario *sc)
{
	struct vsmm_cpu_state *s = &sc->pre;

	memset(sc, 0, sizeof(*sc));
	if (!fz_config(hdr[0], &sc->model, &sc->semantics))
		return false;
	sc->kind = (enum fz_state_kind)(hdr[1] % FZ_ST_COUNT);
	/* FZ_ST_RESET always applies, so this ends. */
	while (!fz_state_build(sc->kind, &sc->model, mem, s))
		sc->kind = (enum fz_state_kind)((sc->kind + 1) % FZ_ST_COUNT);
	sc->flags = hdr[2];
	sc->handler = (enum fz_handler_mode)(hdr[3] & 3);
	sc->smbase = smbases[(hdr[3] >> 4) & 3];
	s->smbase = sc->smbase;
	s->nmi_masked = (sc->flags & FZ_SC_NMI_MASKED) != 0;
	/* HLT runs only at CPL 0 (SS.DPL 0) and retires any shadow. */
	s->halted = (sc->flags & FZ_SC_HALTED) &&
		    !(s->seg[VSMM_SS].attr & VSMM_SEG_DPL_MASK);
	s->nmi_pending = (sc->flags & FZ_SC_NMI_PENDING) != 0;
	/* An STI shadow exists only if STI set IF. */
	if ((sc->flags & FZ_SC_STI_SHADOW) && (s->rflags & VSMM_RFLAGS_IF) && !s->halted)
		s->int_shadow = VSMM_SHADOW_STI;
	return true;
}

int fz_scenario_vcpu(const struct fz_scenario *sc, struct fz_mem *mem,
		     struct vsmm_vcpu *vcpu)
{
	int rc = vsmm_vcpu_init(vcpu, &sc->model, &fz_platform_ops, mem);

	if (rc == VSMM_OK)
		rc = vsmm_vcpu_set_semantics(vcpu, sc->semantics);
	if (rc != VSMM_OK)
		return rc;
	vcpu->state = sc->pre;
	if (sc->flags & FZ_SC_IO_SMI)
		vcpu->io_smi = (struct vsmm_io_smi){
			.valid = true,
			.in = false,
			.width = 1,
			.imm = true,
			.port = 0xb2,
			.insn_rip = sc->pre.rip - 2,
		};
	return VSMM_OK;
}

const struct vsmm_layout_desc *fz_scenario_start(struct fz_input *in, struct fz_mem *mem,
						 struct fz_scenario *sc,
						 struct vsmm_vcpu *vcpu)
{
	uint8_t hdr[FZ_SCENARIO_BYTES];
	const struct vsmm_layout_desc *d;

	for (unsigned i = 0; i < FZ_SCENARIO_BYTES; i++)
		hdr[i] = fz_u8(in);
	fz_mem_reset(mem);
	FZ_CHECK(fz_scenario_decode(hdr, mem, sc), "preset model refused");
	FZ_CHECK(fz_scenario_vcpu(sc, mem, vcpu) == VSMM_OK, "vcpu_init refused");
	d = vsmm_layout_get(vsmm_vcpu_layout(vcpu));
	FZ_CHECK(d != NULL && d->nfields > 0, "the vCPU has no layout");
	return d;
}

/* ------------------------------------------------------------------ */
/* The oracle                                                           */
/* ------------------------------------------------------------------ */

static char why_buf[256];

#define WHY(...) (snprintf(why_buf, sizeof(why_buf), __VA_ARGS__), why_buf)

/* CR4 bits that exist, with the CPUID feature that gates each (0: none). */
static const struct {
	uint64_t bit;
	uint64_t feat;
	const char *name;
} cr4_bits[] = {
	{ VSMM_CR4_VME, VSMM_FEAT_VME, "VME" },
	{ VSMM_CR4_PVI, VSMM_FEAT_VME, "PVI" },
	{ VSMM_CR4_TSD, VSMM_FEAT_TSC, "TSD" },
	{ VSMM_CR4_DE, VSMM_FEAT_DE, "DE" },
	{ VSMM_CR4_PSE, VSMM_FEAT_PSE, "PSE" },
	{ VSMM_CR4_PAE, VSMM_FEAT_PAE, "PAE" },
	{ VSMM_CR4_MCE, VSMM_FEAT_MCE, "MCE" },
	{ VSMM_CR4_PGE, VSMM_FEAT_PGE, "PGE" },
	{ VSMM_CR4_PCE, VSMM_FEAT_PCE, "PCE" },
	{ VSMM_CR4_OSFXSR, VSMM_FEAT_FXSR, "OSFXSR" },
	{ VSMM_CR4_OSXMMEXCPT, VSMM_FEAT_SSE, "OSXMMEXCPT" },
	{ VSMM_CR4_UMIP, VSMM_FEAT_UMIP, "UMIP" },
	{ VSMM_CR4_LA57, VSMM_FEAT_LA57, "LA57" },
	{ VSMM_CR4_VMXE, VSMM_FEAT_VMX, "VMXE" },
	{ VSMM_CR4_SMXE, VSMM_FEAT_SMX, "SMXE" },
	{ VSMM_CR4_FSGSBASE, VSMM_FEAT_FSGSBASE, "FSGSBASE" },
	{ VSMM_CR4_PCIDE, VSMM_FEAT_PCID, "PCIDE" },
	{ VSMM_CR4_OSXSAVE, VSMM_FEAT_XSAVE, "OSXSAVE" },
	{ VSMM_CR4_SMEP, VSMM_FEAT_SMEP, "SMEP" },
	{ VSMM_CR4_SMAP, VSMM_FEAT_SMAP, "SMAP" },
	{ VSMM_CR4_PKE, VSMM_FEAT_PKU, "PKE" },
	{ VSMM_CR4_CET, VSMM_FEAT_CET, "CET" },
	{ VSMM_CR4_PKS, VSMM_FEAT_PKS, "PKS" },
};

static const char *oracle_cr0(const struct vsmm_cpu_state *s)
{
	if (s->cr0 >> 32)
		return WHY("CR0 bits 63:32 set (CR0=%#" PRIx64 ")", s->cr0);
	if ((s->cr0 & VSMM_CR0_NW) && !(s->cr0 & VSMM_CR0_CD))
		return WHY("CR0.NW without CR0.CD (CR0=%#" PRIx64 ")", s->cr0);
	if ((s->cr0 & VSMM_CR0_PG) && !(s->cr0 & VSMM_CR0_PE))
		return WHY("CR0.PG without CR0.PE (CR0=%#" PRIx64 ")", s->cr0);
	return NULL;
}

static const char *oracle_cr4(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	uint64_t known = 0;

	for (size_t i = 0; i < sizeof(cr4_bits) / sizeof(cr4_bits[0]); i++) {
		known |= cr4_bits[i].bit;
		if ((s->cr4 & cr4_bits[i].bit) && !has(m, cr4_bits[i].feat))
			return WHY("CR4.%s set but the model lacks it (CR4=%#" PRIx64 ")",
				   cr4_bits[i].name, s->cr4);
	}
	if (s->cr4 & ~known)
		return WHY("CR4 reserved bits %#" PRIx64 " set", s->cr4 & ~known);
	if ((s->cr4 & VSMM_CR4_PCIDE) && !(s->efer & VSMM_EFER_LMA))
		return WHY("CR4.PCIDE outside IA-32e mode");
	return NULL;
}

static const char *oracle_efer(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	static const uint64_t known = VSMM_EFER_SCE | VSMM_EFER_LME | VSMM_EFER_LMA |
				      VSMM_EFER_NXE | VSMM_EFER_SVME | VSMM_EFER_LMSLE |
				      VSMM_EFER_FFXSR | VSMM_EFER_TCE;
	bool lma = (s->efer & VSMM_EFER_LMA) != 0;

	if (s->efer & ~known)
		return WHY("EFER reserved bits %#" PRIx64 " set", s->efer & ~known);
	if ((s->efer & (VSMM_EFER_LME | VSMM_EFER_LMA)) && !m->long_mode)
		return WHY("EFER.LME/LMA on a model without long mode");
	if ((s->efer & VSMM_EFER_NXE) && !has(m, VSMM_FEAT_NX))
		return WHY("EFER.NXE without NX");
	if ((s->efer & VSMM_EFER_SVME) && !has(m, VSMM_FEAT_SVM))
		return WHY("EFER.SVME without SVM");
	if ((s->efer & VSMM_EFER_FFXSR) && !has(m, VSMM_FEAT_FFXSR))
		return WHY("EFER.FFXSR without FFXSR");
	/* LMA is not loaded: paging turned on with LME and PAE activates
	 * long mode.  (LME and PG without PAE is refused under KVM rules and
	 * resumes with LMA=0 under hardware rules: docs/compat.md.) */
	if (lma != ((s->efer & VSMM_EFER_LME) && (s->cr0 & VSMM_CR0_PG) &&
		    (s->cr0 & VSMM_CR0_PE) && (s->cr4 & VSMM_CR4_PAE)))
		return WHY("EFER.LMA=%d but LME, PG, PE and PAE say %d", lma, !lma);
	if (lma && !(s->cr4 & VSMM_CR4_PAE))
		return WHY("IA-32e mode without CR4.PAE");
	if (lma && (s->rflags & VSMM_RFLAGS_VM))
		return WHY("RFLAGS.VM in IA-32e mode");
	return NULL;
}

/* SDM Vol.3A 4.4.1: a present PDPTE has bits 2:1, 8:5 and 63:MAXPHYADDR
 * clear.  PDPTEs matter under PAE paging outside IA-32e mode. */
static const char *oracle_pdptes(const struct vsmm_model *m,
				 const struct vsmm_cpu_state *s, const struct fz_mem *mem)
{
	uint8_t raw[32];
	uint64_t rsvd = 0x1e6ull | ~((1ull << m->maxphyaddr) - 1);

	if (!mem || !(s->cr0 & VSMM_CR0_PG) || !(s->cr4 & VSMM_CR4_PAE) ||
	    (s->efer & VSMM_EFER_LMA))
		return NULL;
	if (!fz_mem_read_view(mem, false, s->cr3 & 0xffffffe0u, raw, sizeof(raw)))
		return WHY("PDPTEs at %#" PRIx64 " are not readable", s->cr3);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = 0;

		for (unsigned b = 0; b < 8; b++)
			e |= (uint64_t)raw[i * 8 + b] << (8 * b);
		if ((e & 1) && (e & rsvd))
			return WHY("PDPTE %u = %#" PRIx64 " has reserved bits", i, e);
	}
	return NULL;
}

static const char *oracle_misc(const struct vsmm_model *m, const struct vsmm_cpu_state *s)
{
	/* RFLAGS bits 63:22, 15, 5 and 3 are reserved (zero), bit 1 is one. */
	static const uint64_t rflags_rsvd = ~0x3fffffull | (1u << 15) | (1u << 5) |
					    (1u << 3);

	if (!(s->rflags & VSMM_RFLAGS_FIXED) || (s->rflags & rflags_rsvd))
		return WHY("RFLAGS=%#" PRIx64 " breaks its fixed bits", s->rflags);
	if (s->cr3 >> m->maxphyaddr)
		return WHY("CR3=%#" PRIx64 " beyond MAXPHYADDR %u", s->cr3,
			   m->maxphyaddr);
	if (s->dr6 >> 32 || s->dr7 >> 32)
		return WHY("DR6/DR7 bits 63:32 set");
	for (unsigned r = 0; r < VSMM_SREG_COUNT; r++)
		if (s->seg[r].attr & ~VSMM_SEG_ATTR_MASK)
			return WHY("segment %u attr %#x has bits that do not exist", r,
				   s->seg[r].attr);
	if (s->int_shadow & ~(VSMM_SHADOW_MOV_SS | VSMM_SHADOW_STI))
		return WHY("interrupt shadow %#x has unknown bits", s->int_shadow);
	return NULL;
}

static const char *oracle_events(const struct vsmm_model *m,
				 const struct vsmm_cpu_state *s)
{
	if (s->smm || s->shutdown || s->smm_inside_nmi)
		return WHY("resumed with smm=%d shutdown=%d inside_nmi=%d", s->smm,
			   s->shutdown, s->smm_inside_nmi);
	if (s->vmx_on && m->vendor != VSMM_VENDOR_INTEL)
		return WHY("VMX operation on an AMD model");
	/* The VMX fixed bits bind VMX root operation; a nested guest's
	 * CR0/CR4 answer to L1's VMCS (unrestricted guests run unpaged). */
	if (s->vmx_on && !s->guest_mode) {
		uint64_t need = VSMM_CR0_PE | VSMM_CR0_NE | VSMM_CR0_PG;

		if (!(s->cr4 & VSMM_CR4_VMXE) || (s->cr0 & need) != need)
			return WHY("VMX operation with CR0=%#" PRIx64 " CR4=%#" PRIx64
				   " (fixed bits)",
				   s->cr0, s->cr4);
	}
	if (s->guest_mode && m->vendor == VSMM_VENDOR_INTEL && !s->vmx_on)
		return WHY("VMX guest mode outside VMX operation");
	if (s->guest_mode && m->vendor == VSMM_VENDOR_AMD && !(s->efer & VSMM_EFER_SVME))
		return WHY("SVM guest mode with EFER.SVME=0");
	return NULL;
}

const char *fz_oracle_resumed(const struct vsmm_model *model,
			      const struct vsmm_cpu_state *s, const struct fz_mem *mem)
{
	const char *why;

	if ((why = oracle_cr0(s)) || (why = oracle_cr4(model, s)) ||
	    (why = oracle_efer(model, s)) || (why = oracle_misc(model, s)) ||
	    (why = oracle_pdptes(model, s, mem)) || (why = oracle_events(model, s)))
		return why;
	return NULL;
}
