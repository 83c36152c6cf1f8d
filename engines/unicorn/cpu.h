/* SPDX-License-Identifier: MIT */
/*
 * The CPU model the `vsmm run` guest sees through CPUID, RDMSR and WRMSR
 * (issue 10, item 1).  Unicorn 2.0.1 reports its own CPUID bits and keeps
 * only a few MSRs, so the machine answers CPUID from a UC_HOOK_INSN hook
 * and emulates RDMSR/WRMSR itself: the code hook sees the two opcode bytes
 * (0F 32 / 0F 30) before they execute, stops the engine, and the run loop
 * calls cpu_msr_insn() (docs/engine.md, "CPU model").
 *
 * The model is QEMU 7.2's default q35 CPU (qemu64, TCG) with the vendor of
 * --model, restricted to what vsmm's model preset has: the features that
 * gate CR4 and EFER bits are the same for CPUID, for WRMSR EFER and for
 * vsmm's RSM checks (cpu_restrict_model).
 */
#ifndef VSMM_ENGINE_CPU_H
#define VSMM_ENGINE_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "vsmm/vsmm.h"

#define CPU_MSR_PLATFORM_ID 0x17u
#define CPU_MSR_APIC_BASE 0x1Bu
#define CPU_MSR_UCODE_WRITE 0x79u
#define CPU_MSR_UCODE_REV 0x8Bu
#define CPU_MSR_SMI_COUNT 0x34u
#define CPU_MSR_SMBASE 0x9Eu
#define CPU_MSR_MTRRCAP 0xFEu
#define CPU_MSR_MISC_ENABLE 0x1A0u
#define CPU_MSR_PAT 0x277u
#define CPU_MSR_MTRR_DEF_TYPE 0x2FFu
#define CPU_MSR_EFER 0xC0000080u

#define CPU_APIC_BASE_RESET 0xFEE00900ull /* base 0xFEE00000, EN, BSP */
#define CPU_MTRR_VAR 8u			  /* MTRRCAP.VCNT, as QEMU */
#define CPU_MTRR_FIXED 11u
#define CPU_MAXPHYADDR 40u /* QEMU TCG's phys-bits */

/* The MSRs the machine keeps itself (the engine keeps the others it
 * implements: TSC, SYSENTER_*, STAR/LSTAR/CSTAR/FMASK, FS/GS bases,
 * TSC_AUX). */
struct cpu_msrs {
	uint64_t apic_base;
	uint64_t mtrr_def_type;
	uint64_t mtrr_var[2 * CPU_MTRR_VAR]; /* PHYSBASEn, PHYSMASKn */
	uint64_t mtrr_fixed[CPU_MTRR_FIXED];
	uint64_t pat;
	uint64_t misc_enable;
};

/* RESET values (SDM Vol.3A 9.1 Table 9-1; QEMU's x86_cpu_reset). */
void cpu_msrs_reset(struct cpu_msrs *msrs);

/* Drop from a vsmm model preset what the engine's CPU does not have, so
 * that vsmm's checks and the guest's CPUID agree. */
void cpu_restrict_model(struct vsmm_model *model);

/* CPUID leaf/subleaf of that model (eax, ebx, ecx, edx). */
void cpu_cpuid(const struct vsmm_model *model, uint32_t leaf, uint32_t subleaf,
	       uint32_t out[4]);

/* What an emulated RDMSR/WRMSR did. */
enum cpu_msr_result {
	CPU_MSR_OK = 0,
	CPU_MSR_GP,	/* #GP(0): the instruction does not complete */
	CPU_MSR_ENGINE, /* pass through to the engine's own MSR */
};

/*
 * The MSR side of RDMSR/WRMSR.  state is the vCPU (EFER and CR0.PG are
 * read, EFER written); smi_count is the number of SMIs delivered so far.
 * Does not touch the engine: CPU_MSR_ENGINE means the caller forwards it.
 */
enum cpu_msr_result cpu_rdmsr(const struct cpu_msrs *msrs, const struct vsmm_model *model,
			      const struct vsmm_cpu_state *state, uint64_t smi_count,
			      uint32_t index, uint64_t *value);
enum cpu_msr_result cpu_wrmsr(struct cpu_msrs *msrs, const struct vsmm_model *model,
			      struct vsmm_cpu_state *state, uint32_t index,
			      uint64_t value);

/* Is this MSR one the engine implements (pass-through)? */
bool cpu_msr_in_engine(uint32_t index);

#endif /* VSMM_ENGINE_CPU_H */
