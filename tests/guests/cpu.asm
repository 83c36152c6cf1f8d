; SPDX-License-Identifier: MIT
;
; cpu.asm: what a guest sees of the CPU model (issue 10, item 1), printed
; so that `e2e.py diff` can hold vsmm against QEMU: CPUID leaves, RDMSR/
; WRMSR of EFER (SCE|LME|NXE must stay), IA32_APIC_BASE, the MTRRs, PAT,
; MSR_SMI_COUNT before and after an SMI, IA32_SMBASE and an unknown MSR.
; A #GP (vector 13) goes through the real-mode IVT to a handler that
; skips the two-byte RDMSR/WRMSR and prints "#gp" instead of a value, so
; the guest also checks exception delivery through the IVT (item 2) and
; INT n with a software handler.
;
; Real mode throughout (RDMSR, WRMSR and CPUID work there); the SMI
; handler is a bare RSM at the default SMBASE.

%include "vsmm-guest.inc"

GP_FLAG         equ 0x8F00      ; byte: set by the #GP handler
INT_FLAG        equ 0x8F04      ; dword: set by the INT 0x61 handler
SAVE            equ 0x8F10      ; eax ebx ecx edx of the last CPUID
LEAF            equ 0x8F20      ; dword: the leaf cpuid_line prints

	section .text start=0 vstart=0xF0000
	bits 16

; ------------------------------------------------------------- helpers
; Print EDX as 8 hex digits.  Clobbers EAX, ECX, EDX.
puthex:
	PUTHEX32
	ret

; Print a space, then EDX.
putsp:
	PUTC ' '
	jmp puthex

; "cpuid LLLLLLLL: eax ebx ecx edx" for leaf [LEAF], subleaf 0
cpuid_line:
	PUTS "cpuid "
	mov edx, [LEAF]
	call puthex
	PUTC ':'
	mov eax, [LEAF]
	xor ecx, ecx
	cpuid
	mov [SAVE], eax
	mov [SAVE + 4], ebx
	mov [SAVE + 8], ecx
	mov [SAVE + 12], edx
	mov edx, [SAVE]
	call putsp
	mov edx, [SAVE + 4]
	call putsp
	mov edx, [SAVE + 8]
	call putsp
	mov edx, [SAVE + 12]
	call putsp
	PUTC 10
	ret

; "rdmsr MMMMMMMM: hhhhhhhh llllllll" or "... #gp"
%macro RDMSR_LINE 1
	PUTS "rdmsr "
	mov edx, %1
	call puthex
	PUTC ':'
	mov byte [GP_FLAG], 0
	mov ecx, %1
	xor eax, eax
	xor edx, edx
	rdmsr
	call print_msr_result
%endmacro

; "wrmsr MMMMMMMM hhhhhhhh llllllll: ok" or "... #gp"
%macro WRMSR_LINE 3
	PUTS "wrmsr "
	mov edx, %1
	call puthex
	mov edx, %2
	call putsp
	mov edx, %3
	call putsp
	PUTC ':'
	mov byte [GP_FLAG], 0
	mov ecx, %1
	mov edx, %2
	mov eax, %3
	wrmsr
	cmp byte [GP_FLAG], 0
	jne %%gp
	PUTLN " ok"
	jmp %%done
%%gp:
	PUTLN " #gp"
%%done:
%endmacro

print_msr_result:
	cmp byte [GP_FLAG], 0
	jne .gp
	mov [SAVE], eax
	call putsp
	mov edx, [SAVE]
	call putsp
	PUTC 10
	ret
.gp:
	PUTLN " #gp"
	ret

; #GP: skip the faulting two-byte RDMSR/WRMSR.
gp_handler:
	push bp
	mov bp, sp
	add word [ss:bp + 2], 2
	mov byte [GP_FLAG], 1
	pop bp
	iret

; INT 0x61: a software interrupt; reports the flags it was entered with.
int61_handler:
	pushf
	pop word [INT_FLAG]
	mov word [INT_FLAG + 2], 0x6161
	iret

; ---------------------------------------------------------------- main
entry:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	mov word [13 * 4], R(gp_handler)
	mov word [13 * 4 + 2], 0xF000
	mov word [0x61 * 4], R(int61_handler)
	mov word [0x61 * 4 + 2], 0xF000
	Q35_ENABLE_APM_SMI
	; the SMI handler: RSM at 0x30000 + 0x8000
	mov ax, 0x3000
	mov es, ax
	mov word [es:HANDLER_OFFSET], 0xAA0F
	xor ax, ax
	mov es, ax

	PUTLN "cpu: model as the guest sees it"
	; every basic and extended leaf the model lists, and the hypervisor
	; range's first leaf
	mov dword [LEAF], 0
.basic:
	call cpuid_line
	inc dword [LEAF]
	cmp dword [LEAF], 0xE
	jb .basic
	mov dword [LEAF], 0x40000000
	call cpuid_line
	mov dword [LEAF], 0x80000000
.ext:
	call cpuid_line
	inc dword [LEAF]
	cmp dword [LEAF], 0x8000000B
	jb .ext

	RDMSR_LINE 0x1B                 ; IA32_APIC_BASE: 0xFEE00900 (BSP)
	RDMSR_LINE 0xC0000080           ; EFER at reset
	WRMSR_LINE 0xC0000080, 0, 0xD01 ; SCE | LME | NXE, and LMA (read only)
	RDMSR_LINE 0xC0000080
	WRMSR_LINE 0xC0000080, 0, 0
	RDMSR_LINE 0xFE                 ; MTRRCAP
	RDMSR_LINE 0x2FF                ; MTRR_DEF_TYPE
	WRMSR_LINE 0x2FF, 0, 0xC06
	RDMSR_LINE 0x2FF
	WRMSR_LINE 0x200, 0, 0x00000006 ; PHYSBASE0
	WRMSR_LINE 0x201, 0xF, 0xF8000800 ; PHYSMASK0 (valid, 128 MiB)
	RDMSR_LINE 0x200
	RDMSR_LINE 0x201
	RDMSR_LINE 0x20F
	WRMSR_LINE 0x250, 0x06060606, 0x06060606 ; FIX64K_00000
	RDMSR_LINE 0x250
	WRMSR_LINE 0x268, 0x05050505, 0x04040404 ; FIX4K_C0000
	RDMSR_LINE 0x268
	RDMSR_LINE 0x277                ; PAT at reset
	WRMSR_LINE 0x174, 0, 0x10       ; SYSENTER_CS
	RDMSR_LINE 0x174
	WRMSR_LINE 0xC0000081, 0x00230010, 0 ; STAR
	RDMSR_LINE 0xC0000081

	RDMSR_LINE 0x34                 ; MSR_SMI_COUNT
	mov al, APM_SMI_VALUE
	out APM_CNT, al
	nop
	RDMSR_LINE 0x34
	RDMSR_LINE 0x9E                 ; IA32_SMBASE: not for the guest
	RDMSR_LINE 0x12345              ; no such MSR
	RDMSR_LINE 0x17                 ; IA32_PLATFORM_ID: 0 (OVMF's PEI reads it)
	WRMSR_LINE 0x12345, 0, 1

	mov dword [INT_FLAG], 0
	xor ax, ax                      ; ZF PF: flags the handler sees
	sti
	int 0x61
	cli
	PUTS "int 0x61: flags"
	mov edx, [INT_FLAG]
	call putsp
	PUTC 10
	PUTLN "cpu: done"
	EXIT 0

	section reset start=0xFFF0 vstart=0xFFFF0
	bits 16
	jmp 0xF000:R(entry)
	times 16 - ($ - $$) db 0
