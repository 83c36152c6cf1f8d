/* SPDX-License-Identifier: MIT */
/*
 * vsmm: a portable x86 System Management Mode engine.
 *
 * This is the one public header. It gives a VMM or emulator what Linux KVM,
 * QEMU and Bochs keep welded inside themselves: SMI delivery (enter SMM and
 * save the vCPU into the SMRAM state-save area) and RSM (leave SMM and load
 * the vCPU back from that area), with the architectural checks that decide
 * whether RSM resumes the interrupted context or shuts the vCPU down.
 *
 * Ground rules of the API:
 *  - Caller-owned memory.  The core never allocates, keeps no globals, does
 *    no I/O and never aborts.  Every object is a plain struct the caller
 *    places wherever it likes (stack, vCPU struct, shared memory).
 *  - Everything fallible returns an int: VSMM_OK (0) or a negative
 *    VSMM_E_* status from one table (VSMM_STATUS_MAP below).
 *  - A save-state image is guest-written and hostile.  Every byte of it is
 *    read through bounds-checked little-endian helpers; an image that cannot
 *    be loaded ends in a named shutdown reason (VSMM_REASON_MAP below), never
 *    in a half-loaded vCPU.
 *  - One build serves every CPU model, layout and semantics at run time.
 *
 * Naming: public symbols are vsmm_ / VSMM_, internal non-static ones
 * vsmm__, static helpers are unprefixed.
 */
#ifndef VSMM_VSMM_H
#define VSMM_VSMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VSMM_VERSION_MAJOR 0
#define VSMM_VERSION_MINOR 1
#define VSMM_VERSION_PATCH 0
#define VSMM_VERSION_STRING "0.1.0"
/* The version as one number, (MAJOR << 16) | (MINOR << 8) | PATCH, for
 * comparisons: #if VSMM_VERSION_NUMBER >= 0x000100. */
#define VSMM_VERSION_NUMBER \
	((VSMM_VERSION_MAJOR << 16) | (VSMM_VERSION_MINOR << 8) | VSMM_VERSION_PATCH)

/*
 * VSMM_API marks the library's exported functions.  The library is built
 * with hidden visibility (every internal vsmm__ symbol stays inside it);
 * on Windows a DLL build defines VSMM_BUILDING_DLL and its users VSMM_DLL.
 */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(VSMM_BUILDING_DLL)
#define VSMM_API __declspec(dllexport)
#elif defined(VSMM_DLL)
#define VSMM_API __declspec(dllimport)
#else
#define VSMM_API
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define VSMM_API __attribute__((visibility("default")))
#else
#define VSMM_API
#endif

/*
 * The version of the library actually loaded, which may be newer than the
 * header a program was compiled with (VSMM_VERSION_STRING/NUMBER above):
 * "MAJOR.MINOR.PATCH", never NULL, and the same as one number.  While the
 * version is below 1.0 every MINOR release has its own SONAME
 * (libvsmm.so.0.MINOR), so a program runs only with the MINOR it was
 * linked against; the PATCH may differ (CHANGELOG.md, stability policy).
 */
VSMM_API const char *vsmm_version(void);
VSMM_API uint32_t vsmm_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

/*
 * X(NAME, value, "sentence a person can read").  The single list generates
 * enum vsmm_status, vsmm_status_name() and vsmm_strerror().
 */
/* clang-format off */
#define VSMM_STATUS_MAP(X)                                                     \
	X(OK, 0, "success")                                                    \
	X(E_INVAL, -1, "invalid argument (NULL pointer, bad enum value or "    \
		       "length)")                                              \
	X(E_UD, -2, "RSM executed outside SMM: the instruction raises #UD")    \
	X(E_SHUTDOWN, -3, "RSM could not load the state-save image: the vCPU " \
			  "entered shutdown (triple fault); see the reason")  \
	X(E_PLATFORM, -4, "a platform callback (memory or nested-state "       \
			  "access) reported a failure")                        \
	X(E_LAYOUT, -5, "unknown save-state layout or revision identifier")    \
	X(E_BUFSIZE, -6, "buffer too small or of the wrong size for the "      \
			 "save-state layout")                                  \
	X(E_STATE, -7, "the operation is not possible in the vCPU's current "  \
		       "state (e.g. SMI delivery while already in SMM or in "  \
		       "shutdown)")                                            \
	X(E_INCONSISTENT, -8, "imported SMM state is inconsistent and was "    \
			      "refused; nothing was changed")                  \
	X(E_UNSUPPORTED, -9, "the CPU model does not support this "            \
			     "operation or layout")                            \
	X(E_VENDOR, -10, "the vendor (VMX/SVM) step of SMI delivery failed "   \
			 "in the embedding VMM")                               \
	X(E_NO_MEMORY, -11, "the image holds no hidden segment state (an "     \
			    "Intel map without vsmm's records) and there is "  \
			    "no platform memory to read the descriptor "       \
			    "tables from: RSM's outcome cannot be decided")
/* clang-format on */

enum vsmm_status {
#define VSMM__STATUS_ENUM(name, value, text) VSMM_##name = (value),
	VSMM_STATUS_MAP(VSMM__STATUS_ENUM)
#undef VSMM__STATUS_ENUM
};

/* "VSMM_E_UD" style name of a status; "VSMM_E_UNKNOWN" for values not in the table. */
VSMM_API const char *vsmm_status_name(int status);
/* The sentence of a status; never NULL. */
VSMM_API const char *vsmm_strerror(int status);

/* ------------------------------------------------------------------------ */
/* Shutdown reasons                                                          */
/* ------------------------------------------------------------------------ */

/*
 * Why an RSM ended in shutdown.  X(NAME, "sentence", "manual reference").
 * One table generates enum vsmm_reason, vsmm_reason_name(),
 * vsmm_reason_text() and vsmm_reason_ref().  The core's implementation
 * (src/status.c) is the only place that expands it; docs/reasons.md is
 * generated from it.  Names are stable: scripts match on them.
 */
/* clang-format off */
#define VSMM_REASON_MAP(X)                                                     \
	X(NONE, "no shutdown", "-")                                            \
	X(SMRAM_READ, "the state-save area could not be read from the SMM "    \
		      "address space", "KVM emulator_leave_smm step 1")        \
	X(CR0_HIGH, "CR0 bits 63:32 are set", "SDM Vol.3A 2.5; KVM kvm_set_cr0") \
	X(CR0_NW_NO_CD, "CR0.NW=1 with CR0.CD=0 is an illegal combination",    \
		"SDM Vol.3A 2.5 (MOV CR0 #GP); SDM Vol.2 RSM")                   \
	X(CR0_PG_NO_PE, "CR0.PG=1 with CR0.PE=0 is an illegal combination",    \
		"SDM Vol.3A 2.5 (MOV CR0 #GP); SDM Vol.2 RSM")                   \
	X(CR0_PG_LME_NO_PAE, "enabling paging with EFER.LME=1 requires "       \
		"CR4.PAE=1", "SDM Vol.3A 10.8.5 (IA-32e initialization)")        \
	X(CR0_VMX_FIXED, "in VMX operation CR0 must satisfy the VMX fixed "    \
		"bits (PE, NE and PG set)", "SDM Vol.3D A.7 (IA32_VMX_CR0_FIXED0)") \
	X(CR3_RESERVED, "CR3 has bits set above MAXPHYADDR", "SDM Vol.3A 4.5") \
	X(CR4_RESERVED, "CR4 has an architecturally reserved bit set",         \
		"SDM Vol.3A 2.5")                                                \
	X(CR4_UNSUPPORTED, "CR4 enables a feature the CPU model does not "     \
		"have", "SDM Vol.3A 2.5 (CPUID-gated CR4 bits)")                 \
	X(CR4_VMXE_IN_SMM, "CR4.VMXE=1 cannot be set while in SMM under the "  \
		"default treatment of SMM", "SDM Vol.3C 33.14.1; KVM vmx_set_cr4") \
	X(CR4_VMX_FIXED, "in VMX operation CR4.VMXE must stay set",            \
		"SDM Vol.3D A.8 (IA32_VMX_CR4_FIXED0)")                          \
	X(CR4_PCIDE_NO_LMA, "CR4.PCIDE=1 requires IA-32e mode (EFER.LMA=1)",   \
		"SDM Vol.3A 4.10.1; SDM Vol.2 MOV CR")                           \
	X(CR4_PCIDE_CR3, "CR4.PCIDE cannot be set while CR3[11:0] is "         \
		"non-zero", "SDM Vol.2 MOV CR")                                  \
	X(CR4_PAE_IN_LM, "CR4.PAE cannot be cleared while long mode is "       \
		"active", "SDM Vol.2 MOV CR")                                    \
	X(CR4_LA57_IN_LM, "CR4.LA57 cannot change while long mode is active",  \
		"SDM Vol.2 MOV CR")                                              \
	X(EFER_RESERVED, "EFER has a reserved bit set",                        \
		"SDM Vol.4 IA32_EFER; APM Vol.2 3.1.7")                          \
	X(EFER_UNSUPPORTED, "EFER enables a feature the CPU model does not "   \
		"have (LME without LM, NXE without NX, SVME without SVM, "       \
		"FFXSR without FFXSR)", "APM Vol.2 3.1.7")                       \
	X(PDPTE_RESERVED, "a present PAE page-directory-pointer entry has "    \
		"reserved bits set", "SDM Vol.3A 4.4.1")                         \
	X(PDPTE_READ, "the PAE page-directory-pointer table could not be "     \
		"read", "SDM Vol.3A 4.4.1")                                      \
	X(DR6_HIGH, "DR6 bits 63:32 are set", "SDM Vol.3B 18.2.3")             \
	X(DR7_HIGH, "DR7 bits 63:32 are set", "SDM Vol.3B 18.2.4")             \
	X(LMA_INCONSISTENT, "EFER.LMA=1 in the image requires CR0.PE, "        \
		"CR0.PG, CR4.PAE and EFER.LME all set, and they all set "        \
		"require LMA=1", "SDM Vol.2 RSM Operation")                      \
	X(RFLAGS_VM_IN_LM, "RFLAGS.VM=1 is illegal in IA-32e mode",            \
		"SDM Vol.2 RSM Operation")                                       \
	X(CR4_VMXE_IMAGE, "the CR4 image has VMXE=1; hardware restores VMXE "  \
		"from its internal record only", "SDM Vol.3C 33.14.1; SDM Vol.2 RSM") \
	X(SVM_NOT_SUPPORTED, "the image resumes a nested SVM guest but the "   \
		"CPU model has no SVM", "KVM svm_leave_smm; APM Vol.2 10.3.2")   \
	X(SVM_SVME_CLEAR, "the image resumes a nested SVM guest but its "      \
		"EFER.SVME is 0", "KVM svm_leave_smm")                           \
	X(NESTED_REENTRY, "the VMM could not re-enter the nested guest",       \
		"KVM vmx_leave_smm / svm_leave_smm")                             \
	X(SMM_CHANGED, "the VMM failed to switch the address space out of "    \
		"SMM", "KVM kvm_smm_changed")                                    \
	X(RIP_NONCANONICAL, "RIP is not canonical in 64-bit mode",             \
		"SDM Vol.3C \"Checks on Guest RIP, RFLAGS, and SSP\"")           \
	X(CS_L_AND_D, "a 64-bit code segment (CS.L=1 in IA-32e mode) must "   \
		"have CS.D=0", "SDM Vol.3C \"Checks on Guest Segment "           \
		"Registers\"; APM Vol.2 15.5.1 (VMRUN)")                         \
	X(SEG_BASE_HIGH, "the base of CS, or of a usable SS, DS or ES, has "   \
		"bits 63:32 set", "SDM Vol.3C \"Checks on Guest Segment "        \
		"Registers\"")                                                   \
	X(SEG_BASE_NONCANONICAL, "the base of FS, GS, TR or a usable LDTR is " \
		"not canonical", "SDM Vol.3C \"Checks on Guest Segment "         \
		"Registers\"")                                                   \
	X(DTABLE_BASE_NONCANONICAL, "the GDTR or IDTR base is not canonical",  \
		"SDM Vol.3C \"Checks on Guest Descriptor-Table Registers\"")    \
	X(BASE_ABOVE_4G, "a segment or descriptor-table base is above 4 GiB "  \
		"on a CPU model without long mode", "SDM Vol.3A 3.4.3 "          \
		"(32-bit segment base addresses)")                               \
	X(SEG_LIMIT_GRANULARITY, "a segment limit disagrees with its G bit "   \
		"(G=1 needs limit bits 11:0 set, G=0 needs bits 31:20 clear)",   \
		"SDM Vol.3C \"Checks on Guest Segment Registers\"")             \
	X(CS_ATTR, "CS is not a present code segment (or a DPL-0 read/write "  \
		"data segment) whose DPL agrees with SS.DPL",                    \
		"SDM Vol.3C \"Checks on Guest Segment Registers\"")             \
	X(SS_ATTR, "a usable SS is not a read/write data segment, or SS.DPL "  \
		"is not 0 with CR0.PE=0 or a data-segment CS",                   \
		"SDM Vol.3C \"Checks on Guest Segment Registers\"")             \
	X(DATA_SEG_ATTR, "a usable DS, ES, FS or GS is neither a data "        \
		"segment nor a readable code segment",                           \
		"SDM Vol.3C \"Checks on Guest Segment Registers\"")             \
	X(TR_ATTR, "TR is not a present busy TSS of the mode's width with a "  \
		"GDT selector", "SDM Vol.3C \"Checks on Guest Segment "          \
		"Registers\"")                                                   \
	X(LDTR_ATTR, "a usable LDTR is not a present LDT descriptor with a "   \
		"GDT selector", "SDM Vol.3C \"Checks on Guest Segment "          \
		"Registers\"")                                                   \
	X(HLT_NOT_CPL0, "auto-HALT restart would halt a context whose "        \
		"SS.DPL is not 0", "SDM Vol.3C \"Checks on Guest Non-Register "  \
		"State\"; SDM Vol.2 HLT")                                         \
	X(DESC_READ, "a descriptor an image without hidden segment state "     \
		"needs (or a page-table entry on the way to it) could not be "  \
		"read through the platform", "SDM Vol.3A \"Segment "             \
		"Descriptors\", \"Paging\"; docs/compat.md")                     \
	X(DESC_LIMIT, "a selector of an image without hidden segment state "   \
		"points outside its descriptor table (GDT, or an unusable or "  \
		"too short LDT)", "SDM Vol.3A \"Segment Selectors\" (#GP on a "  \
		"segment load); docs/compat.md")                                 \
	X(DESC_NOT_PRESENT, "a selector of an image without hidden segment "   \
		"state names a descriptor that is not present",                 \
		"SDM Vol.3A \"Segment Descriptors\" (#NP/#SS on a segment "      \
		"load); docs/compat.md")
/* clang-format on */

enum vsmm_reason {
#define VSMM__REASON_ENUM(name, text, ref) VSMM_REASON_##name,
	VSMM_REASON_MAP(VSMM__REASON_ENUM)
#undef VSMM__REASON_ENUM
		VSMM_REASON_COUNT
};

/* "CR4_VMXE_IN_SMM" style name; "UNKNOWN" outside the table. */
VSMM_API const char *vsmm_reason_name(enum vsmm_reason reason);
/* The sentence a person reads; never NULL. */
VSMM_API const char *vsmm_reason_text(enum vsmm_reason reason);
/* Where the rule comes from (manual section or KVM function); never NULL. */
VSMM_API const char *vsmm_reason_ref(enum vsmm_reason reason);
/* Look a reason up by its name; returns VSMM_REASON_COUNT if unknown. */
VSMM_API enum vsmm_reason vsmm_reason_from_name(const char *name);

/* What a shutdown was about: the rule, and the field that broke it. */
struct vsmm_shutdown {
	enum vsmm_reason reason;
	const char *field; /* manual name of the image field, or NULL */
	uint16_t offset;   /* its offset as the manual writes it (0x7Exx..), 0 if none */
	uint64_t value;	   /* the offending value */
};

/* ------------------------------------------------------------------------ */
/* Architectural state                                                       */
/* ------------------------------------------------------------------------ */

/* General-purpose registers in x86 encoding order. */
enum vsmm_gpr {
	VSMM_RAX,
	VSMM_RCX,
	VSMM_RDX,
	VSMM_RBX,
	VSMM_RSP,
	VSMM_RBP,
	VSMM_RSI,
	VSMM_RDI,
	VSMM_R8,
	VSMM_R9,
	VSMM_R10,
	VSMM_R11,
	VSMM_R12,
	VSMM_R13,
	VSMM_R14,
	VSMM_R15,
	VSMM_GPR_COUNT
};

/*
 * Segment registers (KVM's VCPU_SREG order for the first six):
 * X(NAME, name) with the enum suffix and the lower-case name every tool
 * prints and reads ("es" .. "tr": the CLI's JSON keys, vsmm run --trace).
 */
/* clang-format off */
#define VSMM_SREG_MAP(X)                                                       \
	X(ES, es) X(CS, cs) X(SS, ss) X(DS, ds) X(FS, fs) X(GS, gs)            \
	X(LDTR, ldtr) X(TR, tr)
/* clang-format on */

enum vsmm_sreg {
#define VSMM__SREG_ENUM(NAME, name) VSMM_##NAME,
	VSMM_SREG_MAP(VSMM__SREG_ENUM)
#undef VSMM__SREG_ENUM
		VSMM_SREG_COUNT
};

/* The names of VSMM_SREG_MAP as an initialiser, in enum order:
 * static const char *const names[VSMM_SREG_COUNT] = VSMM_SREG_NAMES; */
#define VSMM__SREG_STR(NAME, name) #name,
#define VSMM_SREG_NAMES \
	{ \
		VSMM_SREG_MAP(VSMM__SREG_STR) \
	}

/*
 * Segment attribute word: the 16-bit "access rights" layout used by the
 * AMD64 save-state map, VMCB and VMCS (descriptor high dword bits 8..23
 * shifted right by 8).
 */
#define VSMM_SEG_TYPE_MASK 0x000fu /* bits 0-3: type */
#define VSMM_SEG_S (1u << 4)	   /* code/data (1) or system (0) */
#define VSMM_SEG_DPL_SHIFT 5	   /* bits 5-6 */
#define VSMM_SEG_DPL_MASK (3u << 5)
#define VSMM_SEG_P (1u << 7) /* present */
#define VSMM_SEG_AVL (1u << 12)
#define VSMM_SEG_L (1u << 13)	   /* 64-bit code */
#define VSMM_SEG_DB (1u << 14)	   /* default operand size / big */
#define VSMM_SEG_G (1u << 15)	   /* granularity */
#define VSMM_SEG_ATTR_MASK 0xf0ffu /* the bits that exist */

/* A segment register with its hidden descriptor cache. */
struct vsmm_seg {
	uint16_t selector;
	uint16_t attr;	/* VSMM_SEG_* bits */
	uint32_t limit; /* byte-granular limit as the cache holds it */
	uint64_t base;
};

/* GDTR or IDTR. */
struct vsmm_dtable {
	uint64_t base;
	uint32_t limit; /* 16 bits architecturally; wider values are kept as given */
};

/* Interrupt-shadow bits (KVM_X86_SHADOW_INT_*). */
#define VSMM_SHADOW_MOV_SS 0x01u
#define VSMM_SHADOW_STI 0x02u

/* Control-register bits the library reasons about. */
#define VSMM_CR0_PE (1ull << 0)
#define VSMM_CR0_MP (1ull << 1)
#define VSMM_CR0_EM (1ull << 2)
#define VSMM_CR0_TS (1ull << 3)
#define VSMM_CR0_ET (1ull << 4)
#define VSMM_CR0_NE (1ull << 5)
#define VSMM_CR0_WP (1ull << 16)
#define VSMM_CR0_AM (1ull << 18)
#define VSMM_CR0_NW (1ull << 29)
#define VSMM_CR0_CD (1ull << 30)
#define VSMM_CR0_PG (1ull << 31)

#define VSMM_CR4_VME (1ull << 0)
#define VSMM_CR4_PVI (1ull << 1)
#define VSMM_CR4_TSD (1ull << 2)
#define VSMM_CR4_DE (1ull << 3)
#define VSMM_CR4_PSE (1ull << 4)
#define VSMM_CR4_PAE (1ull << 5)
#define VSMM_CR4_MCE (1ull << 6)
#define VSMM_CR4_PGE (1ull << 7)
#define VSMM_CR4_PCE (1ull << 8)
#define VSMM_CR4_OSFXSR (1ull << 9)
#define VSMM_CR4_OSXMMEXCPT (1ull << 10)
#define VSMM_CR4_UMIP (1ull << 11)
#define VSMM_CR4_LA57 (1ull << 12)
#define VSMM_CR4_VMXE (1ull << 13)
#define VSMM_CR4_SMXE (1ull << 14)
#define VSMM_CR4_FSGSBASE (1ull << 16)
#define VSMM_CR4_PCIDE (1ull << 17)
#define VSMM_CR4_OSXSAVE (1ull << 18)
#define VSMM_CR4_SMEP (1ull << 20)
#define VSMM_CR4_SMAP (1ull << 21)
#define VSMM_CR4_PKE (1ull << 22)
#define VSMM_CR4_CET (1ull << 23)
#define VSMM_CR4_PKS (1ull << 24)

#define VSMM_EFER_SCE (1ull << 0)
#define VSMM_EFER_LME (1ull << 8)
#define VSMM_EFER_LMA (1ull << 10)
#define VSMM_EFER_NXE (1ull << 11)
#define VSMM_EFER_SVME (1ull << 12)
#define VSMM_EFER_LMSLE (1ull << 13)
#define VSMM_EFER_FFXSR (1ull << 14)
#define VSMM_EFER_TCE (1ull << 15)

#define VSMM_RFLAGS_FIXED (1ull << 1)
#define VSMM_RFLAGS_IF (1ull << 9)
#define VSMM_RFLAGS_VM (1ull << 17)

#define VSMM_DR6_FIXED_1 0xffff0ff0ull
#define VSMM_DR7_FIXED_1 0x00000400ull

#define VSMM_DEFAULT_SMBASE 0x30000u	/* after RESET */
#define VSMM_SMM_HANDLER_OFFSET 0x8000u /* RIP on SMM entry */

/*
 * The architectural state of one vCPU, plus the event state around SMM.
 * Plain data the VMM copies in from its vCPU before an SMI/RSM and back out
 * afterwards.  Every field is architectural or an event flag the VMM
 * already has (KVM's kvm_regs, kvm_sregs and kvm_vcpu_events).
 */
struct vsmm_cpu_state {
	uint64_t gpr[VSMM_GPR_COUNT]; /* enum vsmm_gpr order */
	uint64_t rip;
	uint64_t rflags;
	uint64_t cr0, cr2, cr3, cr4;
	uint64_t efer;
	uint64_t dr6, dr7;
	struct vsmm_seg seg[VSMM_SREG_COUNT]; /* enum vsmm_sreg order */
	struct vsmm_dtable gdtr, idtr;
	uint32_t smbase;

	/* Event state (kvm_vcpu_events.smi, nmi.masked, interrupt.shadow). */
	bool smm;	     /* in System Management Mode */
	bool nmi_masked;     /* NMIs blocked */
	bool smm_inside_nmi; /* NMIs were already blocked when the SMI arrived */
	bool smi_pending;    /* an SMI waits for delivery (collapses to one) */
	bool init_latched;   /* an INIT arrived in SMM and waits for RSM */
	bool nmi_pending;    /* an NMI waits for delivery */
	bool shutdown;	     /* the vCPU is in shutdown (triple fault) */
	bool halted;	     /* in the HLT state (drives auto-HALT restart) */
	uint8_t int_shadow;  /* VSMM_SHADOW_* bits */

	/* Nested virtualization as the VMM reports it. */
	bool vmx_on;	     /* Intel: in VMX operation (after VMXON) */
	bool guest_mode;     /* running a nested guest (VMX non-root / SVM L2) */
	uint64_t svm_vmcb12; /* AMD: GPA of the nested guest's VMCB in guest_mode */
};

/* The architectural reset state (SDM Vol.3A 10.1.1): CS F000/FFFF0000,
 * IP FFF0, CR0 0x60000010, SMBASE 0x30000, everything else cleared. */
VSMM_API void vsmm_cpu_state_reset(struct vsmm_cpu_state *state);

/* ------------------------------------------------------------------------ */
/* CPU model                                                                 */
/* ------------------------------------------------------------------------ */

enum vsmm_vendor {
	VSMM_VENDOR_INTEL, /* VMX */
	VSMM_VENDOR_AMD,   /* SVM */
};

/* CPUID features that gate CR4/EFER bits. */
#define VSMM_FEAT_VME (1ull << 0)
#define VSMM_FEAT_DE (1ull << 1)
#define VSMM_FEAT_PSE (1ull << 2)
#define VSMM_FEAT_TSC (1ull << 3) /* gates CR4.TSD */
#define VSMM_FEAT_PAE (1ull << 4)
#define VSMM_FEAT_MCE (1ull << 5)
#define VSMM_FEAT_PGE (1ull << 6)
#define VSMM_FEAT_FXSR (1ull << 7) /* gates CR4.OSFXSR */
#define VSMM_FEAT_SSE (1ull << 8)  /* gates CR4.OSXMMEXCPT */
#define VSMM_FEAT_UMIP (1ull << 9)
#define VSMM_FEAT_LA57 (1ull << 10)
#define VSMM_FEAT_VMX (1ull << 11)
#define VSMM_FEAT_SMX (1ull << 12)
#define VSMM_FEAT_FSGSBASE (1ull << 13)
#define VSMM_FEAT_PCID (1ull << 14)
#define VSMM_FEAT_XSAVE (1ull << 15) /* gates CR4.OSXSAVE */
#define VSMM_FEAT_SMEP (1ull << 16)
#define VSMM_FEAT_SMAP (1ull << 17)
#define VSMM_FEAT_PKU (1ull << 18) /* gates CR4.PKE */
#define VSMM_FEAT_CET (1ull << 19)
#define VSMM_FEAT_PKS (1ull << 20)
#define VSMM_FEAT_NX (1ull << 21)      /* gates EFER.NXE */
#define VSMM_FEAT_SVM (1ull << 22)     /* gates EFER.SVME */
#define VSMM_FEAT_FFXSR (1ull << 23)   /* gates EFER.FFXSR */
#define VSMM_FEAT_SYSCALL (1ull << 24) /* gates EFER.SCE */
#define VSMM_FEAT_PCE (1ull << 25)     /* always present on P6+; gates CR4.PCE */

/* Save-state layouts. */
enum vsmm_layout {
	VSMM_LAYOUT_AUTO =
		0,	   /* model: from long_mode (KVM); image: from the revision id */
	VSMM_LAYOUT_P6_32, /* 32-bit P6 map, revision 0x00020000 (KVM, QEMU i386) */
	VSMM_LAYOUT_AMD64, /* AMD64 map, revision 0x00020064 (KVM, QEMU x86_64, OVMF) */
	VSMM_LAYOUT_INTEL64, /* Intel's native 64-bit map (EDK2 SMRAM_SAVE_STATE_MAP64) */
	VSMM_LAYOUT_COUNT
};

/* Which rules govern SMI and RSM (per vCPU). */
enum vsmm_semantics {
	VSMM_SEMANTICS_KVM = 0,	 /* Linux KVM's behaviour (the default) */
	VSMM_SEMANTICS_HARDWARE, /* Intel SDM / AMD APM processor behaviour */
	VSMM_SEMANTICS_COUNT
};

/* A description of the virtual CPU.  Plain data; fill it with
 * vsmm_model_preset() and adjust. */
struct vsmm_model {
	enum vsmm_vendor vendor;
	bool long_mode; /* CPUID.80000001h:EDX.LM; selects the layout under AUTO */
	enum vsmm_layout layout; /* VSMM_LAYOUT_AUTO, or force one */
	uint8_t maxphyaddr;	 /* physical address width, 32..52 */
	uint64_t features;	 /* VSMM_FEAT_* */
};

/*
 * A modern CPU of that vendor: PAE, PSE, PGE, PCID, NX, SMEP, SMAP,
 * FSGSBASE, XSAVE, UMIP, PKU, SYSCALL, FXSR/SSE, VME/DE/TSC/MCE/PCE, and VMX
 * (Intel) or SVM and FFXSR (AMD); LA57 is off.  MAXPHYADDR 46 (Intel) or
 * 48 (AMD).  long_mode=false gives the same vendor without long mode (and
 * without PCID, which needs it), as KVM does when CPUID lacks LM.
 */
VSMM_API int vsmm_model_preset(struct vsmm_model *model, enum vsmm_vendor vendor,
			       bool long_mode);

/*
 * The names of vendors and semantics, as `vsmm --model` / `--semantics`
 * take them and `--trace` prints them: "intel", "amd"; "kvm", "hardware".
 * *_name() returns NULL for a value out of range; *_from_name() returns
 * VSMM_OK, or VSMM_E_INVAL for a NULL argument or a name it does not know
 * (exact, case-sensitive match).
 */
VSMM_API const char *vsmm_vendor_name(enum vsmm_vendor vendor);
VSMM_API int vsmm_vendor_from_name(const char *name, enum vsmm_vendor *out);
VSMM_API const char *vsmm_semantics_name(enum vsmm_semantics semantics);
VSMM_API int vsmm_semantics_from_name(const char *name, enum vsmm_semantics *out);

/* The layout a vCPU of this model writes under the given semantics:
 * model->layout if forced; otherwise AMD64/P6_32 by long_mode under KVM, and
 * INTEL64/AMD64/P6_32 by vendor and long_mode under hardware semantics. */
VSMM_API enum vsmm_layout vsmm_model_layout(const struct vsmm_model *model,
					    enum vsmm_semantics semantics);

/* ------------------------------------------------------------------------ */
/* Save-state layouts and the image codec                                    */
/* ------------------------------------------------------------------------ */

#define VSMM_IMAGE_MAX 1024u /* largest area of any layout (Intel64) */

/* One row of a layout's table, as the manual writes it. */
struct vsmm_field_desc {
	const char *name; /* manual-style field name, e.g. "cr0", "io_restart_rip" */
	uint16_t offset;  /* 0x7Exx-style offset (from SMBASE + 0x8000) */
	uint8_t size;	  /* bytes: 1, 2, 4 or 8 */
	uint8_t flags;	  /* VSMM_FIELD_* */
	const char *text; /* one-line description */
};

#define VSMM_FIELD_VSMM_EXT \
	(1u << 0) /* not in the vendor manual: a KVM or vsmm extension */
#define VSMM_FIELD_RESERVED (1u << 1) /* reserved area written as zero */

struct vsmm_layout_desc {
	enum vsmm_layout layout;
	const char *name;     /* "p6-32", "amd64", "intel64" */
	const char *title;    /* a line for people */
	uint32_t revision;    /* revision id vsmm writes (before optional bits) */
	uint32_t area_offset; /* area start from SMBASE: 0xFE00 (512) or 0xFC00 (1024) */
	uint32_t area_size;   /* bytes moved in one shot */
	const struct vsmm_field_desc *fields;
	size_t nfields;
};

/* Revision-id bits (SDM Vol.3C 32.4 / APM Vol.2 10.2.3). */
#define VSMM_REV_IO_RESTART (1u << 16)
#define VSMM_REV_SMBASE_RELOC (1u << 17)

/* The description of a layout; NULL for AUTO or out of range. */
VSMM_API const struct vsmm_layout_desc *vsmm_layout_get(enum vsmm_layout layout);
/* Find a layout by name ("p6-32", "amd64", "intel64", "auto"). */
VSMM_API int vsmm_layout_from_name(const char *name, enum vsmm_layout *out);

/*
 * Decide the layout of a raw area from its revision id (the dword at
 * 0x7EFC): low 16 bits 0x0000 -> P6_32, 0x0064 -> AMD64 (and Intel's own
 * levels 0x0100/0x0101 -> INTEL64, see docs/layouts.md).  The buffer is the
 * area as it sits in SMRAM, starting at SMBASE+0xFE00 for len 512 or at
 * SMBASE+0xFC00 for len 1024.  Returns VSMM_E_LAYOUT for any other revision
 * (and *revision_out, if non-NULL, receives what was found).
 */
VSMM_API int vsmm_layout_detect(const uint8_t *area, size_t len, enum vsmm_layout *out,
				uint32_t *revision_out);

/*
 * Layout-specific fields that are not part of struct vsmm_cpu_state, one
 * row each: X(type, member, TAG, text).  The member is named as the
 * layouts' field tables name the field (`vsmm layouts`), except revision
 * (the field smm_revision); TAG is the binding those tables give the field
 * inside the library; text is the line docs/layouts.md prints.  The struct,
 * the codec's bindings, the CLI's JSON keys and the docs all come from
 * this table.
 */
/* clang-format off */
#define VSMM_IMAGE_EXTRAS_MAP(X)                                               \
	X(uint32_t, revision, REVISION, "SMM revision identifier (all layouts)") \
	X(uint16_t, io_restart, IO_RESTART, "I/O instruction restart field")   \
	X(uint16_t, auto_hlt_restart, AUTO_HLT, "auto-HALT restart field")     \
	X(uint64_t, io_restart_rip, IO_RIP, "I/O restart RIP")                 \
	X(uint64_t, io_restart_rcx, IO_RCX, "I/O restart RCX")                 \
	X(uint64_t, io_restart_rsi, IO_RSI, "I/O restart RSI")                 \
	X(uint64_t, io_restart_rdi, IO_RDI, "I/O restart RDI")                 \
	X(uint32_t, io_restart_dword, IO_DWORD,                                \
	  "AMD64: the I/O trap dword at 0x7EC0")                               \
	X(uint32_t, io_misc, IO_MISC, "Intel: IOMisc at 0x7FA4")               \
	X(uint64_t, io_mem_addr, IO_MEM_ADDR, "Intel: I/O memory address at 0x7F9C") \
	X(uint8_t, amd_nmi_mask, AMD_NMI_MASK, "AMD64: NMI mask at 0x7ECA")    \
	X(uint64_t, svm_guest_flag, SVM_GUEST_FLAG, "AMD64: SMI in an SVM guest") \
	X(uint64_t, svm_vmcb12_gpa, SVM_VMCB12, "AMD64: that guest's VMCB")    \
	X(uint64_t, svm_guest_virq, SVM_VIRQ, "AMD64: SVM virtual interrupt")  \
	X(uint64_t, ssp, SSP, "AMD64: shadow stack pointer (CET)")             \
	X(uint64_t, svm_guest_pat, SVM_GUEST_PAT, "AMD64: SVM guest PAT")      \
	X(uint64_t, svm_host_efer, SVM_HOST_EFER, "AMD64: SVM host EFER")      \
	X(uint64_t, svm_host_cr4, SVM_HOST_CR4, "AMD64: SVM host CR4")         \
	X(uint64_t, svm_host_cr3, SVM_HOST_CR3, "AMD64: SVM host CR3")         \
	X(uint64_t, svm_host_cr0, SVM_HOST_CR0, "AMD64: SVM host CR0")         \
	X(uint64_t, ept_vmx_control, EPT_VMX_CONTROL,                          \
	  "Intel64: EPT/VMX control at 0x7ED8")                                \
	X(uint32_t, en_ept_vmx_control, EN_EPT_VMX_CONTROL,                    \
	  "Intel64: its enable at 0x7EE0")
/* clang-format on */

struct vsmm_image_extras {
#define VSMM__EXTRAS_MEMBER(type, member, tag, text) type member;
	VSMM_IMAGE_EXTRAS_MAP(VSMM__EXTRAS_MEMBER)
#undef VSMM__EXTRAS_MEMBER
};

/*
 * Encode a state into an area of the layout's area_size bytes (zeroed
 * first, as KVM does).  What the layout cannot hold is dropped (e.g. the
 * high halves in the 32-bit map; EFER is not in the P6 map).  extras may be
 * NULL (all zero, revision = the layout's default with SMBASE relocation).
 */
VSMM_API int vsmm_image_encode(enum vsmm_layout layout,
			       const struct vsmm_cpu_state *state,
			       const struct vsmm_image_extras *extras, uint8_t *area,
			       size_t len);

/*
 * Decode an area into what it carries.  Fields of *state the layout does
 * not hold are set to zero; event flags are left false except int_shadow.
 * len must be the layout's area_size.  Never reads outside [area, area+len).
 */
VSMM_API int vsmm_image_decode(enum vsmm_layout layout, const uint8_t *area, size_t len,
			       struct vsmm_cpu_state *state,
			       struct vsmm_image_extras *extras);

/* Read one field by its descriptor (zero-extended). */
VSMM_API uint64_t vsmm_field_read(const struct vsmm_layout_desc *layout,
				  const struct vsmm_field_desc *field,
				  const uint8_t *area);

/* The row of a layout's table with this manual name (e.g. "cr0"; the
 * 32-bit map says "eip"/"eflags"/"eax"); NULL if the layout has none or
 * an argument is NULL. */
VSMM_API const struct vsmm_field_desc *
vsmm_layout_field(const struct vsmm_layout_desc *layout, const char *name);

/*
 * Write one field by its descriptor.  The value must fit the field's size
 * (VSMM_E_INVAL otherwise, as for a NULL argument or a descriptor that
 * does not lie inside the layout's area); nothing is written on failure.
 */
VSMM_API int vsmm_field_write(const struct vsmm_layout_desc *layout,
			      const struct vsmm_field_desc *field, uint8_t *area,
			      uint64_t value);

/* ------------------------------------------------------------------------ */
/* EFI_MM_CPU_PROTOCOL save-state access (ReadSaveState / WriteSaveState)    */
/* ------------------------------------------------------------------------ */

/*
 * What an SMI handler written against EDK2 sees when it calls
 * EFI_MM_CPU_PROTOCOL.ReadSaveState() / WriteSaveState() on an image:
 * the same register numbers, widths, split fields, writability and results
 * as EDK2's three save-state libraries (docs/api.md, docs/compat.md).
 *
 * Results, X(NAME, value, "sentence"): the EFI_STATUS error codes (without
 * the high bit) of the PI specification.  One table generates enum
 * vsmm_efi_status, vsmm_efi_status_name() and vsmm_efi_status_text().
 */
/* clang-format off */
#define VSMM_EFI_STATUS_MAP(X)                                                 \
	X(SUCCESS, 0, "the register was read or written")                      \
	X(INVALID_PARAMETER, 2, "the width does not suit the register, or an "  \
				"argument is NULL or out of range")            \
	X(UNSUPPORTED, 3, "the register cannot be written")                    \
	X(NOT_FOUND, 14, "the register is not defined for this save state")
/* clang-format on */

enum vsmm_efi_status {
#define VSMM__EFI_ENUM(name, value, text) VSMM_EFI_##name = (value),
	VSMM_EFI_STATUS_MAP(VSMM__EFI_ENUM)
#undef VSMM__EFI_ENUM
};

/* "EFI_NOT_FOUND" style name; "EFI_UNKNOWN" for values not in the table. */
VSMM_API const char *vsmm_efi_status_name(int status);
/* The sentence of a result; never NULL. */
VSMM_API const char *vsmm_efi_status_text(int status);

/*
 * EFI_MM_SAVE_STATE_REGISTER (MdePkg/Include/Protocol/MmCpu.h):
 * X(NAME, number) with the EFI name without its EFI_MM_SAVE_STATE_REGISTER_
 * prefix.  Numbers not in this list are passed through unchanged (EDK2
 * answers EFI_NOT_FOUND for them).
 */
/* clang-format off */
#define VSMM_MM_REGISTER_MAP(X)                                                \
	X(GDTBASE, 4) X(IDTBASE, 5) X(LDTBASE, 6) X(GDTLIMIT, 7)               \
	X(IDTLIMIT, 8) X(LDTLIMIT, 9) X(LDTINFO, 10)                           \
	X(ES, 20) X(CS, 21) X(SS, 22) X(DS, 23) X(FS, 24) X(GS, 25)            \
	X(LDTR_SEL, 26) X(TR_SEL, 27) X(DR7, 28) X(DR6, 29)                    \
	X(R8, 30) X(R9, 31) X(R10, 32) X(R11, 33) X(R12, 34) X(R13, 35)        \
	X(R14, 36) X(R15, 37) X(RAX, 38) X(RBX, 39) X(RCX, 40) X(RDX, 41)      \
	X(RSP, 42) X(RBP, 43) X(RSI, 44) X(RDI, 45) X(RIP, 46)                 \
	X(RFLAGS, 51) X(CR0, 52) X(CR3, 53) X(CR4, 54)                         \
	X(FCW, 256) X(FSW, 257) X(FTW, 258) X(OPCODE, 259) X(FP_EIP, 260)      \
	X(FP_CS, 261) X(DATAOFFSET, 262) X(FP_DS, 263)                         \
	X(MM0, 264) X(MM1, 265) X(MM2, 266) X(MM3, 267)                        \
	X(MM4, 268) X(MM5, 269) X(MM6, 270) X(MM7, 271)                        \
	X(XMM0, 272) X(XMM1, 273) X(XMM2, 274) X(XMM3, 275)                    \
	X(XMM4, 276) X(XMM5, 277) X(XMM6, 278) X(XMM7, 279)                    \
	X(XMM8, 280) X(XMM9, 281) X(XMM10, 282) X(XMM11, 283)                  \
	X(XMM12, 284) X(XMM13, 285) X(XMM14, 286) X(XMM15, 287)                \
	X(IO, 512) X(LMA, 513) X(PROCESSOR_ID, 514)
/* clang-format on */

enum vsmm_mm_register {
#define VSMM__MM_REG_ENUM(name, number) VSMM_MM_REG_##name = (number),
	VSMM_MM_REGISTER_MAP(VSMM__MM_REG_ENUM)
#undef VSMM__MM_REG_ENUM
};

/* "RAX" for 38; NULL for a number that is not in the list. */
VSMM_API const char *vsmm_mm_register_name(uint32_t reg);
/* A register by its name without prefix ("RAX", "gdtbase", any case) or
 * by its number (decimal or 0x hex, any value below 2^32).  VSMM_E_INVAL
 * for anything else. */
VSMM_API int vsmm_mm_register_parse(const char *text, uint32_t *out);

/*
 * Which EDK2 library decides (docs/compat.md has the source of each):
 *  INTEL  UefiCpuPkg IntelMmSaveStateLib on Intel's SMRAM_SAVE_STATE_MAP
 *         (64-bit map: the intel64 layout; 32-bit map: the last 512 bytes)
 *  AMD    UefiCpuPkg AmdMmSaveStateLib on AMD_SMRAM_SAVE_STATE_MAP (64-bit
 *         map only, as that library); current OVMF builds use it too
 *  OVMF   OvmfPkg SmmCpuFeaturesLib up to edk2-stable202302 (Debian 12's
 *         ovmf 2022.11) on the map QEMU/KVM write: AMD64 or the 32-bit map,
 *         chosen by the revision id as that library does
 */
enum vsmm_mm_flavour {
	VSMM_MM_INTEL = 0,
	VSMM_MM_AMD,
	VSMM_MM_OVMF,
	VSMM_MM_FLAVOUR_COUNT
};

/* "intel", "amd", "ovmf"; NULL out of range. */
VSMM_API const char *vsmm_mm_flavour_name(enum vsmm_mm_flavour flavour);
VSMM_API int vsmm_mm_flavour_from_name(const char *name, enum vsmm_mm_flavour *out);
/* The flavour whose library reads what this layout is: intel64 -> INTEL,
 * amd64 and p6-32 (what QEMU/KVM write) -> OVMF; OVMF for AUTO. */
VSMM_API enum vsmm_mm_flavour vsmm_mm_flavour_for_layout(enum vsmm_layout layout);

#define VSMM_MM_LMA_32BIT 32
#define VSMM_MM_LMA_64BIT 64

/* What the protocol knows beyond the image. */
struct vsmm_mm_cpu {
	enum vsmm_mm_flavour flavour;
	/* INTEL only: the processor's mode (CPUID LM: VSMM_MM_LMA_64BIT,
	 * else VSMM_MM_LMA_32BIT), which selects the map; 0 takes 64 for a
	 * 1024-byte area and 32 for a 512-byte one.  AMD is always 64, OVMF
	 * decides from the image's revision id; both ignore this field. */
	uint8_t lma;
	/* PROCESSOR_ID: the CPU's EFI_PROCESSOR_INFORMATION.ProcessorId.
	 * Without it PROCESSOR_ID is EFI_NOT_FOUND, as EDK2 answers for a CPU
	 * that is not in SMM. */
	bool processor_id_valid;
	uint64_t processor_id;
};

/* EFI_MM_SAVE_STATE_IO_WIDTH and EFI_MM_SAVE_STATE_IO_TYPE. */
#define VSMM_MM_IO_WIDTH_UINT8 0u
#define VSMM_MM_IO_WIDTH_UINT16 1u
#define VSMM_MM_IO_WIDTH_UINT32 2u
#define VSMM_MM_IO_WIDTH_UINT64 3u
#define VSMM_MM_IO_TYPE_INPUT 1u
#define VSMM_MM_IO_TYPE_OUTPUT 2u
#define VSMM_MM_IO_TYPE_STRING 4u
#define VSMM_MM_IO_TYPE_REP_PREFIX 8u

/* EFI_MM_SAVE_STATE_IO_INFO, with the enums as 32-bit fields (the same
 * 24 bytes on x86-64 hosts). */
struct vsmm_mm_io_info {
	uint64_t io_data; /* RAX truncated to the I/O width */
	uint16_t io_port;
	uint32_t io_width; /* VSMM_MM_IO_WIDTH_* */
	uint32_t io_type;  /* VSMM_MM_IO_TYPE_* */
};

/*
 * ReadSaveState(Width, Register, CpuIndex, Buffer) on one CPU's area.
 * area/len is the image as elsewhere (512 bytes from SMBASE+0xFE00 or
 * 1024 from SMBASE+0xFC00).  Buffer receives `width` bytes in guest
 * (little-endian) order for an ordinary register, or a struct
 * vsmm_mm_io_info for IO (width >= its size).  Never reads outside the
 * area; on any result but SUCCESS nothing is written to buffer.
 * EFI_INVALID_PARAMETER also for NULL pointers, a length other than 512 or
 * 1024, an unknown flavour, an lma other than 0/32/64, or an area too
 * small for the map (INTEL with LMA 64 needs 1024 bytes).
 */
VSMM_API enum vsmm_efi_status vsmm_mm_read_save_state(const struct vsmm_mm_cpu *cpu,
						      const uint8_t *area, size_t len,
						      uint32_t reg, size_t width,
						      void *buffer);
/*
 * WriteSaveState(Width, Register, CpuIndex, Buffer): `width` bytes in guest
 * order.  The area changes only on SUCCESS (LMA and PROCESSOR_ID writes
 * succeed and change nothing, as in EDK2).
 */
VSMM_API enum vsmm_efi_status vsmm_mm_write_save_state(const struct vsmm_mm_cpu *cpu,
						       uint8_t *area, size_t len,
						       uint32_t reg, size_t width,
						       const void *buffer);

/*
 * The width EDK2's table gives a register in the map this CPU and area
 * select (what a caller passes to read it whole): 1 for LMA, 8 for
 * PROCESSOR_ID, sizeof(struct vsmm_mm_io_info) for IO in the flavours that
 * report IO; 0 for a register with no field there and for bad arguments.
 */
VSMM_API size_t vsmm_mm_register_width(const struct vsmm_mm_cpu *cpu, const uint8_t *area,
				       size_t len, uint32_t reg);

/* ------------------------------------------------------------------------ */
/* Platform: what the embedding VMM provides                                 */
/* ------------------------------------------------------------------------ */

struct vsmm_vcpu;

/*
 * Callbacks of the VMM.  ctx comes first (it is vsmm_vcpu.ctx).  Each
 * returns 0 on success or a negative value on failure; vsmm turns failures
 * into VSMM_E_PLATFORM (SMI) or a shutdown (RSM).  Optional callbacks may
 * be NULL.
 */
struct vsmm_platform_ops {
	/* Guest-physical reads and writes.  smm selects the address space:
	 * true is the SMM view (SMRAM visible), false the normal view. */
	int (*read_phys)(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len);
	int (*write_phys)(void *ctx, bool smm, uint64_t gpa, const void *buf, size_t len);

	/* Optional: the vCPU entered (true) or left (false) SMM.  The VMM
	 * switches its MMU/address space here (kvm_smm_changed).  On RSM it
	 * is called only once the image is known to load. */
	int (*smm_changed)(void *ctx, struct vsmm_vcpu *vcpu, bool entering);

	/* Optional (nested virtualization): force the nested guest out to
	 * L1 for SMI delivery (VMX: synthetic VM exit; SVM: #VMEXIT), and
	 * re-enter it on RSM (vmcb12_gpa is the AMD image's VMCB address, 0
	 * on Intel).  Only called when state.guest_mode says so. */
	int (*nested_leave)(void *ctx, struct vsmm_vcpu *vcpu);
	int (*nested_enter)(void *ctx, struct vsmm_vcpu *vcpu, uint64_t vmcb12_gpa);
};

/* ------------------------------------------------------------------------ */
/* The vCPU                                                                  */
/* ------------------------------------------------------------------------ */

/* An SMI raised by an I/O instruction (for I/O instruction restart). */
struct vsmm_io_smi {
	bool valid;    /* set by the engine just before vsmm_enter_smm() */
	bool in;       /* IN/INS (true) or OUT/OUTS (false) */
	bool string;   /* INS/OUTS */
	bool rep;      /* with a REP prefix */
	bool imm;      /* port from an immediate operand */
	uint8_t width; /* 1, 2 or 4 */
	uint16_t port;
	uint64_t insn_rip; /* RIP of the I/O instruction itself */
	uint64_t mem_addr; /* linear address of a string operand */
};

/*
 * One vCPU.  Caller-owned.  The VMM fills `state` from its vCPU before
 * calling vsmm and copies it back afterwards.  Fields under "private" are
 * vsmm's bookkeeping across SMM (what KVM keeps in vcpu->arch and nested
 * state); migrate them with vsmm_smm_export()/vsmm_smm_import().
 */
struct vsmm_vcpu {
	struct vsmm_cpu_state state;
	const struct vsmm_model *model;
	const struct vsmm_platform_ops *ops;
	void *ctx; /* passed to every callback */
	enum vsmm_semantics semantics;
	struct vsmm_io_smi io_smi; /* the engine reports I/O-triggered SMIs here */
	struct vsmm_shutdown last_shutdown; /* why the last RSM shut down */
	uint64_t smi_count;		    /* SMIs delivered (MSR_SMI_COUNT) */

	/* private: */
	struct vsmm__vcpu_priv {
		bool smm_vmxon;	      /* Intel: was in VMX operation at the SMI */
		bool smm_guest_mode;  /* Intel: was in VMX non-root at the SMI */
		bool hw_vmxe;	      /* hardware semantics: CR4.VMXE at the SMI */
		bool smi_halted;      /* the SMI interrupted a HLT */
		bool io_valid;	      /* the SMI came from an I/O instruction */
		uint64_t io_insn_rip; /* where I/O restart returns to */
	} priv;
};

/*
 * Bind a vCPU to a model and a platform; state is set to the reset state.
 * model and ops must outlive the vCPU.
 */
VSMM_API int vsmm_vcpu_init(struct vsmm_vcpu *vcpu, const struct vsmm_model *model,
			    const struct vsmm_platform_ops *ops, void *ctx);
/* Choose KVM (default) or hardware semantics for this vCPU. */
VSMM_API int vsmm_vcpu_set_semantics(struct vsmm_vcpu *vcpu,
				     enum vsmm_semantics semantics);
/* The layout this vCPU writes and reads (vsmm_model_layout with its semantics). */
VSMM_API enum vsmm_layout vsmm_vcpu_layout(const struct vsmm_vcpu *vcpu);

/*
 * SMI delivery.  Saves the current state into the layout's area at
 * SMBASE + area_offset (one write through the SMM address space), then
 * loads the SMM execution environment.  Returns VSMM_E_STATE if already in
 * SMM or in shutdown, VSMM_E_PLATFORM / VSMM_E_VENDOR if a callback failed
 * (the VMM should treat its VM as dead, as KVM does).
 */
VSMM_API int vsmm_enter_smm(struct vsmm_vcpu *vcpu);

/*
 * RSM.  Returns VSMM_OK (resumed), VSMM_E_UD (not in SMM; nothing changed)
 * or VSMM_E_SHUTDOWN: the image could not be loaded, state.shutdown is set,
 * vcpu->last_shutdown says why, and no other field of state changed.
 */
VSMM_API int vsmm_leave_smm(struct vsmm_vcpu *vcpu);

/*
 * Would RSM accept this area?  Runs the whole RSM validation on a copy of
 * the vCPU (reads nothing from the platform but PDPTEs, and for an image
 * without hidden segment state its descriptors and the page tables on the
 * way to them, through read_phys if ops is non-NULL) and fills *why.
 * Returns VSMM_OK or VSMM_E_SHUTDOWN; VSMM_E_NO_MEMORY when the image has
 * no hidden segment state and ops is NULL (docs/compat.md); `out`, if
 * non-NULL, receives the state RSM would load.
 */
VSMM_API int vsmm_rsm_check(const struct vsmm_vcpu *vcpu, const uint8_t *area, size_t len,
			    struct vsmm_shutdown *why, struct vsmm_cpu_state *out);

/* The SMM entry environment for a vCPU state (what enter_smm loads after
 * saving), computed without touching any memory. */
VSMM_API void vsmm_smm_entry_state(const struct vsmm_model *model,
				   enum vsmm_semantics semantics,
				   struct vsmm_cpu_state *state);

/* ------------------------------------------------------------------------ */
/* Events                                                                    */
/* ------------------------------------------------------------------------ */

enum vsmm_event {
	VSMM_EVENT_NONE = 0,
	VSMM_EVENT_SMI,
	VSMM_EVENT_NMI,
	VSMM_EVENT_INIT,
};

/* Raise an SMI: it becomes pending (several collapse into one). */
VSMM_API int vsmm_raise_smi(struct vsmm_vcpu *vcpu);
/* Raise an NMI: pending until NMIs are unmasked. */
VSMM_API int vsmm_raise_nmi(struct vsmm_vcpu *vcpu);
/* Raise INIT: latched while in SMM, delivered after RSM. */
VSMM_API int vsmm_raise_init(struct vsmm_vcpu *vcpu);
/*
 * What should the VMM deliver now?  SMI first (not in SMM), then INIT (not
 * in SMM, nor in VMX root operation: vmx_on && !guest_mode), then NMI
 * (not masked, and not in an STI/MOV-SS shadow, as KVM).  Nothing in
 * shutdown.  Does not change
 * state: the VMM calls vsmm_enter_smm() for SMI, vsmm_ack_event() for the
 * others once it has delivered them.
 */
VSMM_API enum vsmm_event vsmm_next_event(const struct vsmm_vcpu *vcpu);
/* Mark an NMI or INIT as delivered (NMI: masks NMIs; INIT: clears the latch).
 * VSMM_E_STATE if vsmm_next_event() would not offer that event now. */
VSMM_API int vsmm_ack_event(struct vsmm_vcpu *vcpu, enum vsmm_event event);

/* ------------------------------------------------------------------------ */
/* Save and restore (migration, snapshots)                                   */
/* ------------------------------------------------------------------------ */

/*
 * Everything vsmm keeps per vCPU beyond struct vsmm_cpu_state's
 * architectural registers: KVM's kvm_vcpu_events.smi fields, the NMI state,
 * the nested-in-SMM flags, the hardware-semantics records.  Serialized as a
 * fixed little-endian blob so it can cross hosts.
 */
#define VSMM_SMM_BLOB_SIZE 32u

struct vsmm_smm_snapshot {
	bool smm, smi_pending, smm_inside_nmi, init_latched;
	bool nmi_masked, nmi_pending;
	bool smm_vmxon, smm_guest_mode;
	bool hw_vmxe, smi_halted, io_valid;
	enum vsmm_semantics semantics;
	uint32_t smbase;
	uint64_t io_insn_rip;
};

VSMM_API int vsmm_smm_save(const struct vsmm_vcpu *vcpu, struct vsmm_smm_snapshot *out);
/* Refuses (VSMM_E_INCONSISTENT, nothing changed) e.g. inside-NMI or
 * nested-in-SMM flags without SMM, SMM with VMX operation still on, Intel
 * flags on an AMD model. */
VSMM_API int vsmm_smm_restore(struct vsmm_vcpu *vcpu, const struct vsmm_smm_snapshot *in);
VSMM_API int vsmm_smm_export(const struct vsmm_vcpu *vcpu,
			     uint8_t out[VSMM_SMM_BLOB_SIZE]);
VSMM_API int vsmm_smm_import(struct vsmm_vcpu *vcpu, const uint8_t *blob, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* VSMM_VSMM_H */
