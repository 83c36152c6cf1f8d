; SPDX-License-Identifier: MIT
;
; apic.asm: the local APIC and hardware-interrupt delivery (issue 10,
; item 2), printed so that `e2e.py diff` can hold vsmm against QEMU.
;
; 32-bit protected mode, flat, no paging.  A fixed self-IPI sits in IRR
; while IF = 0 and arrives right after the instruction that follows STI
; (the STI shadow); ISR holds it in the handler until EOI; TPR holds back
; a vector of a class not above it; the LVT timer in periodic and
; one-shot mode (and its current count), HLT woken by the timer; NMI
; through the ICR, a second NMI sent inside the handler waits for IRET;
; an NMI sent from inside SMM waits for RSM (SMM blocks NMIs).
;
; Nothing printed depends on where exactly an interrupt lands: the main
; line waits for the handlers' counters in loops and prints afterwards.

%include "vsmm-guest.inc"

GDT             equ 0x1000
IDT             equ 0x2000
KERNEL_STACK    equ 0x8000
APIC            equ 0xFEE00000
CNT_IPI         equ 0x500           ; dword counters the handlers bump
CNT_TIMER       equ 0x504
CNT_NMI         equ 0x508
NMI_INNER       equ 0x50C           ; CNT_NMI seen after the nested send
IPI_ISR         equ 0x510           ; ISR word of vector 0x50 in its handler
IPI_EIP         equ 0x514           ; where the IPI handler returns to
NMI_IN_SMM      equ 0x518           ; CNT_NMI as the SMI handler saw it

V_TIMER         equ 0x40
V_IPI           equ 0x50

	section .text start=0 vstart=0xF0000
	bits 16

	align 8
gdt_image:
	dq 0
	dq 0x00CF9B000000FFFF           ; 0x08 code32
	dq 0x00CF93000000FFFF           ; 0x10 data
gdt_end:
gdtr:
	dw gdt_end - gdt_image - 1
	dd GDT
idtr:
	dw 0x7FF
	dd IDT

%macro GATE 2
	mov eax, %2
	mov word [IDT + %1 * 8], ax
	mov word [IDT + %1 * 8 + 2], 0x08
	mov word [IDT + %1 * 8 + 4], 0x8E00
	shr eax, 16
	mov word [IDT + %1 * 8 + 6], ax
%endmacro

%macro SHOW 2
	PUTS %1
	mov edx, %2
	call puthex
%endmacro

; Wait until dword [%1] >= %2 (interrupts do the counting).
%macro WAIT_FOR 2
%%again:
	cmp dword [%1], %2
	jb %%again
%endmacro

entry:
	cli
	cld
	mov al, 0xFF                    ; mask both 8259s
	out 0x21, al
	out 0xA1, al
	xor ax, ax
	mov es, ax
	mov ax, cs
	mov ds, ax
	mov si, gdt_image - $$
	mov di, GDT
	mov cx, gdt_end - gdt_image
	rep movsb
	mov si, smi_handler - $$
	mov ax, (DEFAULT_SMBASE + HANDLER_OFFSET) >> 4
	mov es, ax
	xor di, di
	mov cx, smi_end - smi_handler
	rep movsb
	xor ax, ax
	mov es, ax
	o32 lgdt [cs:gdtr - $$]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x08:pm32

	bits 32
puthex:
	PUTHEX32
	ret

pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, KERNEL_STACK
	xor eax, eax
	mov edi, IDT
	mov ecx, 0x800 / 4
	rep stosd
	mov edi, CNT_IPI
	mov ecx, 8
	rep stosd
	GATE 2, nmi_handler
	GATE V_TIMER, timer_handler
	GATE V_IPI, ipi_handler
	lidt [cs:idtr]

	SHOW "apic: version ", [APIC + 0x30]
	SHOW " id ", [APIC + 0x20]
	SHOW " svr ", [APIC + 0xF0]
	PUTC 10
	mov dword [APIC + 0xF0], 0x1FF  ; software enable, spurious 0xFF

	; A fixed self-IPI while IF = 0: pending in IRR, taken after STI's
	; shadow, i.e. after the instruction that follows STI.
	mov dword [APIC + 0x300], 0x00040000 | V_IPI
	SHOW "ipi pending: irr ", [APIC + 0x220]
	SHOW " isr ", [APIC + 0x120]
	PUTC 10
	sti
	nop                             ; the shadow: runs before the IPI
after_shadow:
	WAIT_FOR CNT_IPI, 1
	cli
	SHOW "ipi taken: isr in handler ", [IPI_ISR]
	SHOW " isr now ", [APIC + 0x120]
	mov edx, [IPI_EIP]
	sub edx, after_shadow
	SHOW " return-after_shadow ", edx
	PUTC 10

	; TPR 0x50 holds back vector 0x50 (class 5 is not above 5).
	mov dword [APIC + 0x80], 0x50
	mov dword [APIC + 0x300], 0x00040000 | V_IPI
	sti
	mov ecx, 1000
.spin:
	loop .spin
	cli
	SHOW "tpr 50: ipis ", [CNT_IPI]
	SHOW " ppr ", [APIC + 0xA0]
	SHOW " irr ", [APIC + 0x220]
	PUTC 10
	sti
	mov dword [APIC + 0x80], 0
	WAIT_FOR CNT_IPI, 2
	cli
	SHOW "tpr 0: ipis ", [CNT_IPI]
	PUTC 10

	; Periodic timer, divide by 16.
	mov dword [APIC + 0x3E0], 0x3
	mov dword [APIC + 0x320], 0x20000 | V_TIMER
	mov dword [APIC + 0x380], 0x10000000 ; long enough not to expire
	mov eax, [APIC + 0x390]
	mov ecx, 1000
.spin2:
	loop .spin2
	mov ebx, [APIC + 0x390]
	xor edx, edx
	cmp ebx, eax                    ; counting down, not above initial
	jae .not_down
	cmp eax, 0x10000000
	ja .not_down
	inc edx
.not_down:
	mov dword [APIC + 0x380], 2000
	SHOW "timer: counting down ", edx
	SHOW " divide ", [APIC + 0x3E0]
	PUTC 10
	sti
	WAIT_FOR CNT_TIMER, 5
	cli
	mov dword [APIC + 0x320], 0x10000 | V_TIMER ; masked
	PUTLN "timer: 5 periodic ticks"

	; One-shot, and HLT woken by it.
	mov dword [CNT_TIMER], 0
	mov dword [APIC + 0x3E0], 0xB   ; divide by 1
	mov dword [APIC + 0x320], V_TIMER
	mov dword [APIC + 0x380], 5000
	sti
	hlt
	WAIT_FOR CNT_TIMER, 1
	cli
	mov ecx, 10000
.spin3:
	loop .spin3
	SHOW "one-shot: ticks ", [CNT_TIMER]
	SHOW " current ", [APIC + 0x390]
	PUTC 10

	; NMI through the ICR; a second one sent in the handler waits for
	; its IRET.
	mov dword [APIC + 0x300], 0x00040400
	WAIT_FOR CNT_NMI, 2
	SHOW "nmi: taken ", [CNT_NMI]
	SHOW " inside the first handler ", [NMI_INNER]
	PUTC 10

	; An NMI sent inside SMM is held until RSM.
	mov dword [APIC + 0x300], 0x00040200 ; SMI to self
	WAIT_FOR CNT_NMI, 3
	SHOW "nmi sent in smm: seen in smm ", [NMI_IN_SMM]
	SHOW " after rsm ", [CNT_NMI]
	PUTC 10
	PUTLN "apic: done"
	EXIT 0

ipi_handler:
	push eax
	mov eax, [APIC + 0x120]         ; ISR bits 0x40..0x5F
	mov [IPI_ISR], eax
	mov eax, [esp + 4]
	mov [IPI_EIP], eax
	inc dword [CNT_IPI]
	mov dword [APIC + 0xB0], 0      ; EOI
	pop eax
	iretd

timer_handler:
	inc dword [CNT_TIMER]
	mov dword [APIC + 0xB0], 0
	iretd

nmi_handler:
	push eax
	push ecx
	inc dword [CNT_NMI]
	cmp dword [CNT_NMI], 1
	jne .out
	mov dword [APIC + 0x300], 0x00040400
	mov ecx, 1000
.spin:
	loop .spin
	mov eax, [CNT_NMI]
	mov [NMI_INNER], eax
.out:
	pop ecx
	pop eax
	iretd

; The SMI handler (copied to 0x38000; real-mode SMM, 4 GiB data limits):
; an NMI to self, a pause, what the NMI counter says, RSM.
	bits 16
smi_handler:
	mov dword [dword APIC + 0x300], 0x00040400
	mov ecx, 1000
.spin:
	a32 loop .spin
	mov eax, [dword CNT_NMI]
	mov [dword NMI_IN_SMM], eax
	rsm
smi_end:

	section reset start=0xFFF0 vstart=0xFFFF0
	bits 16
	jmp 0xF000:R(entry)
	times 16 - ($ - $$) db 0
