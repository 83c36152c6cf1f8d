; SPDX-License-Identifier: MIT
;
; A 64 KiB flat BIOS image that raises one SMI from a chosen context, lets
; its SMI handler corrupt the saved image in SMRAM, and reports on port 0xE9
; whether RSM resumed.  It runs under Bochs 2.7 (i440FX/PIIX4) and is meant
; to run on `vsmm run` too, whose q35 chipset needs ICH9's APMC_EN for it.
;
; Build: nasm -f bin -DCASE=<n> -o case.bin guest.asm   (cases below)
;
; Output protocol on port 0xE9, one line each (the driver parses these):
;   "start <name>"                  the guest reached its trigger context
;   "smi"                           the SMI handler runs
;   "entry cr0=.. cr4=.. efer=.. eflags=.. dr7=.. cs=.. idtr=LIMIT:BASE"
;                                   the SMM entry state, before any edit
;   "image <1024 hex digits>"       the 512-byte area SMBASE+0xFE00..0xFFFF
;                                   after the handler's edit, low byte first
;   "resumed cr0=.. cr4=.. efer=.. rflags=.. dr7=.."   RSM returned to the guest
; A shutdown prints nothing after "image"; the emulator's log says why.
;
; Only CR0/CR4/EFER/RFLAGS are edited, at the AMD64 map offsets (revision
; 0x00020064), which Bochs's x86-64 map shares (docs/bochs.md).

%ifndef CASE
%error "define CASE (see the table in tests/bochs/cases.txt)"
%endif

; The cases.  CTX64 says the SMI is raised from 64-bit mode.
%define CASE_CONTROL32      1  ; 32-bit protected mode, no edit
%define CASE_CONTROL64      2  ; long mode, no edit
%define CASE_LME_PG_NO_PAE  3  ; (a) 32-bit: image gets CR0.PG and EFER.LME, PAE stays 0
%define CASE_LM_PG_CLEAR    4  ; (b) long mode: image gets CR0.PG cleared
%define CASE_CR0_HIGH       5  ; (c) long mode: image gets CR0 bit 32 set
%define CASE_LM_RFLAGS_VM   6  ; (d) long mode: image gets RFLAGS.VM set
%define CASE_CR4_VMXE       7  ; (e) 32-bit: image gets CR4.VMXE set
; Further rules of the RSM check list, probed the same way.
%define CASE_CR0_NW_NO_CD   8  ; 32-bit: image gets CR0.CD cleared (NW stays 1)
%define CASE_CR4_RESERVED   9  ; 32-bit: image gets CR4 bit 15 (reserved) set
%define CASE_CR4_PCIDE_32  10  ; 32-bit: image gets CR4.PCIDE set
%define CASE_EFER_RESERVED 11  ; 32-bit: image gets EFER bit 2 (reserved) set
%define CASE_LM_PAE_CLEAR  12  ; long mode: image gets CR4.PAE cleared
%define CASE_CR4_HIGH      13  ; long mode: image gets CR4 bit 32 set
%define CASE_DR7_HIGH      14  ; long mode: image gets DR7 bit 32 set

%if CASE == CASE_CONTROL64 || CASE == CASE_LM_PG_CLEAR || CASE == CASE_CR0_HIGH || CASE == CASE_LM_RFLAGS_VM || CASE == CASE_LM_PAE_CLEAR || CASE == CASE_CR4_HIGH || CASE == CASE_DR7_HIGH
%define CTX64 1
%else
%define CTX64 0
%endif

ROM        equ 0xF0000            ; where the image sits below 1 MiB
SMBASE     equ 0x30000            ; default SMBASE after reset
SAVE       equ SMBASE + 0x8000    ; manual offsets 0x7Exx are relative to this
SCRATCH    equ SMBASE + 0xF000    ; SIDT target inside SMRAM, below the area
AREA       equ SAVE + 0x7E00      ; the 512-byte AMD64 area
STACK      equ 0x7000
PML4       equ 0x10000            ; long-mode tables: PML4, PDPT, PD (2 MiB page)
PDPT       equ 0x11000
PD64       equ 0x12000
PD32       equ 0x13000            ; 32-bit page directory (one 4 MiB page)

; Image fields (AMD64 map; Bochs and KVM agree on these).
F_EFER     equ SAVE + 0x7ED0
F_CR4      equ SAVE + 0x7F48
F_CR4_HI   equ SAVE + 0x7F4C
F_DR7_HI   equ SAVE + 0x7F64
F_CR0      equ SAVE + 0x7F58
F_CR0_HI   equ SAVE + 0x7F5C
F_RFLAGS   equ SAVE + 0x7F70

CR0_PE     equ 1 << 0
CR0_CD     equ 1 << 30
CR0_PG     equ 1 << 31
CR4_PSE    equ 1 << 4
CR4_PAE    equ 1 << 5
CR4_VMXE   equ 1 << 13
CR4_BIT15  equ 1 << 15            ; reserved in the SDM's CR4 table
CR4_PCIDE  equ 1 << 17
EFER_BIT2  equ 1 << 2             ; reserved in IA32_EFER
EFER_LME   equ 1 << 8
RFLAGS_VM  equ 1 << 17
MSR_EFER   equ 0xC0000080

SEL_CODE32 equ 0x08
SEL_DATA   equ 0x10
SEL_CODE64 equ 0x18

	org ROM

; The GDT comes first so that real mode refers to it backwards.
gdt:
	dq 0
	dq 0x00CF9B000000FFFF    ; 0x08: 32-bit code, flat
	dq 0x00CF93000000FFFF    ; 0x10: data, flat
	dq 0x00AF9B000000FFFF    ; 0x18: 64-bit code
gdt_end:
gdt_desc:
	dw gdt_end - gdt - 1
	dd gdt
idt_desc:
	dw 0x0FFF
	dd 0x5000

; ---------------------------------------------------------------- real mode
	bits 16
real_entry:
	cli
	cld
	; Bochs starts with CS base 0xFFFF0000 (the ROM's alias below 4 GiB);
	; continue in the 0xF0000 copy so offsets are plain.
	jmp 0xF000:(real_main - $$)
real_main:
	lgdt [cs:gdt_desc - $$]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:pm32

; ---------------------------------------------------------------- 32-bit
	bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, STACK
	; A distinctive IDTR: hardware keeps it across SMM entry, KVM zeroes
	; it, and the "entry" line shows which.  (Nothing here takes an
	; exception; the table at 0x5000 is never used.)
	lidt [idt_desc]
	call smi_enable
	; The handler runs from SMBASE+0x8000, in plain RAM below 1 MiB.
	mov esi, handler
	mov edi, SMBASE + 0x8000
	mov ecx, handler_end - handler
	rep movsb
%if CTX64
	jmp enter_long_mode
%else
%if CASE == CASE_LME_PG_NO_PAE
	; Page tables for the paging the handler switches on: one 4 MiB
	; identity page (PSE), so the code after RSM keeps running.
	mov dword [PD32], 0x83
	mov eax, cr4
	or eax, CR4_PSE
	mov cr4, eax
	mov eax, PD32
	mov cr3, eax
%endif
	mov esi, msg_start
	call puts32
	; The same GPRs on every machine (the PCI probe above left EAX/EDX
	; machine-specific), so saved images compare field for field.
	xor eax, eax
	xor edx, edx
	out 0xB2, al            ; APM command port: the SMI
	mov esi, msg_resumed
	call puts32
	call report32
	jmp finish32
%endif

; Enable the APM SMI of the chipset the host bridge names: the PIIX4's
; (PCI 00:01.3, register 0x5B bit 1) on an i440FX (8086:1237, Bochs), the
; ICH9's (PMBASE 0x600 and ACPI_EN in 00:1f.0, then SMI_EN = GBL_SMI_EN |
; APMC_EN) on a q35 (8086:29C0, vsmm run).  Uses EAX and DX only.
smi_enable:
	mov dx, 0xCF8
	mov eax, 0x80000000      ; 00:00.0 register 0: vendor/device
	out dx, eax
	mov dx, 0xCFC
	in eax, dx
	cmp eax, 0x29C08086
	je .ich9
	cmp eax, 0x12378086
	jne .done
	mov dx, 0xCF8
	mov eax, 0x80000B58      ; 00:01.3 register 0x58 (dword holding 0x5B)
	out dx, eax
	mov dx, 0xCFF
	in al, dx
	or al, 0x02
	out dx, al
	jmp .done
.ich9:
	mov dx, 0xCF8
	mov eax, 0x8000F840      ; 00:1f.0 register 0x40: PMBASE
	out dx, eax
	mov dx, 0xCFC
	mov eax, 0x601
	out dx, eax
	mov dx, 0xCF8
	mov eax, 0x8000F844      ; register 0x44: ACPI_CNTL
	out dx, eax
	mov dx, 0xCFC
	mov al, 0x80             ; ACPI_EN
	out dx, al
	mov dx, 0x630            ; PMBASE + 0x30: SMI_EN
	in eax, dx
	or eax, 0x21             ; GBL_SMI_EN | APMC_EN
	out dx, eax
.done:
	ret

; puts32: print the NUL-terminated string at ESI on port 0xE9.
puts32:
	lodsb
	test al, al
	jz .done
	out 0xE9, al
	jmp puts32
.done:
	ret

; hex32: print EAX as 8 hex digits.
hex32:
	mov ecx, 8
.next:
	rol eax, 4
	mov edx, eax
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '9' - 1
.out:
	out 0xE9, al
	mov eax, edx
	loop .next
	ret

; hex64_32: print EDX:EAX as 16 hex digits.
hex64_32:
	push eax
	mov eax, edx
	call hex32
	pop eax
	jmp hex32

; report32: " cr0=.. cr4=.. efer=.. rflags=.. dr7=..\n" as the CPU has them now.
report32:
	mov esi, msg_cr0
	call puts32
	xor edx, edx
	mov eax, cr0
	call hex64_32
	mov esi, msg_cr4
	call puts32
	xor edx, edx
	mov eax, cr4
	call hex64_32
	mov esi, msg_efer
	call puts32
	mov ecx, MSR_EFER
	rdmsr
	call hex64_32
	mov esi, msg_rflags
	call puts32
	xor edx, edx
	pushfd
	pop eax
	call hex64_32
	mov esi, msg_dr7
	call puts32
	xor edx, edx
	mov eax, dr7
	call hex64_32
	mov al, 10
	out 0xE9, al
	ret

finish32:
	xchg bx, bx             ; Bochs magic breakpoint: the driver quits here
.halt:
	hlt
	jmp .halt

%if CTX64
enter_long_mode:
	mov edi, PML4
	xor eax, eax
	mov ecx, 3 * 4096 / 4
	rep stosd
	mov dword [PML4], PDPT | 3
	mov dword [PDPT], PD64 | 3
	mov dword [PD64], 0x83   ; 2 MiB identity page: RAM and the ROM copy
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, PML4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	jmp SEL_CODE64:lm64

; ---------------------------------------------------------------- 64-bit
	bits 64
lm64:
	mov rsp, STACK
	mov esi, msg_start
	call puts64
	xor eax, eax
	xor edx, edx
	out 0xB2, al            ; the SMI, taken from 64-bit mode
	mov esi, msg_resumed
	call puts64
	call report64
	xchg bx, bx             ; magic breakpoint
.halt:
	hlt
	jmp .halt

puts64:
	lodsb
	test al, al
	jz .done
	out 0xE9, al
	jmp puts64
.done:
	ret

; hex64: print RAX as 16 hex digits.
hex64:
	mov ecx, 16
.next:
	rol rax, 4
	mov rdx, rax
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '9' - 1
.out:
	out 0xE9, al
	mov rax, rdx
	loop .next
	ret

report64:
	mov esi, msg_cr0
	call puts64
	mov rax, cr0
	call hex64
	mov esi, msg_cr4
	call puts64
	mov rax, cr4
	call hex64
	mov esi, msg_efer
	call puts64
	mov ecx, MSR_EFER
	rdmsr
	shl rdx, 32
	mov eax, eax
	or rax, rdx
	call hex64
	mov esi, msg_rflags
	call puts64
	pushfq
	pop rax
	call hex64
	mov esi, msg_dr7
	call puts64
	mov rax, dr7
	call hex64
	mov al, 10
	out 0xE9, al
	ret
%endif

; ---------------------------------------------------------------- SMI handler
; Copied to SMBASE+0x8000 and entered in SMM's real-address-like mode:
; CS base SMBASE, data segments base 0 with 4 GiB limits, so 32-bit
; addresses (a32) reach the save area without touching segment registers.
; It has no data of its own (position independent); the stack it borrows
; for the entry EFLAGS is the interrupted guest's (SS base 0, SP 0x7000 on every
; machine), and SIDT stores to a scratch dword pair in SMRAM.
	bits 16

; Print AL (0..15) as one hex digit on port 0xE9 (inline: no stack in SMM).
%macro call_nibble 0
	add al, '0'
	cmp al, '9'
	jbe %%out
	add al, 'a' - '9' - 1
%%out:
	out 0xE9, al
%endmacro

; Print a string literal on port 0xE9, one immediate byte at a time.
%macro put_str 1
%strlen %%len %1
%assign %%i 1
%rep %%len
%substr %%c %1 %%i
	mov al, %%c
	out 0xE9, al
%assign %%i %%i + 1
%endrep
%endmacro

%macro put_nl 0
	mov al, 10
	out 0xE9, al
%endmacro

; Print EBX as 8 hex digits (clobbers EAX, CX).
%macro put_hex32 0
	mov cx, 8
%%next:
	rol ebx, 4
	mov al, bl
	and al, 0x0F
	call_nibble
	loop %%next
%endmacro

handler:
	pushfd                  ; EFLAGS as SMM entry set it, before any ALU op
	put_str "smi"
	put_nl

	; The SMM entry state as this CPU set it up, before any edit:
	; "entry cr0=.. cr4=.. efer=.. eflags=.. dr7=.. cs=.. idtr=LIMIT:BASE"
	put_str "entry cr0="
	mov ebx, cr0
	put_hex32
	put_str " cr4="
	mov ebx, cr4
	put_hex32
	put_str " efer="
	mov ecx, MSR_EFER
	rdmsr
	mov ebx, eax
	put_hex32
	put_str " eflags="
	pop ebx
	put_hex32
	put_str " dr7="
	mov ebx, dr7
	put_hex32
	put_str " cs="
	xor ebx, ebx
	mov bx, cs
	put_hex32
	put_str " idtr="
	o32 sidt [dword SCRATCH]
	movzx ebx, word [dword SCRATCH]
	put_hex32
	put_str ":"
	mov ebx, [dword SCRATCH + 2]
	put_hex32
	put_nl

%if CASE == CASE_LME_PG_NO_PAE
	or dword [dword F_CR0], CR0_PG
	or dword [dword F_EFER], EFER_LME
%elif CASE == CASE_LM_PG_CLEAR
	and dword [dword F_CR0], ~CR0_PG
%elif CASE == CASE_CR0_HIGH
	mov dword [dword F_CR0_HI], 1
%elif CASE == CASE_LM_RFLAGS_VM
	or dword [dword F_RFLAGS], RFLAGS_VM
%elif CASE == CASE_CR4_VMXE
	or dword [dword F_CR4], CR4_VMXE
%elif CASE == CASE_CR0_NW_NO_CD
	and dword [dword F_CR0], ~CR0_CD
%elif CASE == CASE_CR4_RESERVED
	or dword [dword F_CR4], CR4_BIT15
%elif CASE == CASE_CR4_PCIDE_32
	or dword [dword F_CR4], CR4_PCIDE
%elif CASE == CASE_EFER_RESERVED
	or dword [dword F_EFER], EFER_BIT2
%elif CASE == CASE_LM_PAE_CLEAR
	and dword [dword F_CR4], ~CR4_PAE
%elif CASE == CASE_CR4_HIGH
	mov dword [dword F_CR4_HI], 1
%elif CASE == CASE_DR7_HIGH
	mov dword [dword F_DR7_HI], 1
%endif

	; "image " + the area as hex, lowest address first.
	put_str "image "
	mov esi, AREA
	mov cx, 512
.byte:
	a32 lodsb
	mov ah, al
	shr al, 4
	call_nibble
	mov al, ah
	and al, 0x0F
	call_nibble
	loop .byte
	mov al, 10
	out 0xE9, al
	rsm
handler_end:

; ---------------------------------------------------------------- data
msg_start:
	db "start "
%if CASE == CASE_CONTROL32
	db "control32"
%elif CASE == CASE_CONTROL64
	db "control64"
%elif CASE == CASE_LME_PG_NO_PAE
	db "lme_pg_no_pae"
%elif CASE == CASE_LM_PG_CLEAR
	db "lm_pg_clear"
%elif CASE == CASE_CR0_HIGH
	db "cr0_high"
%elif CASE == CASE_LM_RFLAGS_VM
	db "lm_rflags_vm"
%elif CASE == CASE_CR4_VMXE
	db "cr4_vmxe"
%elif CASE == CASE_CR0_NW_NO_CD
	db "cr0_nw_no_cd"
%elif CASE == CASE_CR4_RESERVED
	db "cr4_reserved"
%elif CASE == CASE_CR4_PCIDE_32
	db "cr4_pcide_32"
%elif CASE == CASE_EFER_RESERVED
	db "efer_reserved"
%elif CASE == CASE_LM_PAE_CLEAR
	db "lm_pae_clear"
%elif CASE == CASE_CR4_HIGH
	db "cr4_high"
%elif CASE == CASE_DR7_HIGH
	db "dr7_high"
%else
%error "unknown CASE"
%endif
	db 10, 0
msg_resumed: db "resumed", 0
msg_cr0:     db " cr0=", 0
msg_cr4:     db " cr4=", 0
msg_efer:    db " efer=", 0
msg_rflags:  db " rflags=", 0
msg_dr7:     db " dr7=", 0


; ---------------------------------------------------------------- reset vector
	times 0xFFF0 - ($ - $$) db 0xF4
	jmp 0xF000:(real_entry - $$)
	times 0x10000 - ($ - $$) db 0xF4
