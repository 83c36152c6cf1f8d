/* SPDX-License-Identifier: MIT */
/*
 * The save-state maps, each written once as the manual's table.
 *
 * One row per field, in ascending offset order:
 *
 *   X(name, offset, size, flags, kind, arg, text)
 *
 *   name    the manual's (or KVM's) field name, also the member name of the
 *           layout's typed struct and the name the CLI prints
 *   offset  as the manuals write it: from SMBASE + 0x8000 (0x7Exx style)
 *   size    bytes (1, 2, 4 or 8); little-endian
 *   flags   0, or VSMM__EXT for fields no vendor manual defines
 *   kind    what it holds (enum vsmm__bind_kind without the VSMM__B_ prefix)
 *   arg     which register of that kind (GPR / segment / descriptor table)
 *   text    one line for people
 *
 * Each table drives: the _Static_asserts against the layout's typed struct,
 * the struct vsmm_field_desc array behind vsmm_layout_get(), the generic
 * codec (through kind/arg), and docs/layouts.md (through the public
 * descriptors).  Reserved ranges are not rows; the codec leaves them zero.
 */
#ifndef VSMM_LAYOUT_FIELDS_H
#define VSMM_LAYOUT_FIELDS_H

#define VSMM__EXT VSMM_FIELD_VSMM_EXT

/*
 * 32-bit map, revision 0x00020000, 512 bytes at SMBASE+0xFE00.
 * SDM Vol.3C "SMRAM State Save Map" (Table 32-1 / 34-1) for SMBASE,
 * revision, restart words, selectors, DR6/DR7, GPRs, EIP, EFLAGS, CR3, CR0;
 * the P6 hidden-cache records and CR4 at 7F14 as KVM's struct
 * kvm_smram_state_32 places them.  Records of the caches are
 * {attr, limit, base} dwords; the attr dword holds descriptor bits 8..23.
 * IOMisc (7FA4) and the I/O memory address (7FA0) of Intel's 32-bit map do
 * not exist here: KVM's SS record covers 7F9C-7FA7.
 */
/* Where the area starts (SMBASE + this); the codec's offsets are constants. */
#define VSMM__P6_32_AREA_OFFSET 0xfe00u
/* clang-format off */
#define VSMM__P6_32_FIELDS(X)                                                  \
	X(smbase, 0x7EF8, 4, 0, SMBASE, 0, "SMBASE; reloaded by RSM")          \
	X(smm_revision, 0x7EFC, 4, 0, REVISION, 0,                             \
	  "SMM revision identifier (bit 16 I/O restart, bit 17 SMBASE relocation)") \
	X(io_restart, 0x7F00, 2, 0, IO_RESTART, 0,                             \
	  "I/O instruction restart field")                                     \
	X(auto_hlt_restart, 0x7F02, 2, 0, AUTO_HLT, 0,                         \
	  "auto-HALT restart field")                                           \
	X(io_restart_rdi, 0x7F04, 4, 0, IO_RDI, 0, "I/O restart EDI")          \
	X(io_restart_rcx, 0x7F08, 4, 0, IO_RCX, 0, "I/O restart ECX")          \
	X(io_restart_rsi, 0x7F0C, 4, 0, IO_RSI, 0, "I/O restart ESI")          \
	X(io_restart_rip, 0x7F10, 4, 0, IO_RIP, 0, "I/O restart EIP")          \
	X(cr4, 0x7F14, 4, 0, CR4, 0, "CR4 (P6 map)")                            \
	X(int_shadow, 0x7F1A, 1, VSMM__EXT, INT_SHADOW, 0,                     \
	  "interrupt shadow (KVM extension: bit 0 MOV SS, bit 1 STI)")         \
	X(ds_attr, 0x7F2C, 4, 0, ATTR_P6, VSMM_DS, "DS attributes")            \
	X(ds_limit, 0x7F30, 4, 0, LIMIT, VSMM_DS, "DS limit")                  \
	X(ds_base, 0x7F34, 4, 0, BASE, VSMM_DS, "DS base")                     \
	X(fs_attr, 0x7F38, 4, 0, ATTR_P6, VSMM_FS, "FS attributes")            \
	X(fs_limit, 0x7F3C, 4, 0, LIMIT, VSMM_FS, "FS limit")                  \
	X(fs_base, 0x7F40, 4, 0, BASE, VSMM_FS, "FS base")                     \
	X(gs_attr, 0x7F44, 4, 0, ATTR_P6, VSMM_GS, "GS attributes")            \
	X(gs_limit, 0x7F48, 4, 0, LIMIT, VSMM_GS, "GS limit")                  \
	X(gs_base, 0x7F4C, 4, 0, BASE, VSMM_GS, "GS base")                     \
	X(idtr_limit, 0x7F54, 4, 0, DT_LIMIT, VSMM__DT_IDTR, "IDTR limit")     \
	X(idtr_base, 0x7F58, 4, 0, DT_BASE, VSMM__DT_IDTR, "IDTR base")        \
	X(tr_attr, 0x7F5C, 4, 0, ATTR_P6, VSMM_TR, "TR attributes")            \
	X(tr_limit, 0x7F60, 4, 0, LIMIT, VSMM_TR, "TR limit")                  \
	X(tr_base, 0x7F64, 4, 0, BASE, VSMM_TR, "TR base")                     \
	X(gdtr_limit, 0x7F70, 4, 0, DT_LIMIT, VSMM__DT_GDTR, "GDTR limit")     \
	X(gdtr_base, 0x7F74, 4, 0, DT_BASE, VSMM__DT_GDTR, "GDTR base")        \
	X(ldtr_attr, 0x7F78, 4, 0, ATTR_P6, VSMM_LDTR, "LDTR attributes")      \
	X(ldtr_limit, 0x7F7C, 4, 0, LIMIT, VSMM_LDTR, "LDTR limit")            \
	X(ldtr_base, 0x7F80, 4, 0, BASE, VSMM_LDTR, "LDTR base")               \
	X(es_attr, 0x7F84, 4, 0, ATTR_P6, VSMM_ES, "ES attributes")            \
	X(es_limit, 0x7F88, 4, 0, LIMIT, VSMM_ES, "ES limit")                  \
	X(es_base, 0x7F8C, 4, 0, BASE, VSMM_ES, "ES base")                     \
	X(cs_attr, 0x7F90, 4, 0, ATTR_P6, VSMM_CS, "CS attributes")            \
	X(cs_limit, 0x7F94, 4, 0, LIMIT, VSMM_CS, "CS limit")                  \
	X(cs_base, 0x7F98, 4, 0, BASE, VSMM_CS, "CS base")                     \
	X(ss_attr, 0x7F9C, 4, 0, ATTR_P6, VSMM_SS, "SS attributes")            \
	X(ss_limit, 0x7FA0, 4, 0, LIMIT, VSMM_SS, "SS limit")                  \
	X(ss_base, 0x7FA4, 4, 0, BASE, VSMM_SS, "SS base")                     \
	X(es_selector, 0x7FA8, 4, 0, SEL, VSMM_ES, "ES selector")              \
	X(cs_selector, 0x7FAC, 4, 0, SEL, VSMM_CS, "CS selector")              \
	X(ss_selector, 0x7FB0, 4, 0, SEL, VSMM_SS, "SS selector")              \
	X(ds_selector, 0x7FB4, 4, 0, SEL, VSMM_DS, "DS selector")              \
	X(fs_selector, 0x7FB8, 4, 0, SEL, VSMM_FS, "FS selector")              \
	X(gs_selector, 0x7FBC, 4, 0, SEL, VSMM_GS, "GS selector")              \
	X(ldtr_selector, 0x7FC0, 4, 0, SEL, VSMM_LDTR, "LDTR selector")        \
	X(tr_selector, 0x7FC4, 4, 0, SEL, VSMM_TR, "TR selector")              \
	X(dr7, 0x7FC8, 4, 0, DR7, 0, "DR7")                                    \
	X(dr6, 0x7FCC, 4, 0, DR6, 0, "DR6")                                    \
	X(eax, 0x7FD0, 4, 0, GPR, VSMM_RAX, "EAX")                             \
	X(ecx, 0x7FD4, 4, 0, GPR, VSMM_RCX, "ECX")                             \
	X(edx, 0x7FD8, 4, 0, GPR, VSMM_RDX, "EDX")                             \
	X(ebx, 0x7FDC, 4, 0, GPR, VSMM_RBX, "EBX")                             \
	X(esp, 0x7FE0, 4, 0, GPR, VSMM_RSP, "ESP")                             \
	X(ebp, 0x7FE4, 4, 0, GPR, VSMM_RBP, "EBP")                             \
	X(esi, 0x7FE8, 4, 0, GPR, VSMM_RSI, "ESI")                             \
	X(edi, 0x7FEC, 4, 0, GPR, VSMM_RDI, "EDI")                             \
	X(eip, 0x7FF0, 4, 0, RIP, 0, "EIP")                                    \
	X(eflags, 0x7FF4, 4, 0, RFLAGS, 0, "EFLAGS")                           \
	X(cr3, 0x7FF8, 4, 0, CR3, 0, "CR3")                                    \
	X(cr0, 0x7FFC, 4, 0, CR0, 0, "CR0")
/* clang-format on */

/*
 * AMD64 map, revision 0x00020064, 512 bytes at SMBASE+0xFE00.
 * AMD APM Vol.2 10.2.3 "SMRAM State-Save Area" (Table 10-2) as KVM's struct
 * kvm_smram_state_64 implements it.  Segment records are {selector u16,
 * attributes u16 (access-rights form), limit u32, base u64}; GDTR/IDTR use
 * only limit and base.  The GPRs run in reverse order, R15 first.
 */
/* Where the area starts (SMBASE + this); the codec's offsets are constants. */
#define VSMM__AMD64_AREA_OFFSET 0xfe00u
/* clang-format off */
#define VSMM__AMD64_FIELDS(X)                                                  \
	X(es_selector, 0x7E00, 2, 0, SEL, VSMM_ES, "ES selector")              \
	X(es_attr, 0x7E02, 2, 0, ATTR, VSMM_ES, "ES attributes")               \
	X(es_limit, 0x7E04, 4, 0, LIMIT, VSMM_ES, "ES limit")                  \
	X(es_base, 0x7E08, 8, 0, BASE, VSMM_ES, "ES base")                     \
	X(cs_selector, 0x7E10, 2, 0, SEL, VSMM_CS, "CS selector")              \
	X(cs_attr, 0x7E12, 2, 0, ATTR, VSMM_CS, "CS attributes")               \
	X(cs_limit, 0x7E14, 4, 0, LIMIT, VSMM_CS, "CS limit")                  \
	X(cs_base, 0x7E18, 8, 0, BASE, VSMM_CS, "CS base")                     \
	X(ss_selector, 0x7E20, 2, 0, SEL, VSMM_SS, "SS selector")              \
	X(ss_attr, 0x7E22, 2, 0, ATTR, VSMM_SS, "SS attributes")               \
	X(ss_limit, 0x7E24, 4, 0, LIMIT, VSMM_SS, "SS limit")                  \
	X(ss_base, 0x7E28, 8, 0, BASE, VSMM_SS, "SS base")                     \
	X(ds_selector, 0x7E30, 2, 0, SEL, VSMM_DS, "DS selector")              \
	X(ds_attr, 0x7E32, 2, 0, ATTR, VSMM_DS, "DS attributes")               \
	X(ds_limit, 0x7E34, 4, 0, LIMIT, VSMM_DS, "DS limit")                  \
	X(ds_base, 0x7E38, 8, 0, BASE, VSMM_DS, "DS base")                     \
	X(fs_selector, 0x7E40, 2, 0, SEL, VSMM_FS, "FS selector")              \
	X(fs_attr, 0x7E42, 2, 0, ATTR, VSMM_FS, "FS attributes")               \
	X(fs_limit, 0x7E44, 4, 0, LIMIT, VSMM_FS, "FS limit")                  \
	X(fs_base, 0x7E48, 8, 0, BASE, VSMM_FS, "FS base")                     \
	X(gs_selector, 0x7E50, 2, 0, SEL, VSMM_GS, "GS selector")              \
	X(gs_attr, 0x7E52, 2, 0, ATTR, VSMM_GS, "GS attributes")               \
	X(gs_limit, 0x7E54, 4, 0, LIMIT, VSMM_GS, "GS limit")                  \
	X(gs_base, 0x7E58, 8, 0, BASE, VSMM_GS, "GS base")                     \
	X(gdtr_limit, 0x7E64, 4, 0, DT_LIMIT, VSMM__DT_GDTR,                   \
	  "GDTR limit (KVM writes a dword; the APM a word)")                   \
	X(gdtr_base, 0x7E68, 8, 0, DT_BASE, VSMM__DT_GDTR, "GDTR base")        \
	X(ldtr_selector, 0x7E70, 2, 0, SEL, VSMM_LDTR, "LDTR selector")        \
	X(ldtr_attr, 0x7E72, 2, 0, ATTR, VSMM_LDTR, "LDTR attributes")         \
	X(ldtr_limit, 0x7E74, 4, 0, LIMIT, VSMM_LDTR, "LDTR limit")            \
	X(ldtr_base, 0x7E78, 8, 0, BASE, VSMM_LDTR, "LDTR base")               \
	X(idtr_limit, 0x7E84, 4, 0, DT_LIMIT, VSMM__DT_IDTR,                   \
	  "IDTR limit (KVM writes a dword; the APM a word)")                   \
	X(idtr_base, 0x7E88, 8, 0, DT_BASE, VSMM__DT_IDTR, "IDTR base")        \
	X(tr_selector, 0x7E90, 2, 0, SEL, VSMM_TR, "TR selector")              \
	X(tr_attr, 0x7E92, 2, 0, ATTR, VSMM_TR, "TR attributes")               \
	X(tr_limit, 0x7E94, 4, 0, LIMIT, VSMM_TR, "TR limit")                  \
	X(tr_base, 0x7E98, 8, 0, BASE, VSMM_TR, "TR base")                     \
	X(io_restart_rip, 0x7EA0, 8, 0, IO_RIP, 0, "I/O restart RIP")          \
	X(io_restart_rcx, 0x7EA8, 8, 0, IO_RCX, 0, "I/O restart RCX")          \
	X(io_restart_rsi, 0x7EB0, 8, 0, IO_RSI, 0, "I/O restart RSI")          \
	X(io_restart_rdi, 0x7EB8, 8, 0, IO_RDI, 0, "I/O restart RDI")          \
	X(io_restart_dword, 0x7EC0, 4, 0, IO_DWORD, 0,                         \
	  "I/O restart dword (trapped port and access)")                       \
	X(io_restart, 0x7EC8, 1, 0, IO_RESTART, 0,                             \
	  "I/O instruction restart byte")                                      \
	X(auto_hlt_restart, 0x7EC9, 1, 0, AUTO_HLT, 0,                         \
	  "auto-HALT restart byte")                                            \
	X(amd_nmi_mask, 0x7ECA, 1, 0, AMD_NMI_MASK, 0, "NMI mask (AMD BKDG)")  \
	X(int_shadow, 0x7ECB, 1, VSMM__EXT, INT_SHADOW, 0,                     \
	  "interrupt shadow (KVM extension: bit 0 MOV SS, bit 1 STI)")         \
	X(efer, 0x7ED0, 8, 0, EFER, 0, "EFER")                                 \
	X(svm_guest_flag, 0x7ED8, 8, 0, SVM_GUEST_FLAG, 0,                     \
	  "SVM guest flag: 1 if the SMI hit a nested guest")                   \
	X(svm_vmcb12_gpa, 0x7EE0, 8, 0, SVM_VMCB12, 0,                         \
	  "SVM guest VMCB physical address")                                   \
	X(svm_guest_virq, 0x7EE8, 8, 0, SVM_VIRQ, 0,                           \
	  "SVM guest virtual interrupt")                                       \
	X(smm_revision, 0x7EFC, 4, 0, REVISION, 0,                             \
	  "SMM revision identifier (bit 16 I/O restart, bit 17 SMBASE relocation)") \
	X(smbase, 0x7F00, 4, 0, SMBASE, 0, "SMBASE; reloaded by RSM")          \
	X(ssp, 0x7F18, 8, 0, SSP, 0, "shadow stack pointer (CET)")             \
	X(svm_guest_pat, 0x7F20, 8, 0, SVM_GUEST_PAT, 0, "SVM guest PAT")      \
	X(svm_host_efer, 0x7F28, 8, 0, SVM_HOST_EFER, 0, "SVM host EFER")      \
	X(svm_host_cr4, 0x7F30, 8, 0, SVM_HOST_CR4, 0, "SVM host CR4")         \
	X(svm_host_cr3, 0x7F38, 8, 0, SVM_HOST_CR3, 0, "SVM host CR3")         \
	X(svm_host_cr0, 0x7F40, 8, 0, SVM_HOST_CR0, 0, "SVM host CR0")         \
	X(cr4, 0x7F48, 8, 0, CR4, 0, "CR4")                                    \
	X(cr3, 0x7F50, 8, 0, CR3, 0, "CR3")                                    \
	X(cr0, 0x7F58, 8, 0, CR0, 0, "CR0")                                    \
	X(dr7, 0x7F60, 8, 0, DR7, 0, "DR7")                                    \
	X(dr6, 0x7F68, 8, 0, DR6, 0, "DR6")                                    \
	X(rflags, 0x7F70, 8, 0, RFLAGS, 0, "RFLAGS")                           \
	X(rip, 0x7F78, 8, 0, RIP, 0, "RIP")                                    \
	X(r15, 0x7F80, 8, 0, GPR, VSMM_R15, "R15")                             \
	X(r14, 0x7F88, 8, 0, GPR, VSMM_R14, "R14")                             \
	X(r13, 0x7F90, 8, 0, GPR, VSMM_R13, "R13")                             \
	X(r12, 0x7F98, 8, 0, GPR, VSMM_R12, "R12")                             \
	X(r11, 0x7FA0, 8, 0, GPR, VSMM_R11, "R11")                             \
	X(r10, 0x7FA8, 8, 0, GPR, VSMM_R10, "R10")                             \
	X(r9, 0x7FB0, 8, 0, GPR, VSMM_R9, "R9")                                \
	X(r8, 0x7FB8, 8, 0, GPR, VSMM_R8, "R8")                                \
	X(rdi, 0x7FC0, 8, 0, GPR, VSMM_RDI, "RDI")                             \
	X(rsi, 0x7FC8, 8, 0, GPR, VSMM_RSI, "RSI")                             \
	X(rbp, 0x7FD0, 8, 0, GPR, VSMM_RBP, "RBP")                             \
	X(rsp, 0x7FD8, 8, 0, GPR, VSMM_RSP, "RSP")                             \
	X(rbx, 0x7FE0, 8, 0, GPR, VSMM_RBX, "RBX")                             \
	X(rdx, 0x7FE8, 8, 0, GPR, VSMM_RDX, "RDX")                             \
	X(rcx, 0x7FF0, 8, 0, GPR, VSMM_RCX, "RCX")                             \
	X(rax, 0x7FF8, 8, 0, GPR, VSMM_RAX, "RAX")
/* clang-format on */

/*
 * Intel 64 map, revision level 0x0101 (vsmm writes 0x00020101), 1024 bytes
 * at SMBASE+0xFC00.  SDM Vol.3C "SMRAM State Save Map for Intel 64
 * Architecture" (Table 32-3 / 34-3), as EDK2's SMRAM_SAVE_STATE_MAP64 also
 * lays it out; I/O restart RDI/RCX/RSI at 7DE0/7DF0/7DF8 beside the SDM's
 * IO_RIP as coreboot's revision-0x30101 map has them.
 *
 * The manual keeps no hidden segment caches, GDTR/IDTR limits, TR base or
 * interrupt shadow in the map (the processor keeps them in reserved space).
 * vsmm stores them in the reserved range 7C00-7DCF as marked extension
 * records so a round trip is lossless; the signature at 7C8C says they are
 * present.  Extension records are {attr u16, reserved u16, limit u32,
 * base u64} at 7C00 + 16 * segment.
 */
/* Where the area starts (SMBASE + this); the codec's offsets are constants. */
#define VSMM__INTEL64_AREA_OFFSET 0xfc00u
/* clang-format off */
#define VSMM__INTEL64_FIELDS(X)                                                \
	X(es_attr, 0x7C00, 2, VSMM__EXT, ATTR, VSMM_ES, "ES attributes (vsmm)") \
	X(es_limit, 0x7C04, 4, VSMM__EXT, LIMIT, VSMM_ES, "ES limit (vsmm)")   \
	X(es_base, 0x7C08, 8, VSMM__EXT, BASE, VSMM_ES, "ES base (vsmm)")      \
	X(cs_attr, 0x7C10, 2, VSMM__EXT, ATTR, VSMM_CS, "CS attributes (vsmm)") \
	X(cs_limit, 0x7C14, 4, VSMM__EXT, LIMIT, VSMM_CS, "CS limit (vsmm)")   \
	X(cs_base, 0x7C18, 8, VSMM__EXT, BASE, VSMM_CS, "CS base (vsmm)")      \
	X(ss_attr, 0x7C20, 2, VSMM__EXT, ATTR, VSMM_SS, "SS attributes (vsmm)") \
	X(ss_limit, 0x7C24, 4, VSMM__EXT, LIMIT, VSMM_SS, "SS limit (vsmm)")   \
	X(ss_base, 0x7C28, 8, VSMM__EXT, BASE, VSMM_SS, "SS base (vsmm)")      \
	X(ds_attr, 0x7C30, 2, VSMM__EXT, ATTR, VSMM_DS, "DS attributes (vsmm)") \
	X(ds_limit, 0x7C34, 4, VSMM__EXT, LIMIT, VSMM_DS, "DS limit (vsmm)")   \
	X(ds_base, 0x7C38, 8, VSMM__EXT, BASE, VSMM_DS, "DS base (vsmm)")      \
	X(fs_attr, 0x7C40, 2, VSMM__EXT, ATTR, VSMM_FS, "FS attributes (vsmm)") \
	X(fs_limit, 0x7C44, 4, VSMM__EXT, LIMIT, VSMM_FS, "FS limit (vsmm)")   \
	X(fs_base, 0x7C48, 8, VSMM__EXT, BASE, VSMM_FS, "FS base (vsmm)")      \
	X(gs_attr, 0x7C50, 2, VSMM__EXT, ATTR, VSMM_GS, "GS attributes (vsmm)") \
	X(gs_limit, 0x7C54, 4, VSMM__EXT, LIMIT, VSMM_GS, "GS limit (vsmm)")   \
	X(gs_base, 0x7C58, 8, VSMM__EXT, BASE, VSMM_GS, "GS base (vsmm)")      \
	X(ldtr_attr, 0x7C60, 2, VSMM__EXT, ATTR, VSMM_LDTR,                    \
	  "LDTR attributes (vsmm)")                                            \
	X(ldtr_limit, 0x7C64, 4, VSMM__EXT, LIMIT, VSMM_LDTR,                  \
	  "LDTR limit (vsmm)")                                                 \
	X(tr_attr, 0x7C70, 2, VSMM__EXT, ATTR, VSMM_TR, "TR attributes (vsmm)") \
	X(tr_limit, 0x7C74, 4, VSMM__EXT, LIMIT, VSMM_TR, "TR limit (vsmm)")   \
	X(tr_base, 0x7C78, 8, VSMM__EXT, BASE, VSMM_TR, "TR base (vsmm)")      \
	X(gdtr_limit, 0x7C80, 4, VSMM__EXT, DT_LIMIT, VSMM__DT_GDTR,           \
	  "GDTR limit (vsmm)")                                                 \
	X(idtr_limit, 0x7C84, 4, VSMM__EXT, DT_LIMIT, VSMM__DT_IDTR,           \
	  "IDTR limit (vsmm)")                                                 \
	X(int_shadow, 0x7C88, 1, VSMM__EXT, INT_SHADOW, 0,                     \
	  "interrupt shadow (vsmm: bit 0 MOV SS, bit 1 STI)")                  \
	X(vsmm_signature, 0x7C8C, 4, VSMM__EXT, EXT_SIGNATURE, 0,              \
	  "\"VSMM\" (0x4d4d5356): the vsmm records above are present")         \
	X(gdtr_base_hi, 0x7DD0, 4, 0, DT_BASE_HI, VSMM__DT_GDTR,               \
	  "GDT base bits 63:32")                                               \
	X(ldtr_base_hi, 0x7DD4, 4, 0, BASE_HI, VSMM_LDTR,                      \
	  "LDT base bits 63:32")                                               \
	X(idtr_base_hi, 0x7DD8, 4, 0, DT_BASE_HI, VSMM__DT_IDTR,               \
	  "IDT base bits 63:32")                                               \
	X(io_restart_rdi, 0x7DE0, 8, 0, IO_RDI, 0,                             \
	  "I/O restart RDI (revision 0x30101 map)")                            \
	X(io_restart_rip, 0x7DE8, 8, 0, IO_RIP, 0, "I/O restart RIP (IO_RIP)") \
	X(io_restart_rcx, 0x7DF0, 8, 0, IO_RCX, 0,                             \
	  "I/O restart RCX (revision 0x30101 map)")                            \
	X(io_restart_rsi, 0x7DF8, 8, 0, IO_RSI, 0,                             \
	  "I/O restart RSI (revision 0x30101 map)")                            \
	X(cr4, 0x7E40, 4, 0, CR4, 0, "CR4 (bits 31:0)")                         \
	X(gdtr_base_lo, 0x7E8C, 4, 0, DT_BASE, VSMM__DT_GDTR,                  \
	  "GDT base bits 31:0")                                                \
	X(idtr_base_lo, 0x7E94, 4, 0, DT_BASE, VSMM__DT_IDTR,                  \
	  "IDT base bits 31:0")                                                \
	X(ldtr_base_lo, 0x7E9C, 4, 0, BASE, VSMM_LDTR, "LDT base bits 31:0")   \
	X(ept_vmx_control, 0x7ED8, 8, 0, EPT_VMX_CONTROL, 0,                   \
	  "EPTP VM-execution control field (SMI in VMX non-root)")             \
	X(en_ept_vmx_control, 0x7EE0, 4, 0, EN_EPT_VMX_CONTROL, 0,             \
	  "setting of the \"enable EPT\" VM-execution control")                \
	X(smbase, 0x7EF8, 4, 0, SMBASE, 0, "SMBASE; reloaded by RSM")          \
	X(smm_revision, 0x7EFC, 4, 0, REVISION, 0,                             \
	  "SMM revision identifier (bit 16 I/O restart, bit 17 SMBASE relocation)") \
	X(io_restart, 0x7F00, 2, 0, IO_RESTART, 0,                             \
	  "I/O instruction restart field")                                     \
	X(auto_hlt_restart, 0x7F02, 2, 0, AUTO_HLT, 0,                         \
	  "auto-HALT restart field")                                           \
	X(r15, 0x7F1C, 8, 0, GPR, VSMM_R15, "R15")                             \
	X(r14, 0x7F24, 8, 0, GPR, VSMM_R14, "R14")                             \
	X(r13, 0x7F2C, 8, 0, GPR, VSMM_R13, "R13")                             \
	X(r12, 0x7F34, 8, 0, GPR, VSMM_R12, "R12")                             \
	X(r11, 0x7F3C, 8, 0, GPR, VSMM_R11, "R11")                             \
	X(r10, 0x7F44, 8, 0, GPR, VSMM_R10, "R10")                             \
	X(r9, 0x7F4C, 8, 0, GPR, VSMM_R9, "R9")                                \
	X(r8, 0x7F54, 8, 0, GPR, VSMM_R8, "R8")                                \
	X(rax, 0x7F5C, 8, 0, GPR, VSMM_RAX, "RAX")                             \
	X(rcx, 0x7F64, 8, 0, GPR, VSMM_RCX, "RCX")                             \
	X(rdx, 0x7F6C, 8, 0, GPR, VSMM_RDX, "RDX")                             \
	X(rbx, 0x7F74, 8, 0, GPR, VSMM_RBX, "RBX")                             \
	X(rsp, 0x7F7C, 8, 0, GPR, VSMM_RSP, "RSP")                             \
	X(rbp, 0x7F84, 8, 0, GPR, VSMM_RBP, "RBP")                             \
	X(rsi, 0x7F8C, 8, 0, GPR, VSMM_RSI, "RSI")                             \
	X(rdi, 0x7F94, 8, 0, GPR, VSMM_RDI, "RDI")                             \
	X(io_mem_addr, 0x7F9C, 8, 0, IO_MEM_ADDR, 0,                           \
	  "I/O memory address (IO_MEM_ADDR)")                                  \
	X(io_misc, 0x7FA4, 4, 0, IO_MISC, 0,                                   \
	  "I/O state (IO_MISC: SMI flag, length, type, port)")                 \
	X(es_selector, 0x7FA8, 4, 0, SEL, VSMM_ES, "ES selector")              \
	X(cs_selector, 0x7FAC, 4, 0, SEL, VSMM_CS, "CS selector")              \
	X(ss_selector, 0x7FB0, 4, 0, SEL, VSMM_SS, "SS selector")              \
	X(ds_selector, 0x7FB4, 4, 0, SEL, VSMM_DS, "DS selector")              \
	X(fs_selector, 0x7FB8, 4, 0, SEL, VSMM_FS, "FS selector")              \
	X(gs_selector, 0x7FBC, 4, 0, SEL, VSMM_GS, "GS selector")              \
	X(ldtr_selector, 0x7FC0, 4, 0, SEL, VSMM_LDTR, "LDTR selector")        \
	X(tr_selector, 0x7FC4, 4, 0, SEL, VSMM_TR, "TR selector")              \
	X(dr7, 0x7FC8, 8, 0, DR7, 0, "DR7")                                    \
	X(dr6, 0x7FD0, 8, 0, DR6, 0, "DR6")                                    \
	X(rip, 0x7FD8, 8, 0, RIP, 0, "RIP")                                    \
	X(efer, 0x7FE0, 8, 0, EFER, 0, "IA32_EFER")                            \
	X(rflags, 0x7FE8, 8, 0, RFLAGS, 0, "RFLAGS")                           \
	X(cr3, 0x7FF0, 8, 0, CR3, 0, "CR3")                                    \
	X(cr0, 0x7FF8, 8, 0, CR0, 0, "CR0")
/* clang-format on */

#endif /* VSMM_LAYOUT_FIELDS_H */
