; SPDX-License-Identifier: MIT
;
; smmtest.asm: the stages of KVM's selftest x86/smm_test.c as a `vsmm run`
; guest (issue 17), written from its description, not its code.
;
; As there: SMRAM at 0x1000000, the SMI handler at SMBASE + 0x8000 is
; `mov al, 0xFE; in al, 0x0E; rsm`, SMIs come from a self-IPI (here the
; xAPIC ICR: vsmm has no x2APIC), and the guest reports each stage with
; `in al, 0x0E` (AL = stage).  On vsmm every such IN saves the whole vCPU
; (registers with their hidden parts, and vsmm's SMM state through its
; snapshot API), resets it and loads it back; stage 0xFE does so inside
; SMM.  QEMU has no host at port 0x0E, so there the stages only run.
;
; KVM's host sets SMBASE itself; here a first SMI at the default SMBASE
; relocates it to 0x1000000 and plants the handler, as firmware does.
; Then an SMI in real mode, 32-bit protected mode and 64-bit long mode;
; around each the guest compares every register it can read (GPRs, flags,
; segment selectors, CR0/CR3/CR4, EFER, RSP) and MSR_SMI_COUNT.
;
; -DSMM_INT: the relocation handler also executes INT 0x21, an exception
; inside SMM.  Under KVM's rules SMM's IDTR is base 0 limit 0, so that is
; a shutdown (status 2); on hardware and QEMU the IVT the guest set up at
; 0 still applies and the handler's IRET comes back.

%include "vsmm-guest.inc"

SMRAM           equ 0x1000000
SYNC_PORT       equ 0x0E
SMRAM_STAGE     equ 0xFE
DONE            equ 0xFF
GDT             equ 0x1000
PML4            equ 0x10000
SNAP_A          equ 0x800           ; register snapshots, 0x100 bytes each
SNAP_B          equ 0x900
SNAP_WORDS      equ 32

SEL_CODE32      equ 0x08
SEL_DATA        equ 0x10
SEL_CODE64      equ 0x18

	section .text start=0 vstart=0xF0000
	bits 16

	align 8
gdt_image:
	dq 0
	dq 0x00CF9B000000FFFF           ; 0x08 code32
	dq 0x00CF93000000FFFF           ; 0x10 data, 4 GiB
	dq 0x00AF9B000000FFFF           ; 0x18 code64
gdt_end:
gdtr:
	dw gdt_end - gdt_image - 1
	dd GDT

%macro SYNC 1
	mov al, %1
	in al, SYNC_PORT
%endmacro

; SMI to self through the xAPIC ICR; the jump ends QEMU's translation
; block, so the SMI is taken there as on vsmm (right after the write).
%macro SELF_SMI 0
	mov dword [es:dword APIC_ICR_LO], ICR_SMI_SELF
	jmp short %%taken
%%taken:
%endmacro

; Snapshot everything readable into %1 (32-bit form, also for real mode
; with flat ES).  EAX is reloaded, flags are untouched.
%macro SNAP32 1
	mov [es:dword %1 + 0], eax
	mov [es:dword %1 + 4], ebx
	mov [es:dword %1 + 8], ecx
	mov [es:dword %1 + 12], edx
	mov [es:dword %1 + 16], esi
	mov [es:dword %1 + 20], edi
	mov [es:dword %1 + 24], ebp
	mov [es:dword %1 + 28], esp
	pushfd
	pop dword [es:dword %1 + 32]
	mov [es:dword %1 + 36], cs
	mov [es:dword %1 + 40], ds
	mov [es:dword %1 + 44], es
	mov [es:dword %1 + 48], ss
	mov [es:dword %1 + 52], fs
	mov [es:dword %1 + 56], gs
	mov eax, cr0
	mov [es:dword %1 + 60], eax
	mov eax, cr3
	mov [es:dword %1 + 64], eax
	mov eax, cr4
	mov [es:dword %1 + 68], eax
	mov eax, [es:dword %1 + 0]
%endmacro

%macro SNAP64 1
	mov [%1 + 0], rax
	mov [%1 + 8], rbx
	mov [%1 + 16], rcx
	mov [%1 + 24], rdx
	mov [%1 + 32], rsi
	mov [%1 + 40], rdi
	mov [%1 + 48], rbp
	mov [%1 + 56], rsp
	mov [%1 + 64], r8
	mov [%1 + 72], r9
	mov [%1 + 80], r10
	mov [%1 + 88], r11
	mov [%1 + 96], r12
	mov [%1 + 104], r13
	mov [%1 + 112], r14
	mov [%1 + 120], r15
	pushfq
	pop qword [%1 + 128]
	mov [%1 + 136], cs
	mov [%1 + 140], ss
	mov [%1 + 144], ds
	mov rax, cr0
	mov [%1 + 152], rax
	mov rax, cr3
	mov [%1 + 160], rax
	mov rax, cr4
	mov [%1 + 168], rax
	mov rax, [%1 + 0]
%endmacro

; Fill the GPRs with values unlike each other (32-bit form).
%macro FILL32 0
	mov eax, 0xA0A0A0A0
	mov ebx, 0xB1B1B1B1
	mov ecx, 0xC2C2C2C2
	mov edx, 0xD3D3D3D3
	mov esi, 0x5E5E5E5E
	mov edi, 0xD1D1D1D1
	mov ebp, 0xB9B9B9B9
%endmacro

entry:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7000
	mov es, ax
	mov ax, cs
	mov ds, ax
	mov si, gdt_image - $$
	mov di, GDT
	mov cx, gdt_end - gdt_image
	rep movsb
	mov si, reloc_handler - $$
	mov ax, (DEFAULT_SMBASE + HANDLER_OFFSET) >> 4
	mov es, ax
	xor di, di
	mov cx, reloc_end - reloc_handler
	rep movsb
	xor ax, ax
	mov ds, ax
	o32 lgdt [cs:gdtr - $$]
	; "Unreal" ES: a 4 GiB limit for the APIC and SMRAM above 1 MiB.
	mov eax, cr0
	or al, 1
	mov cr0, eax
	mov ax, SEL_DATA
	mov es, ax
	mov eax, cr0
	and al, 0xFE
	mov cr0, eax
	jmp 0xF000:R(real)
real:
	PUTLN "smm_test: real mode"
%ifdef SMM_INT
	mov word [es:dword 0x21 * 4], int21_stub - $$
	mov word [es:dword 0x21 * 4 + 2], 0xF000
%endif
	SYNC 1
	SELF_SMI                        ; relocation to SMRAM
	SYNC 2
	call check_reloc

	FILL32
	mov ecx, 0x34
	rdmsr
	mov [es:dword SNAP_A + 0xF0], eax
	FILL32
	SNAP32 SNAP_A
	SELF_SMI
	SNAP32 SNAP_B
	call compare16
	SYNC 3

	; 32-bit protected mode.
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword SEL_CODE32:pm32

; The relocation SMI's handler, copied to 0x38000: SMBASE := SMRAM, the
; stage handler to SMRAM + 0x8000.  Real-mode SMM: 4 GiB data limits.
reloc_handler:
	; SMBASE: at 0xFF00 in the AMD64 map (revision 0x..64, KVM's and
	; QEMU's x86_64 map), at 0xFEF8 in the P6 and Intel 64 maps.
	mov bx, 0xFEF8
	cmp byte [cs:0xFEFC], 0x64
	jne .p6
	mov bx, 0xFF00
.p6:
	mov dword [cs:bx], SMRAM
%ifdef SMM_INT
	int 0x21
%endif
	mov edi, SMRAM + HANDLER_OFFSET
	mov byte [edi], 0xB0            ; mov al, SMRAM_STAGE
	mov byte [edi + 1], SMRAM_STAGE
	mov byte [edi + 2], 0xE4        ; in al, SYNC_PORT
	mov byte [edi + 3], SYNC_PORT
	mov word [edi + 4], 0xAA0F      ; rsm
	rsm
reloc_end:

int21_stub:
	PUTLN "smm: int 0x21 came back through the IVT"
	iret

check_reloc:
	; SMRAM + 0x8000 holds the handler now (SMRAM is readable outside
	; SMM only without --smram; the guest does not look).
	PUTLN "stage 2: smbase relocated"
	ret

; Compare SNAP_A and SNAP_B (real mode).
compare16:
	xor esi, esi
.next:
	mov eax, [es:dword SNAP_A + esi * 4]
	cmp eax, [es:dword SNAP_B + esi * 4]
	jne .bad
	inc esi
	cmp esi, 18
	jb .next
	mov ecx, 0x34
	rdmsr
	sub eax, [es:dword SNAP_A + 0xF0]
	cmp eax, 1
	jne .bad
	PUTLN "stage 3: real mode: smi taken, state kept"
	ret
.bad:
	PUTS "FAIL: real mode: word "
	mov edx, esi
	PUTHEX32
	PUTC 10
	ret

	bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, 0x7000
	SYNC 4
	mov ecx, 0x34
	rdmsr
	mov [SNAP_A + 0xF0], eax
	FILL32
	SNAP32 SNAP_A
	SELF_SMI
	SNAP32 SNAP_B
	mov esi, SNAP_A
	mov edi, SNAP_B
	mov ecx, 18
	repe cmpsd
	jne .bad
	mov ecx, 0x34
	rdmsr
	sub eax, [SNAP_A + 0xF0]
	cmp eax, 1
	jne .bad
	PUTLN "stage 4: protected mode: smi taken, state kept"
	jmp .lm
.bad:
	PUTLN "FAIL: protected mode"
.lm:
	SYNC 5
	; Identity 2 MiB pages for the first 4 GiB.
	xor eax, eax
	mov edi, PML4
	mov ecx, 0x6000 / 4
	rep stosd
	mov dword [PML4], (PML4 + 0x1000) | 3
	mov edi, PML4 + 0x1000          ; PDPT: four directories
	mov eax, (PML4 + 0x2000) | 3
	mov ecx, 4
.pdpte:
	mov [edi], eax
	add eax, 0x1000
	add edi, 8
	loop .pdpte
	mov edi, PML4 + 0x2000
	mov eax, 0x83
	xor edx, edx
	mov ecx, 2048
.pde:
	mov [edi], eax
	mov [edi + 4], edx
	add eax, 0x200000
	adc edx, 0
	add edi, 8
	loop .pde
	LONG_MODE_ON PML4, SEL_CODE64, lm64

	bits 64
lm64:
	mov rsp, 0x7000
	SYNC 6
	mov ecx, 0x34
	rdmsr
	mov [SNAP_A + 0xF0], eax
	mov rax, 0x0123456789ABCDEF
	mov rbx, 0x1122334455667788
	mov rcx, 0x8877665544332211
	mov rdx, 0xFEDCBA9876543210
	mov rsi, 0x5555AAAA5555AAAA
	mov rdi, 0xAAAA5555AAAA5555
	mov rbp, 0x0F0F0F0FF0F0F0F0
	mov r8, 0x8888888888888888
	mov r9, 0x9999999999999999
	mov r10, 0x1010101010101010
	mov r11, 0x1111111111111111
	mov r12, 0x1212121212121212
	mov r13, 0x1313131313131313
	mov r14, 0x1414141414141414
	mov r15d, APIC_ICR_LO           ; the ICR, zero-extended
	SNAP64 SNAP_A
	mov dword [r15], ICR_SMI_SELF
	jmp short .taken
.taken:
	SNAP64 SNAP_B
	mov rsi, SNAP_A
	mov rdi, SNAP_B
	mov ecx, 22
	repe cmpsq
	jne .bad
	mov ecx, 0x34
	rdmsr
	sub eax, [SNAP_A + 0xF0]
	cmp eax, 1
	jne .bad
	PUTLN "stage 7: long mode: smi taken, state kept"
	jmp .done
.bad:
	PUTLN "FAIL: long mode"
.done:
	SYNC DONE
	PUTLN "smm_test: done"
	EXIT 0

	section reset start=0xFFF0 vstart=0xFFFF0
	bits 16
	jmp 0xF000:R(entry)
	times 16 - ($ - $$) db 0
