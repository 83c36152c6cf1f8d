/* SPDX-License-Identifier: MIT */
/*
 * vsmm-unicorn: SMI delivery and RSM through vsmm for a Unicorn (2.0.x)
 * x86 emulation, in a few calls and with Unicorn's public API only.
 *
 *	struct vsmm_uc smm;
 *	vsmm_uc_attach(&smm, uc);             // 32- or 64-bit x86 instance
 *	vsmm_uc_set_smbase(&smm, 0x30000);    // optional: model, semantics, ...
 *	...                                   // the OS part runs, then:
 *	vsmm_uc_smi(&smm);                    // context -> SMRAM, RIP -> handler
 *	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
 *	vsmm_uc_emu_start(&smm, rip, until, 0, 0, &err);  // handler, RSM, OS
 *
 * The state-save area lives in the instance's memory at SMBASE + 0xFE00
 * (or 0xFC00, Intel's 1024-byte map), read and written with uc_mem_read /
 * uc_mem_write or with the caller's callbacks.  RSM (0F AA) executed by
 * the handler is caught by an invalid-instruction hook the helper
 * installs; vsmm checks the image and either the resumed context is loaded
 * back into the instance or the RSM is refused with a named shutdown
 * reason (smm.vcpu.last_shutdown, vsmm_reason_name()).
 *
 * What Unicorn's public API cannot carry (docs/unicorn.md): the hidden
 * descriptor caches of CS/SS/DS/ES/FS/GS (64-bit instances: flat
 * descriptors are recorded, RSM writes selectors only; 32-bit instances:
 * the descriptors are read from the GDT/LDT and RSM reloads them from
 * there), and any mode switch (the handler runs in the instance's mode; on
 * entry only RIP, RFLAGS and DR7 are loaded, and control registers written
 * on RSM are stored, not acted on, by Unicorn 2.0.1).
 *
 * This library links Unicorn (GPL-2.0): a program using it is distributed
 * under the GPL.  Its sources, like the rest of vsmm, are MIT-licensed.
 */
#ifndef VSMM_UNICORN_H
#define VSMM_UNICORN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unicorn/unicorn.h>
#include <vsmm/vsmm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* As VSMM_API, for this library (VSMM_UC_BUILDING_DLL / VSMM_UC_DLL). */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(VSMM_UC_BUILDING_DLL)
#define VSMM_UC_API __declspec(dllexport)
#elif defined(VSMM_UC_DLL)
#define VSMM_UC_API __declspec(dllimport)
#else
#define VSMM_UC_API
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define VSMM_UC_API __attribute__((visibility("default")))
#else
#define VSMM_UC_API
#endif

/*
 * Memory of the SMM address space: the same contract as read_phys and
 * write_phys of struct vsmm_platform_ops (0 or a negative value; smm is
 * true for the SMM view).  The default reads and writes the instance's
 * memory with uc_mem_read / uc_mem_write, whatever smm says.
 */
typedef int (*vsmm_uc_read_fn)(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len);
typedef int (*vsmm_uc_write_fn)(void *ctx, bool smm, uint64_t gpa, const void *buf,
				size_t len);

/*
 * One Unicorn vCPU with SMM.  Caller-owned: place it anywhere, but do not
 * move or copy it while attached (vcpu points into it and Unicorn's hook
 * holds its address).
 */
struct vsmm_uc {
	/* vsmm's vCPU: state (the last context moved through vsmm),
	 * last_shutdown, smi_count.  Read it freely; change it only through
	 * the calls below (and vsmm_smm_export/import for snapshots). */
	struct vsmm_vcpu vcpu;
	/* The model vcpu.model points to (vsmm_uc_set_model). */
	struct vsmm_model model;
	/* What ReadSaveState knows beyond the image: the flavour of the
	 * layout (set again by set_model/set_semantics), lma 0, processor 0
	 * (a single-CPU emulation).  The caller may change it. */
	struct vsmm_mm_cpu mm;

	/* private: */
	struct vsmm__uc_priv {
		uc_engine *uc;
		unsigned bits;	  /* 32 or 64: the instance's mode */
		uc_hook rsm_hook; /* UC_HOOK_INSN_INVALID */
		uc_context *undo; /* the instance before an SMI/RSM load */
		struct vsmm_platform_ops ops;
		vsmm_uc_read_fn read;
		vsmm_uc_write_fn write;
		void *mem_ctx;
		uint64_t entry; /* handler's linear address; 0: SMBASE+0x8000 */
		bool rsm_ran;	/* the hook ran an RSM since the last run */
		int rsm_status; /* and what vsmm_uc_rsm returned */
	} priv;
};

/*
 * Attach to a Unicorn x86 instance in UC_MODE_32 or UC_MODE_64: an Intel
 * model (vsmm_model_preset) with long mode for a 64-bit instance and
 * without for a 32-bit one (so KVM semantics write the amd64 and the
 * p6-32 map), KVM semantics, SMBASE 0x30000, memory through uc_mem_*, and
 * the RSM hook installed.  VSMM_E_INVAL for NULL, VSMM_E_UNSUPPORTED for
 * another architecture or mode, VSMM_E_PLATFORM if Unicorn refused the
 * hook or the context allocation (nothing is left attached).
 */
VSMM_UC_API int vsmm_uc_attach(struct vsmm_uc *smm, uc_engine *uc);
/* Remove the hook and free what attach allocated; the instance keeps its
 * registers and memory.  NULL or a detached struct is ignored. */
VSMM_UC_API void vsmm_uc_detach(struct vsmm_uc *smm);

/*
 * Settings, outside SMM only (VSMM_E_STATE in SMM; VSMM_E_INVAL for a bad
 * argument, nothing changed).  set_model copies *model (vsmm_model_preset
 * and adjust; model->layout forces a layout) and resets nothing else.
 */
VSMM_UC_API int vsmm_uc_set_model(struct vsmm_uc *smm, const struct vsmm_model *model);
VSMM_UC_API int vsmm_uc_set_semantics(struct vsmm_uc *smm, enum vsmm_semantics semantics);
VSMM_UC_API int vsmm_uc_set_smbase(struct vsmm_uc *smm, uint32_t smbase);
/* The linear address of the handler's first instruction; 0 (the default)
 * is SMBASE + 0x8000, where the processor would start it. */
VSMM_UC_API int vsmm_uc_set_entry(struct vsmm_uc *smm, uint64_t linear);
/* The caller's memory callbacks (both, or both NULL for uc_mem_*). */
VSMM_UC_API int vsmm_uc_set_memory(struct vsmm_uc *smm, vsmm_uc_read_fn read,
				   vsmm_uc_write_fn write, void *ctx);

/* Where the state-save area starts (SMBASE + 0xFE00, or + 0xFC00 for
 * intel64) and how many bytes it has. */
VSMM_UC_API uint64_t vsmm_uc_area_address(const struct vsmm_uc *smm);
VSMM_UC_API size_t vsmm_uc_area_size(const struct vsmm_uc *smm);

/*
 * Deliver an SMI now (between uc_emu_start runs, or from a hook that then
 * stops or lets the emulation continue at the new RIP): read the context
 * from the instance, vsmm_enter_smm (the area is written through the
 * memory callbacks), then load the entry: RIP = the handler's entry (as an
 * offset from the CS base the instance has), RFLAGS and DR7 of vsmm's SMM
 * entry state, the GPRs.  Returns VSMM_OK; vsmm_enter_smm's status
 * (VSMM_E_STATE in SMM or shutdown, VSMM_E_PLATFORM when the area could
 * not be written); VSMM_E_PLATFORM when Unicorn refused a register read or
 * write (then the instance and the vCPU are as before the call).
 */
VSMM_UC_API int vsmm_uc_smi(struct vsmm_uc *smm);

/*
 * RSM now (what the hook does on 0F AA in SMM): vsmm_leave_smm, then the
 * resumed context is written into the instance.  VSMM_OK; VSMM_E_UD
 * outside SMM; VSMM_E_SHUTDOWN when vsmm refused the image (the instance
 * is unchanged, vcpu.last_shutdown says why); VSMM_E_PLATFORM when Unicorn
 * refused a register write (e.g. a 32-bit selector its GDT does not
 * describe): the instance and the vCPU are then as before the call.
 */
VSMM_UC_API int vsmm_uc_rsm(struct vsmm_uc *smm);

/*
 * uc_emu_start that carries on after RSM: Unicorn stops after the RSM
 * hook, and this restarts at the resumed RIP with the same until, timeout
 * and count (each applies to each stretch between RSMs) until Unicorn
 * returns for another reason.  Returns VSMM_OK with Unicorn's result in
 * *uc_result (if non-NULL); the status of a refused RSM (VSMM_E_SHUTDOWN,
 * VSMM_E_PLATFORM), with the instance stopped at the RSM; VSMM_E_STATE
 * when the vCPU is in shutdown.  A plain uc_emu_start works too: after an
 * RSM it returns UC_ERR_OK with RIP at the resumed instruction.
 */
VSMM_UC_API int vsmm_uc_emu_start(struct vsmm_uc *smm, uint64_t begin, uint64_t until,
				  uint64_t timeout, size_t count, uc_err *uc_result);

/*
 * EFI_MM_CPU_PROTOCOL ReadSaveState / WriteSaveState on the area in the
 * instance's memory (vsmm_mm_read_save_state with smm->mm; see vsmm.h).
 * EFI_INVALID_PARAMETER also when the area cannot be read or written
 * back.  A write changes the memory only on SUCCESS.
 */
VSMM_UC_API enum vsmm_efi_status
vsmm_uc_read_save_state(struct vsmm_uc *smm, uint32_t reg, size_t width, void *buffer);
VSMM_UC_API enum vsmm_efi_status vsmm_uc_write_save_state(struct vsmm_uc *smm,
							  uint32_t reg, size_t width,
							  const void *buffer);

#ifdef __cplusplus
}
#endif

#endif /* VSMM_UNICORN_H */
