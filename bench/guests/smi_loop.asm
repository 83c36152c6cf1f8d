; SPDX-License-Identifier: MIT
;
; End-to-end benchmark guest: takes N_RM SMIs from real mode, N_PM from
; 32-bit protected mode and N_LM from 64-bit long mode, each raised by a
; write to the APM control port 0xB2, with an SMI handler that is just RSM.
; The handler also counts the SMIs (one increment, so a run proves every
; SMI arrived); the guest then prints "smi_loop ok" or "smi_loop BAD" on
; the debug console (port 0xE9) and exits through the debug-exit port
; 0xF4 with value 0 (exit status 1) or 1 (status 3) on a wrong count.
;
; The same image runs on `vsmm run --bios` and on QEMU's q35 machine, so
; the time per SMI round trip of the two can be compared; the build makes
; one image per count set (-DN_RM=.. -DN_PM=.. -DN_LM=..), and the run
; with all counts 0 measures start-up and shut-down.
;
; Memory: the image is a 64 KiB BIOS mapped below 4 GiB and mirrored at
; 0xF0000 (CS F000 after the first far jump); page tables at 0x10000; the
; handler at the default SMBASE + 0x8000 = 0x38000.

%ifndef N_RM
%define N_RM 0
%endif
%ifndef N_PM
%define N_PM 0
%endif
%ifndef N_LM
%define N_LM 0
%endif

ROM_BASE   equ 0xF0000       ; where the image sits below 1 MiB
SMI_ENTRY  equ 0x38000       ; default SMBASE 0x30000 + 0x8000
PT_BASE    equ 0x10000       ; PML4, PDPT, PD (4 KiB each)
STACK_TOP  equ 0x7000
SMI_COUNT  equ 0x500         ; dword the handler increments

APM_CNT    equ 0xB2
DEBUG_CON  equ 0xE9
DEBUG_EXIT equ 0xF4

; ICH9 (QEMU q35) raises an SMI on an APM write only with SMI_EN.APMC_EN
; set, and SMI_EN lives in the ACPI PM I/O block, which must first be
; given a base (LPC config 0x40) and enabled (LPC config 0x44 bit 7).
LPC_CFG    equ 0x8000F800    ; PCI config address of 00:1f.0
PMBASE     equ 0x0600
SMI_EN     equ PMBASE + 0x30
SMI_EN_GBL equ 1 << 0
SMI_EN_APMC equ 1 << 5

	bits 16
	org 0

start16:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, STACK_TOP
	mov dword [SMI_COUNT], 0

	call ich9_enable_apm_smi
	call install_handler

	; SMIs from real mode
	mov ecx, N_RM
	jecxz .rm_done
.rm_loop:
	mov al, 0
	out APM_CNT, al
	dec ecx
	jnz .rm_loop
.rm_done:

	; to 32-bit protected mode (flat segments)
	lgdt [cs:gdt_desc]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x08:(ROM_BASE + start32)

; Write a dword to a PCI configuration register of the LPC bridge.
; eax = register offset, ebx = value.
lpc_cfg_write:
	or eax, LPC_CFG
	mov dx, 0xCF8
	out dx, eax
	mov eax, ebx
	mov dx, 0xCFC
	out dx, eax
	ret

ich9_enable_apm_smi:
	mov eax, 0x40               ; PMBASE (bit 0: I/O space indicator)
	mov ebx, PMBASE | 1
	call lpc_cfg_write
	mov eax, 0x44               ; ACPI_CNTL: ACPI_EN
	mov ebx, 0x80
	call lpc_cfg_write
	mov dx, SMI_EN
	mov eax, SMI_EN_GBL | SMI_EN_APMC
	out dx, eax
	ret

; Copy the SMI handler to SMBASE + 0x8000.
install_handler:
	push es
	mov ax, SMI_ENTRY >> 4
	mov es, ax
	xor di, di
	mov si, smi_handler
	mov cx, smi_handler_end - smi_handler
.copy:
	mov al, [cs:si]
	mov [es:di], al
	inc si
	inc di
	loop .copy
	pop es
	ret

; SMM starts in a real-mode-like state with DS base 0.
smi_handler:
	inc dword [SMI_COUNT]
	rsm
smi_handler_end:

	align 8
gdt:
	dq 0                        ; null
	dq 0x00CF9B000000FFFF       ; 0x08: 32-bit code, flat
	dq 0x00CF93000000FFFF       ; 0x10: data, flat
	dq 0x00AF9B000000FFFF       ; 0x18: 64-bit code
gdt_end:
gdt_desc:
	dw gdt_end - gdt - 1
	dd ROM_BASE + gdt

	bits 32
start32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, STACK_TOP

	; SMIs from 32-bit protected mode
	mov ecx, N_PM
	jecxz .pm_done
.pm_loop:
	mov al, 0
	out APM_CNT, al
	dec ecx
	jnz .pm_loop
.pm_done:

	; Identity-map the first 1 GiB with 2 MiB pages.
	mov edi, PT_BASE
	xor eax, eax
	mov ecx, 3 * 4096 / 4
	rep stosd
	mov dword [PT_BASE], PT_BASE + 0x1000 + 3          ; PML4[0] -> PDPT
	mov dword [PT_BASE + 0x1000], PT_BASE + 0x2000 + 3 ; PDPT[0] -> PD
	mov edi, PT_BASE + 0x2000
	mov eax, 0x83                                       ; P, RW, PS
	mov ecx, 512
.pd:
	mov [edi], eax
	add eax, 0x200000
	add edi, 8
	loop .pd

	mov eax, PT_BASE
	mov cr3, eax
	mov eax, cr4
	or eax, 1 << 5              ; PAE
	mov cr4, eax
	mov ecx, 0xC0000080         ; EFER
	rdmsr
	or eax, 1 << 8              ; LME
	wrmsr
	mov eax, cr0
	or eax, 1 << 31             ; PG
	mov cr0, eax
	jmp 0x18:(ROM_BASE + start64)

	bits 64
start64:
	; SMIs from 64-bit long mode
	mov rcx, N_LM
	test rcx, rcx
	jz .lm_done
.lm_loop:
	mov al, 0
	out APM_CNT, al
	dec rcx
	jnz .lm_loop
.lm_done:
	mov rsi, ROM_BASE + msg_ok
	xor ebx, ebx                ; exit value 0
	cmp dword [SMI_COUNT], N_RM + N_PM + N_LM
	je .report
	mov rsi, ROM_BASE + msg_bad
	mov ebx, 1
.report:
	lodsb
	test al, al
	jz .exit
	out DEBUG_CON, al
	jmp .report
.exit:
	mov eax, ebx
	out DEBUG_EXIT, al
.stop:
	hlt
	jmp .stop

msg_ok:  db "smi_loop ok", 10, 0
msg_bad: db "smi_loop BAD: wrong SMI count", 10, 0

	; Reset vector: the CPU starts at FFFF:FFF0 (linear FFFFFFF0).
	times 0x10000 - 0x10 - ($ - $$) db 0xF4
	bits 16
reset:
	jmp 0xF000:start16
	times 0x10000 - ($ - $$) db 0xF4
