/* SPDX-License-Identifier: MIT */
/*
 * CPUID and the machine's MSRs (cpu.h).  The CPUID values are QEMU 7.2's
 * for its default q35 CPU under TCG (qemu64), as measured with
 * tests/guests/cpu.asm on qemu-system-x86_64; the MSR rules are the SDM's
 * and KVM's where QEMU's TCG is laxer (docs/engine.md lists where).
 */
#include "cpu.h"

#include <string.h>

/* CPUID.01h:EDX (SDM Vol.2A Table 3-11). */
#define EDX_FPU (1u << 0)
#define EDX_DE (1u << 2)
#define EDX_PSE (1u << 3)
#define EDX_TSC (1u << 4)
#define EDX_PAE (1u << 6)
#define EDX_MCE (1u << 7)
#define EDX_PGE (1u << 13)
#define EDX_FXSR (1u << 24)
#define EDX_SSE (1u << 25)
/* qemu64: FPU DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT
 * PSE36 CLFLUSH MMX FXSR SSE SSE2. */
#define QEMU64_1_EDX 0x078bfbfdu
#define QEMU64_1_ECX 0x80002001u /* SSE3 CX16 HYPERVISOR */
#define QEMU64_1_EAX 0x00060fb1u /* family 15, model 107, stepping 1 */
/* CPUID.80000001h: LM NX SYSCALL, plus (AMD only) the aliases of leaf 1
 * EDX bits 0-9, 12-17, 23, 24 that QEMU copies for an AMD vendor. */
#define EXT_EDX_SYSCALL (1u << 11)
#define EXT_EDX_NX (1u << 20)
#define EXT_EDX_LM (1u << 29)
#define EXT_EDX_AMD_ALIASES 0x0183f3ffu
#define EXT_ECX_LAHF_LM (1u << 0)
#define EXT_ECX_SVM (1u << 2)

/* What the engine implements of vsmm's CR4/EFER-gating features. */
#define ENGINE_FEATURES \
	(VSMM_FEAT_DE | VSMM_FEAT_PSE | VSMM_FEAT_TSC | VSMM_FEAT_PAE | VSMM_FEAT_MCE | \
	 VSMM_FEAT_PGE | VSMM_FEAT_FXSR | VSMM_FEAT_SSE | VSMM_FEAT_NX | VSMM_FEAT_SVM | \
	 VSMM_FEAT_SYSCALL | VSMM_FEAT_PCE)

void cpu_restrict_model(struct vsmm_model *model)
{
	model->features &= ENGINE_FEATURES;
	if (model->vendor != VSMM_VENDOR_AMD)
		model->features &= ~VSMM_FEAT_SVM;
	model->maxphyaddr = CPU_MAXPHYADDR;
}

static void vendor_words(const struct vsmm_model *model, uint32_t out[4])
{
	/* EBX, EDX, ECX spell the vendor string. */
	const char *v = model->vendor == VSMM_VENDOR_AMD ? "AuthenticAMD"
							 : "GenuineIntel";
	uint32_t w[3];
	for (int i = 0; i < 3; i++)
		w[i] = (uint32_t)(uint8_t)v[4 * i] |
		       (uint32_t)(uint8_t)v[4 * i + 1] << 8 |
		       (uint32_t)(uint8_t)v[4 * i + 2] << 16 |
		       (uint32_t)(uint8_t)v[4 * i + 3] << 24;
	out[1] = w[0], out[3] = w[1], out[2] = w[2];
}

static uint32_t leaf1_edx(const struct vsmm_model *model)
{
	static const struct {
		uint64_t feat;
		uint32_t bit;
	} gate[] = {
		{ VSMM_FEAT_DE, EDX_DE },     { VSMM_FEAT_PSE, EDX_PSE },
		{ VSMM_FEAT_TSC, EDX_TSC },   { VSMM_FEAT_PAE, EDX_PAE },
		{ VSMM_FEAT_MCE, EDX_MCE },   { VSMM_FEAT_PGE, EDX_PGE },
		{ VSMM_FEAT_FXSR, EDX_FXSR }, { VSMM_FEAT_SSE, EDX_SSE },
	};
	uint32_t edx = QEMU64_1_EDX;
	for (size_t i = 0; i < sizeof(gate) / sizeof(gate[0]); i++)
		if (!(model->features & gate[i].feat))
			edx &= ~gate[i].bit;
	return edx;
}

/* "QEMU Virtual CPU version 2.5+", 48 bytes with NULs, in 12 dwords. */
static void brand(uint32_t part, uint32_t out[4])
{
	static const char text[48] = "QEMU Virtual CPU version 2.5+";
	for (int r = 0; r < 4; r++) {
		const char *p = text + 16 * part + 4 * r;
		out[r] = (uint32_t)(uint8_t)p[0] | (uint32_t)(uint8_t)p[1] << 8 |
			 (uint32_t)(uint8_t)p[2] << 16 | (uint32_t)(uint8_t)p[3] << 24;
	}
}

static void basic_leaf(const struct vsmm_model *model, uint32_t leaf, uint32_t subleaf,
		       uint32_t out[4])
{
	switch (leaf) {
	case 0:
		out[0] = 0xd;
		vendor_words(model, out);
		break;
	case 1:
		out[0] = QEMU64_1_EAX;
		out[1] = 0x00000800u; /* CLFLUSH line 8 qwords, APIC ID 0 */
		out[2] = QEMU64_1_ECX;
		out[3] = leaf1_edx(model);
		break;
	case 5:
		out[2] = 3; /* MONITOR/MWAIT extensions, interrupt break */
		break;
	case 0xb: /* x2APIC topology: one thread per core, one core */
		out[1] = subleaf < 2 ? 1 : 0;
		out[2] = subleaf == 0 ? 0x100 : subleaf == 1 ? 0x201 : subleaf;
		break;
	default: break;
	}
}

static void ext_leaf(const struct vsmm_model *model, uint32_t leaf, uint32_t out[4])
{
	bool amd = model->vendor == VSMM_VENDOR_AMD;
	switch (leaf) {
	case 0x80000000:
		out[0] = 0x8000000a;
		vendor_words(model, out);
		break;
	case 0x80000001:
		out[0] = QEMU64_1_EAX;
		out[2] = EXT_ECX_LAHF_LM |
			 (model->features & VSMM_FEAT_SVM ? EXT_ECX_SVM : 0);
		out[3] = (model->long_mode ? EXT_EDX_LM : 0) |
			 (model->features & VSMM_FEAT_NX ? EXT_EDX_NX : 0) |
			 (model->features & VSMM_FEAT_SYSCALL ? EXT_EDX_SYSCALL : 0) |
			 (amd ? leaf1_edx(model) & EXT_EDX_AMD_ALIASES : 0);
		break;
	case 0x80000002:
	case 0x80000003:
	case 0x80000004: brand(leaf - 0x80000002, out); break;
	case 0x80000005: /* AMD L1 cache/TLB information, as QEMU */
		out[0] = 0x01ff01ff, out[1] = 0x01ff01ff;
		out[2] = 0x40020140, out[3] = 0x40020140;
		break;
	case 0x80000006:
		out[1] = 0x42004200, out[2] = 0x02008140, out[3] = 0x00808140;
		break;
	case 0x80000008: /* physical and linear address widths */
		out[0] = 0x3000u | model->maxphyaddr;
		break;
	case 0x8000000a: /* SVM revision 1, 16 ASIDs */
		if (model->features & VSMM_FEAT_SVM)
			out[0] = 1, out[1] = 0x10;
		break;
	default: break;
	}
}

void cpu_cpuid(const struct vsmm_model *model, uint32_t leaf, uint32_t subleaf,
	       uint32_t out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
	if (leaf >= 0x80000000u) {
		/* Beyond the highest extended leaf QEMU answers with the
		 * highest basic one (SDM: "invalid input"). */
		if (leaf > 0x8000000au)
			basic_leaf(model, 0xd, subleaf, out);
		else
			ext_leaf(model, leaf, out);
	} else if (leaf >= 0x40000000u) {
		/* QEMU TCG's hypervisor leaves: "TCGTCGTCGTCG". */
		if (leaf == 0x40000000u) {
			out[0] = 0x40000001u;
			out[1] = 0x54474354u, out[2] = 0x43544743u;
			out[3] = 0x47435447u;
		}
	} else {
		basic_leaf(model, leaf > 0xd ? 0xd : leaf, subleaf, out);
	}
}

/* ------------------------------------------------------------------ */
/* MSRs                                                                */
/* ------------------------------------------------------------------ */

void cpu_msrs_reset(struct cpu_msrs *msrs)
{
	memset(msrs, 0, sizeof(*msrs));
	msrs->apic_base = CPU_APIC_BASE_RESET;
	msrs->pat = 0x0007040600070406ull;
	msrs->misc_enable = 1; /* fast strings, QEMU's default */
}

/* Index into mtrr_fixed[] of a fixed-range MTRR, or -1. */
static int fixed_index(uint32_t index)
{
	if (index == 0x250)
		return 0;
	if (index == 0x258 || index == 0x259)
		return 1 + (int)(index - 0x258);
	if (index >= 0x268 && index <= 0x26f)
		return 3 + (int)(index - 0x268);
	return -1;
}

static bool valid_mtrr_type(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool valid_pat_type(unsigned t)
{
	return valid_mtrr_type(t) || t == 7;
}

static uint64_t phys_reserved(const struct vsmm_model *model)
{
	return ~((1ull << model->maxphyaddr) - 1);
}

bool cpu_msr_in_engine(uint32_t index)
{
	switch (index) {
	case 0x10: /* TSC */
	case 0x174:
	case 0x175:
	case 0x176: /* SYSENTER_CS/ESP/EIP */
	case 0xC0000081:
	case 0xC0000082:
	case 0xC0000083:
	case 0xC0000084: /* STAR LSTAR CSTAR FMASK */
	case 0xC0000100:
	case 0xC0000101:
	case 0xC0000102: /* FS/GS bases */
	case 0xC0000103: /* TSC_AUX */ return true;
	default: return false;
	}
}

enum cpu_msr_result cpu_rdmsr(const struct cpu_msrs *msrs, const struct vsmm_model *model,
			      const struct vsmm_cpu_state *state, uint64_t smi_count,
			      uint32_t index, uint64_t *value)
{
	int fx = fixed_index(index);
	(void)model;
	if (cpu_msr_in_engine(index))
		return CPU_MSR_ENGINE;
	if (fx >= 0) {
		*value = msrs->mtrr_fixed[fx];
		return CPU_MSR_OK;
	}
	if (index >= 0x200 && index < 0x200 + 2 * CPU_MTRR_VAR) {
		*value = msrs->mtrr_var[index - 0x200];
		return CPU_MSR_OK;
	}
	switch (index) {
	case CPU_MSR_EFER: *value = state->efer; break;
	case CPU_MSR_APIC_BASE: *value = msrs->apic_base; break;
	case CPU_MSR_SMI_COUNT: *value = smi_count; break;
	case CPU_MSR_MTRRCAP: /* VCNT 8, fixed ranges, write combining */
		*value = CPU_MTRR_VAR | (1u << 8) | (1u << 10);
		break;
	case CPU_MSR_MTRR_DEF_TYPE: *value = msrs->mtrr_def_type; break;
	case CPU_MSR_PAT: *value = msrs->pat; break;
	case CPU_MSR_MISC_ENABLE: *value = msrs->misc_enable; break;
	/* The microcode MSRs, as KVM answers them: no platform ID, and
	 * revision 1 in bits 63:32 (what MpInitLib in OVMF's PEI reads
	 * before it looks for a microcode patch). */
	case CPU_MSR_PLATFORM_ID: *value = 0; break;
	case CPU_MSR_UCODE_REV: *value = 1ull << 32; break;
	default:
		/* Unknown MSRs and IA32_SMBASE (readable by the VMM only,
		 * as in KVM) fault. */
		return CPU_MSR_GP;
	}
	return CPU_MSR_OK;
}

static enum cpu_msr_result write_efer(const struct vsmm_model *model,
				      struct vsmm_cpu_state *state, uint64_t value)
{
	uint64_t ok = VSMM_EFER_LMA;
	if (model->features & VSMM_FEAT_SYSCALL)
		ok |= VSMM_EFER_SCE;
	if (model->long_mode)
		ok |= VSMM_EFER_LME;
	if (model->features & VSMM_FEAT_NX)
		ok |= VSMM_EFER_NXE;
	if (model->features & VSMM_FEAT_SVM)
		ok |= VSMM_EFER_SVME;
	if (value & ~ok)
		return CPU_MSR_GP;
	/* LME cannot change while paging is on (SDM Vol.3A 9.8.5). */
	if ((state->cr0 & VSMM_CR0_PG) && ((value ^ state->efer) & VSMM_EFER_LME))
		return CPU_MSR_GP;
	/* LMA is the processor's: writes to it are ignored. */
	state->efer = (value & ~VSMM_EFER_LMA) | (state->efer & VSMM_EFER_LMA);
	return CPU_MSR_OK;
}

static bool valid_fixed(uint64_t v)
{
	for (int i = 0; i < 8; i++)
		if (!valid_mtrr_type((unsigned)(v >> (8 * i)) & 0xff))
			return false;
	return true;
}

enum cpu_msr_result cpu_wrmsr(struct cpu_msrs *msrs, const struct vsmm_model *model,
			      struct vsmm_cpu_state *state, uint32_t index,
			      uint64_t value)
{
	int fx = fixed_index(index);
	if (cpu_msr_in_engine(index))
		return CPU_MSR_ENGINE;
	if (fx >= 0) {
		if (!valid_fixed(value))
			return CPU_MSR_GP;
		msrs->mtrr_fixed[fx] = value;
		return CPU_MSR_OK;
	}
	if (index >= 0x200 && index < 0x200 + 2 * CPU_MTRR_VAR) {
		bool mask = index & 1;
		uint64_t rsvd = phys_reserved(model) | (mask ? 0x7ffull : 0xf00ull);
		if ((value & rsvd) || (!mask && !valid_mtrr_type((unsigned)value & 0xff)))
			return CPU_MSR_GP;
		msrs->mtrr_var[index - 0x200] = value;
		return CPU_MSR_OK;
	}
	switch (index) {
	case CPU_MSR_EFER: return write_efer(model, state, value);
	case CPU_MSR_APIC_BASE:
		/* Bits 0-7, 9 and 10 (x2APIC: not in CPUID) and those above
		 * MAXPHYADDR are reserved; BSP is read only. */
		if (value & (phys_reserved(model) | 0x6ffull))
			return CPU_MSR_GP;
		msrs->apic_base = (value & ~0x100ull) | (msrs->apic_base & 0x100ull);
		return CPU_MSR_OK;
	case CPU_MSR_MTRR_DEF_TYPE:
		if ((value & ~0xcffull) || !valid_mtrr_type((unsigned)value & 0xff))
			return CPU_MSR_GP;
		msrs->mtrr_def_type = value;
		return CPU_MSR_OK;
	case CPU_MSR_PAT:
		for (int i = 0; i < 8; i++)
			if (!valid_pat_type((unsigned)(value >> (8 * i)) & 0xff))
				return CPU_MSR_GP;
		msrs->pat = value;
		return CPU_MSR_OK;
	case CPU_MSR_MISC_ENABLE: msrs->misc_enable = value; return CPU_MSR_OK;
	/* Loading microcode, and clearing the revision before CPUID (the
	 * SDM's way to read it back), do nothing, as on KVM. */
	case CPU_MSR_UCODE_WRITE:
	case CPU_MSR_UCODE_REV: return CPU_MSR_OK;
	default:
		/* MTRRCAP, MSR_SMI_COUNT and IA32_SMBASE are not writable
		 * by the guest; unknown MSRs fault. */
		return CPU_MSR_GP;
	}
}
