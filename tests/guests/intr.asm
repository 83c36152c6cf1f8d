; SPDX-License-Identifier: MIT
;
; intr.asm: exception and interrupt delivery through the IDT (issue 10,
; item 2), printed so that `e2e.py diff` can hold vsmm against QEMU.
;
; 32-bit protected mode: INT3 and INTO (traps), INT n through a DPL 3
; trap gate from ring 0 and
; from ring 3 (stack switch to SS0:ESP0 of the TSS), INT n through a
; DPL 0 gate from ring 3 (#GP with error code vector*8+2), a 16-bit trap
; gate, #GP with a selector error code, #PF with CR2 and its error code
; (4 MiB pages, one not present), a #GP whose gate is not present
; (#NP while delivering it: #DF).  Long mode: INT3, an IST stack, #GP and #PF
; with error codes, INT n from ring 3 (RSP0 of the 64-bit TSS aligned
; down to 16 bytes, SS := NULL), and a DPL 0 gate from ring 3.
;
; -DTRIPLE: the #DF gate is not present either: a triple fault (status 2
; on vsmm; QEMU resets, so that image is not a differential).
;
; Every number printed is a selector, an error code, CR2, or a stack
; pointer relative to the TSS's, so the same lines come out on any
; faithful CPU.  The 8259 PIC is masked first (QEMU's PIT ticks, and its
; BSP accepts PIC interrupts through LINT0 from reset).

%include "vsmm-guest.inc"

GDT             equ 0x1000
TSS32           equ 0x1800
TSS64           equ 0x1900
IDT32           equ 0x2000
IDT64           equ 0x3000
PD32            equ 0x4000
PML4            equ 0x10000
PDPT            equ 0x11000
PD_LO           equ 0x12000
PD_HI           equ 0x13000
STUB16          equ 0x600           ; INT 0x43; RET (below 64 KiB)
ESP0            equ 0xB000
USER_STACK      equ 0xC000
KERNEL_STACK    equ 0x8000
RSP0_64         equ 0x7008          ; unaligned on purpose
IST1_64         equ 0x6808
NOT_PRESENT     equ 0x00800000      ; the 4 MiB / 2 MiB page left out

SEL_CODE32      equ 0x08
SEL_DATA        equ 0x10
SEL_UCODE32     equ 0x18
SEL_UDATA       equ 0x20
SEL_TSS32       equ 0x28
SEL_CODE64      equ 0x30
SEL_TSS64       equ 0x38
SEL_CODE16      equ 0x48
SEL_UCODE64     equ 0x50

	section .text start=0 vstart=0xF0000
	bits 16

; ------------------------------------------------------------- tables
	align 8
gdt_image:
	dq 0
	dq 0x00CF9B000000FFFF           ; 0x08 code32 DPL0
	dq 0x00CF93000000FFFF           ; 0x10 data DPL0
	dq 0x00CFFB000000FFFF           ; 0x18 code32 DPL3
	dq 0x00CFF3000000FFFF           ; 0x20 data DPL3
	dw 0x67, TSS32, 0x8900, 0       ; 0x28 32-bit TSS (available)
	dq 0x00AF9B000000FFFF           ; 0x30 code64 DPL0
	dw 0x67, TSS64, 0x8900, 0       ; 0x38 64-bit TSS, 16 bytes
	dq 0
	dq 0x00009B0F0000FFFF           ; 0x48 code16 DPL0, base 0xF0000
	dq 0x00AFFB000000FFFF           ; 0x50 code64 DPL3
gdt_end:

gdtr32:
	dw gdt_end - gdt_image - 1
	dd GDT

; ------------------------------------------------------------- macros
; 32-bit gate: vector, handler, type/attribute byte (0x8E int, 0x8F trap,
; +0x60 for DPL 3).
%macro GATE32 3
	mov eax, %2
	mov word [IDT32 + %1 * 8], ax
	mov word [IDT32 + %1 * 8 + 2], SEL_CODE32
	mov word [IDT32 + %1 * 8 + 4], %3 << 8
	shr eax, 16
	mov word [IDT32 + %1 * 8 + 6], ax
%endmacro

; 64-bit gate: vector, handler, type/attribute byte, IST.
%macro GATE64 4
	mov eax, %2
	mov word [IDT64 + %1 * 16], ax
	mov word [IDT64 + %1 * 16 + 2], SEL_CODE64
	mov word [IDT64 + %1 * 16 + 4], (%3 << 8) | %4
	shr eax, 16
	mov word [IDT64 + %1 * 16 + 6], ax
	mov dword [IDT64 + %1 * 16 + 8], 0
	mov dword [IDT64 + %1 * 16 + 12], 0
%endmacro

; PUTS then " " and a register's value as 8 hex digits.
%macro SHOW 2
	PUTS %1
	mov edx, %2
%if __BITS__ == 64
	call puthex64
%else
	call puthex
%endif
%endmacro

; ------------------------------------------------------------- entry
entry:
	cli
	cld
	mov al, 0xFF                    ; mask both 8259s
	out 0x21, al
	out 0xA1, al
	xor ax, ax
	mov es, ax
	mov ss, ax
	mov sp, KERNEL_STACK
	mov ax, cs
	mov ds, ax
	mov si, gdt_image - $$
	mov di, GDT
	mov cx, gdt_end - gdt_image
	rep movsb
	o32 lgdt [cs:gdtr32 - $$]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword SEL_CODE32:pm32

	bits 32
puthex:
	PUTHEX32
	ret

pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, KERNEL_STACK
	xor eax, eax
	mov edi, IDT32
	mov ecx, 0x800 / 4
	rep stosd
	GATE32 3, int3_32, 0xEF
	GATE32 4, into_32, 0xEF
	GATE32 8, df32, 0x8E
	GATE32 13, gp32, 0x8E
	GATE32 14, pf32, 0x8E
	GATE32 0x40, int40_32, 0xEF     ; trap gate, DPL 3
	GATE32 0x41, int40_32, 0x8E     ; DPL 0: INT from ring 3 is #GP
	GATE32 0x42, kernel32, 0xEE     ; back to ring 0 for good
	mov word [IDT32 + 0x43 * 8], int43_16 - $$
	mov word [IDT32 + 0x43 * 8 + 2], SEL_CODE16
	mov word [IDT32 + 0x43 * 8 + 4], 0x8700 ; 16-bit trap gate
	mov word [IDT32 + 0x43 * 8 + 6], 0
	lidt [idtr32]
	mov dword [TSS32 + 4], ESP0
	mov dword [TSS32 + 8], SEL_DATA
	mov ax, SEL_TSS32
	ltr ax
	PUTLN "pm32: start"

	int 0x40
	int3                            ; traps: return after the instruction
after_int3:
	mov al, 0x7F
	add al, 1                       ; OF
	into
after_into:
	mov dword [STUB16], 0xC343CD    ; int 0x43; ret
	call STUB16
	mov ax, 0x1234                  ; TI=1, no LDT: #GP(0x1234)
	mov ds, ax
	mov ax, 0x0F0                   ; beyond the GDT limit: #GP(0xF0)
	mov ds, ax
	mov ax, SEL_DATA
	mov ds, ax

	; 4 MiB pages, identity, all present but one.
	mov edi, PD32
	mov eax, 0x83
	mov ecx, 1024
.pde:
	mov [edi], eax
	add eax, 0x400000
	add edi, 4
	loop .pde
	mov dword [PD32 + (NOT_PRESENT >> 22) * 4], 0
	mov eax, cr4
	or eax, 0x10                    ; PSE
	mov cr4, eax
	mov eax, PD32
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	mov ebx, NOT_PRESENT + 0x1234
	mov eax, [ebx]                  ; #PF(0), CR2
	mov [ebx], eax                  ; #PF(2)
	mov eax, cr0
	and eax, 0x7FFFFFFF
	mov cr0, eax

	; #GP whose gate is not present: #NP while delivering it, #DF.
	and byte [IDT32 + 13 * 8 + 5], 0x7F
%ifdef TRIPLE
	and byte [IDT32 + 8 * 8 + 5], 0x7F
%endif
	mov ax, 0x1234
	mov ds, ax                      ; #DF (-DTRIPLE: shutdown)
after_df:
	mov ax, SEL_DATA
	mov ds, ax
	or byte [IDT32 + 13 * 8 + 5], 0x80

	; Ring 3, with IF set (nothing can interrupt: PIC masked, no timer).
	mov ax, SEL_UDATA | 3
	mov ds, ax
	mov es, ax
	push dword SEL_UDATA | 3
	push dword USER_STACK
	push dword 0x202
	push dword SEL_UCODE32 | 3
	push dword ring3_32
	iretd

ring3_32:
	int 0x40                        ; trap gate DPL 3: stack from the TSS
	int 0x41                        ; DPL 0 gate: #GP(0x41 * 8 + 2)
	int 0x42                        ; to ring 0 for good

idtr32:
	dw 0x7FF
	dd IDT32

; "int 0x40: ..." at CPL 0: where it came from and on which stack.
int40_32:
	mov ebp, esp
	SHOW "int 0x40: cs ", cs
	SHOW " ss ", ss
	SHOW " frame cs ", [ebp + 4]
	pushfd
	pop edx
	and edx, 0x200
	SHOW " if ", edx
	test byte [ebp + 4], 3
	jz .same
	SHOW " ss3 ", [ebp + 16]
	SHOW " esp3 ", [ebp + 12]
	mov edx, ESP0
	sub edx, ebp
	SHOW " esp0-esp ", edx
.same:
	PUTC 10
	iretd

; 16-bit trap gate: a 16-bit frame (IP, CS, FLAGS) on the 32-bit stack.
	bits 16
int43_16:
	mov ebp, esp
	PUTS "int 0x43 (16-bit gate): ip "
	movzx edx, word [ss:ebp]
	call puthex16
	PUTS " cs "
	movzx edx, word [ss:ebp + 2]
	call puthex16
	PUTC 10
	iret
puthex16:
	PUTHEX32
	ret
	bits 32

int3_32:
	mov edx, [esp]
	sub edx, after_int3
	SHOW "int3: return-after ", edx
	PUTC 10
	iretd

into_32:
	mov edx, [esp]
	sub edx, after_into
	SHOW "into: return-after ", edx
	PUTC 10
	iretd

gp32:
	mov ebp, esp
	SHOW "#gp: error ", [ebp]
	SHOW " cs ", [ebp + 8]
	PUTC 10
	add dword [ebp + 4], 2          ; every #GP here is 2 bytes long
	add esp, 4
	iretd

pf32:
	mov ebp, esp
	SHOW "#pf: error ", [ebp]
	mov edx, cr2
	SHOW " cr2 ", edx
	PUTC 10
	add dword [ebp + 4], 2
	add esp, 4
	iretd

df32:
	mov ebp, esp
	SHOW "#df: error ", [ebp]
	PUTC 10
	mov esp, KERNEL_STACK
	jmp after_df

; From ring 3 for good: the stack is the TSS's, then long mode.
kernel32:
	mov ebp, esp
	SHOW "int 0x42: frame cs ", [ebp + 4]
	SHOW " ss3 ", [ebp + 16]
	PUTC 10
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov esp, KERNEL_STACK

; ------------------------------------------------------------- long mode
	xor eax, eax
	mov edi, PML4
	mov ecx, 0x4000 / 4
	rep stosd
	mov dword [PML4], PDPT | 7
	mov dword [PDPT], PD_LO | 7
	mov dword [PDPT + 3 * 8], PD_HI | 7
	mov edi, PD_LO
	mov eax, 0x87
	mov ecx, 512
.lo:
	mov [edi], eax
	mov [edi + PD_HI - PD_LO], eax
	add dword [edi + PD_HI - PD_LO], 0xC0000000
	add eax, 0x200000
	add edi, 8
	loop .lo
	mov dword [PD_LO + (NOT_PRESENT >> 21) * 8], 0
	LONG_MODE_ON PML4, SEL_CODE64, lm64

	bits 64
lm64:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, KERNEL_STACK
	xor eax, eax
	mov edi, IDT64
	mov ecx, 0x1000 / 4
	rep stosd
	GATE64 3, int3_64, 0x8E, 0
	GATE64 13, gp64, 0x8E, 0
	GATE64 14, pf64, 0x8E, 0
	GATE64 0x40, int40_64, 0xEE, 0  ; DPL 3
	GATE64 0x41, int40_64, 0x8E, 0  ; DPL 0
	GATE64 0x44, ist64, 0x8E, 1     ; IST1
	lidt [idtr64]
	mov qword [TSS64 + 4], RSP0_64
	mov qword [TSS64 + 0x24], IST1_64
	mov ax, SEL_TSS64
	ltr ax
	PUTLN "lm64: start"

	int 0x44
	int3
after_int3_64:
	mov ax, 0x1234
	mov ds, ax                      ; #GP(0x1234)
	mov ebx, NOT_PRESENT + 0x10
	mov eax, [rbx]                  ; #PF(0)
	mov [rbx], eax                  ; #PF(2)

	push qword SEL_UDATA | 3
	push qword USER_STACK
	push qword 0x202
	push qword SEL_UCODE64 | 3
	mov rax, ring3_64
	push rax
	iretq

ring3_64:
	int 0x41                        ; #GP(0x41 * 8 + 2): the error code names the vector
	int 0x40                        ; RSP0, SS := NULL

puthex64:
	PUTHEX32
	ret

idtr64:
	dw 0xFFF
	dq IDT64

ist64:
	mov rbp, rsp
	mov edx, IST1_64
	sub edx, ebp
	SHOW "int 0x44 (ist1): ist1-rsp ", edx
	SHOW " ss ", ss
	PUTC 10
	iretq

int3_64:
	mov rdx, [rsp]
	mov eax, after_int3_64
	sub edx, eax
	SHOW "int3 (64-bit): return-after ", edx
	PUTC 10
	iretq

gp64:
	mov rbp, rsp
	SHOW "#gp: error ", [rbp]
	SHOW " cs ", [rbp + 16]
	PUTC 10
	add qword [rbp + 8], 2
	add rsp, 8
	iretq

pf64:
	mov rbp, rsp
	SHOW "#pf: error ", [rbp]
	mov rdx, cr2
	SHOW " cr2 ", edx
	PUTC 10
	add qword [rbp + 8], 2
	add rsp, 8
	iretq

int40_64:
	mov rbp, rsp
	SHOW "int 0x40: cs ", cs
	SHOW " ss ", ss
	SHOW " frame cs ", [rbp + 8]
	SHOW " ss3 ", [rbp + 32]
	mov edx, RSP0_64
	sub edx, ebp
	SHOW " rsp0-rsp ", edx
	PUTC 10
	PUTLN "intr: done"
	EXIT 0

	section reset start=0xFFF0 vstart=0xFFFF0
	bits 16
	jmp 0xF000:R(entry)
	times 16 - ($ - $$) db 0
