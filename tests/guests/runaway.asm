; SPDX-License-Identifier: MIT
;
; runaway.asm: guests that send the vCPU where the engine cannot follow, for
; the `vsmm run` stop conditions (issue 15.1): --timeout and --max-insns
; must end every run with status 6, and a state the engine cannot run must
; end with a documented status, never a hang.  One scenario per build:
;
;   REAL_HIGH_BASE   real mode; the SMI handler edits the AMD64 map so that
;                    RSM resumes real mode with CS.base 0x7FFFFFFFFFFF0000
;                    and IP 0xFFFF (CS.base + IP = 0x7FFFFFFFFFFFFFFF)
;   LM64_SMI_RIP     long mode; the handler sets the saved RIP to
;                    0x7FFFFFFFFFFFFFFF (not canonical)
;   LM64_JMP_RIP     long mode, no SMI: JMP RAX to 0x7FFFFFFFFFFFFFFF
;                    (the library never sees this state)
;   LM64_TOP_LOOP    long mode, no SMI: an endless JMP $ in the last two
;                    bytes below 4 GiB (the image's high alias, the highest
;                    address this engine can fetch from)
;   REAL_SMBASE_OUT  real mode; the handler moves SMBASE to 0xF0000000
;                    (beyond RAM, no device), the guest raises a second SMI
;                    and reports whether it came back (issue 16)
;
; Nothing here is reached after the runaway: a line starting "FAIL" or the
; exit port says the run went somewhere the test did not expect.

%include "vsmm-guest.inc"

PML4            equ 0x10000
PDPT            equ 0x11000
PD_LOW          equ 0x12000   ; 0 .. 1 GiB, 2 MiB pages
PD_TOP          equ 0x13000   ; 3 .. 4 GiB, 2 MiB pages (the image's high alias)
SSA             equ DEFAULT_SMBASE + 0xFE00 ; the AMD64 map's state-save area
SSA_CS_BASE     equ SSA + 0x18
SSA_SMBASE      equ SSA + 0x100
SSA_RIP         equ SSA + 0x178
HIGH            equ 0x7FFFFFFF    ; bits 63:32 of the runaway address
OUT_OF_RAM      equ 0xF0000000    ; no RAM, ROM or device there

%if %isdef(LM64_SMI_RIP) || %isdef(LM64_JMP_RIP) || %isdef(LM64_TOP_LOOP)
 %define LONG_MODE
%endif

	section .text start=0 vstart=0xF0000
	bits 16
entry:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	Q35_ENABLE_APM_SMI
	REAL_COPY 0xF0000 + (handler - $$), DEFAULT_SMBASE + HANDLER_OFFSET, handler_end - handler
%ifdef LONG_MODE
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
	mov edi, PML4
	xor eax, eax
	mov ecx, 0x4000 / 4
	cld
	rep stosd
	mov dword [PML4], PDPT | 3
	mov dword [PDPT], PD_LOW | 3
	mov dword [PDPT + 3 * 8], PD_TOP | 3
	mov edi, PD_LOW
	mov eax, 0x83                   ; present, writable, 2 MiB
.low:	mov [edi], eax
	add edi, 8
	add eax, 0x200000
	cmp edi, PD_LOW + 0x1000
	jb .low
	mov eax, 0xC0000083
.top:	mov [edi], eax
	add edi, 8
	add eax, 0x200000
	cmp edi, PD_TOP + 0x1000
	jb .top
	LONG_MODE_ON PML4, 0x18, lm64
	bits 64
lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, 0x80000
	PUTLN "guest: long mode"
%endif

%ifdef REAL_HIGH_BASE
	PUTLN "guest: smi; rsm resumes at cs.base 7fffffffffff0000, ip ffff"
	mov al, APM_SMI_VALUE
	out APM_CNT, al
%elifdef LM64_SMI_RIP
	PUTLN "guest: smi; rsm resumes at rip 7fffffffffffffff"
	mov al, APM_SMI_VALUE
	out APM_CNT, al
%elifdef LM64_JMP_RIP
	PUTLN "guest: jmp to rip 7fffffffffffffff"
	mov rax, 0x7FFFFFFFFFFFFFFF
	jmp rax
%elifdef LM64_TOP_LOOP
	PUTLN "guest: endless loop at fffffffe"
	mov eax, 0xFFFFFFFE
	jmp rax
%elifdef REAL_SMBASE_OUT
	PUTLN "guest: smi 1 moves smbase beyond ram"
	mov al, APM_SMI_VALUE
	out APM_CNT, al
	PUTLN "guest: smi 2 at smbase f0000000"
	mov al, APM_SMI_VALUE
	out APM_CNT, al
	PUTLN "guest: back after smi 2"
	EXIT 0x10
%else
 %error "runaway.asm: no scenario defined"
%endif
	PUTLN "FAIL: the guest went on after the runaway"
	EXIT 0x7F

%ifdef LONG_MODE
	align 8
gdt:
	dq 0
	dq 0x00CF9B000000FFFF           ; 0x08 code32 flat
	dq 0x00CF93000000FFFF           ; 0x10 data flat
	dq 0x00AF9B000000FFFF           ; 0x18 code64
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt
%endif

; The SMI handler, copied to SMBASE + 0x8000.  SMM entry state: 16-bit code,
; data segments with base 0 and 4 GiB limits, so dword addresses reach the
; state-save area.  No labels: the copy runs at another address.
	bits 16
handler:
	PUTLN "smi: handler"
%ifdef REAL_HIGH_BASE
	mov dword [dword SSA_CS_BASE], 0xFFFF0000
	mov dword [dword SSA_CS_BASE + 4], HIGH
	mov dword [dword SSA_RIP], 0xFFFF
	mov dword [dword SSA_RIP + 4], 0
%elifdef LM64_SMI_RIP
	mov dword [dword SSA_RIP], 0xFFFFFFFF
	mov dword [dword SSA_RIP + 4], HIGH
%elifdef REAL_SMBASE_OUT
	mov dword [dword SSA_SMBASE], OUT_OF_RAM
%endif
	rsm
handler_end:

	section reset start=0xFFF0 vstart=0xFFFF0
	bits 16
	jmp 0xF000:R(entry)
	times 14 - ($ - $$) db 0
	bits 64
	jmp $                           ; at 0xFFFFFFFE (high alias) / 0xFFFFE
