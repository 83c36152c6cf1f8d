; SPDX-License-Identifier: MIT
;
; tour.asm: a guided tour of SMM on the `vsmm run` machine.
;
;   meson setup build && ninja -C build && build/cli/vsmm run --bios build/examples/tour.bin
;
; A flat 64 KiB BIOS image that takes SMIs from real mode, from 32-bit
; protected mode and from 64-bit long mode, and says what happened on the
; debug console (port 0xE9).  Its SMI handler (smi-handler.inc) runs in
; SMM and ends with RSM; vsmm saves the vCPU into the state-save area on
; each SMI and loads it back on RSM.  The tour ends with CLI; HLT, which
; `vsmm run` reports as a normal end (exit status 0); a failed check exits
; through port 0xF4 with an odd status instead.
;
; Add --trace to see each SMI and RSM as JSON (state before and after, and
; the decoded state-save image) on stderr.

%include "vsmm-guest.inc"

GDT_PHYS    equ 0x1000
PML4_PHYS   equ 0x10000
PDPT_PHYS   equ 0x11000
PD_PHYS     equ 0x12000     ; four page directories: 4 GiB in 2 MiB pages
NEW_SMBASE  equ 0x50000

	section .text start=0 vstart=0xF0000
	bits 16
entry:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	mov di, MB
	mov cx, MB_SIZE
	xor al, al
	cld
	rep stosb
	PUTLN "tour: reset; the CPU starts in real mode at F000:FFF0 (SMBASE 0x30000)"
	Q35_ENABLE_APM_SMI
	REAL_COPY 0xF0000 + section.smi.start, DEFAULT_SMBASE + HANDLER_OFFSET, smi_end - smi_entry
	PUTLN "tour: copied an SMI handler to SMBASE + 0x8000 = 0x38000"

	; ---------------------------------------------------------- real mode
	PUTLN "tour: [real mode] writing 0x5A to port 0xB2 (APM control) raises an SMI"
	mov ebx, 0x12345678
	mov dword [MB_TARGET], R(.real_wait)
	mov dword [MB_NEXT], R(.real_back)
	mov al, APM_SMI_VALUE
	out APM_CNT, al
.real_wait:
	jmp word [MB_TARGET]
.real_back:
	cmp ebx, 0x12345678
	jne fail
	PUTLN "tour: the 'smi' line came from the handler, in SMM: its SMBASE, the"
	PUTLN "tour:   state-save map's revision id (0x20064: the AMD64 map KVM and"
	PUTLN "tour:   QEMU write) and the RIP the SMI interrupted, read from that map"
	PUTLN "tour: [real mode] back after RSM, EBX still 12345678"

	; --------------------------------------------- 32-bit protected mode
	REAL_COPY 0xF0000 + (gdt - $$), GDT_PHYS, gdt_end - gdt
	o32 lgdt [cs:gdt_ptr - $$]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword 0x08:pm32
	bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x7000
	PUTLN "tour: [protected mode] sending an SMI to myself through the local APIC ICR"
	mov dword [MB_TARGET], .pm_wait
	mov dword [MB_NEXT], .pm_back
	mov dword [APIC_ICR_LO], ICR_SMI_SELF
.pm_wait:
	jmp [MB_TARGET]
.pm_back:
	mov eax, cr0
	test al, 1
	jz fail
	PUTLN "tour: [protected mode] back after RSM, CR0.PE still 1"

	; ---------------------------------------------------- 64-bit long mode
	mov edi, PD_PHYS
	mov eax, 0x83
	xor edx, edx
	mov ecx, 2048
.pde:	mov [edi], eax
	mov [edi + 4], edx
	add edi, 8
	add eax, 0x200000
	adc edx, 0
	loop .pde
	mov edi, PDPT_PHYS
	mov eax, PD_PHYS | 3
	mov ecx, 4
.pdpte:	mov [edi], eax
	mov dword [edi + 4], 0
	add edi, 8
	add eax, 0x1000
	loop .pdpte
	mov dword [PML4_PHYS], PDPT_PHYS | 3
	mov dword [PML4_PHYS + 4], 0
	LONG_MODE_ON PML4_PHYS, 0x18, lm64
	bits 64
lm64:
	mov rsp, 0x80000
	PUTLN "tour: [long mode] SMI again; the handler edits RBX in the state-save area"
	mov rbx, 0x1111111111111111
	mov dword [MB_CMD], CMD_EDIT
	mov dword [MB_ARG_RBX], 0xC0DE
	mov dword [MB_ARG_RBX_HI], 0x5A5A
	mov dword [MB_ARG_RIP], .lm_back
	mov dword [MB_TARGET], .lm_wait
	mov dword [MB_NEXT], .lm_back
	mov al, APM_SMI_VALUE
	out APM_CNT, al
.lm_wait:
	jmp [MB_TARGET]
.lm_back:
	PUTS "tour: [long mode] back after RSM, RBX is now "
	mov rdx, rbx
	PUTHEX64
	PUTC 10
	mov rax, 0x00005A5A0000C0DE
	cmp rbx, rax
	jne fail

	PUTLN "tour: [long mode] relocating SMBASE to 0x50000, then one more SMI"
	mov esi, DEFAULT_SMBASE + HANDLER_OFFSET
	mov edi, NEW_SMBASE + HANDLER_OFFSET
	mov ecx, smi_end - smi_entry
	rep movsb
	mov dword [MB_CMD], CMD_RELOCATE
	mov dword [MB_CMD2], 0
	mov dword [MB_ARG_SMBASE], NEW_SMBASE
	mov dword [MB_TARGET], .rel_wait1
	mov dword [MB_NEXT], .rel_back1
	mov al, APM_SMI_VALUE
	out APM_CNT, al
.rel_wait1:
	jmp [MB_TARGET]
.rel_back1:
	mov dword [MB_TARGET], .rel_wait2
	mov dword [MB_NEXT], .rel_back2
	out APM_CNT, al
.rel_wait2:
	jmp [MB_TARGET]
.rel_back2:
	PUTS "tour: done: "
	mov edx, [MB_COUNT]
	PUTHEXN 1
	PUTLN " SMIs handled, every RSM resumed where it should"
	cli
	hlt
	jmp fail

fail:
	PUTLN "tour: FAILED (see the lines above)"
	EXIT 0x55

	align 8
gdt:
	dq 0
	dq 0x00CF9B000000FFFF   ; 0x08 code32
	dq 0x00CF93000000FFFF   ; 0x10 data
	dq 0x00AF9B000000FFFF   ; 0x18 code64
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd GDT_PHYS

	section smi follows=.text align=16 vstart=0x8000
%include "smi-handler.inc"

	section reset start=0xFFF0 vstart=0xFFFF0
	bits 16
	jmp 0xF000:R(entry)
	times 16 - ($ - $$) db 0
