; SPDX-License-Identifier: MIT
;
; smm.asm: the SMM scenario guest.  Assembled once per mode (MODE_REAL,
; MODE_PM32, MODE_PG32, MODE_PAE, MODE_LM64) and per scenario set:
;
;   (default)        stages 1-5: SMI via port 0xB2 with a dump of the
;                    state-save area and a check of every register after
;                    RSM; SMI via the local APIC ICR; a handler that edits
;                    saved RBX and RIP; an SMI raised inside the handler
;                    that stays pending and arrives right after RSM; SMBASE
;                    relocation and a second SMI at the new SMBASE.
;   BAD_CR0/CR4/EFER the handler corrupts the saved register: RSM must shut
;                    the vCPU down (exit status 2 on vsmm).
;   SMRAM            with `vsmm run --smram 0x200000:0x10000`: the handler
;                    moves itself into SMRAM; outside SMM the range reads
;                    0xFF and ignores writes, for the CPU and for the DMA
;                    device of the vsmm machine; inside SMM it holds its data.
;   AHLT             (--semantics hardware) HLT + SMI: the handler sees the
;                    auto-HALT restart field; keeping it halts again,
;                    clearing it resumes after HLT.
;   IORESTART        (--semantics hardware, Intel) the handler sets the I/O
;                    instruction restart field: the OUT runs twice.
;
; The output must not depend on where exactly an SMI lands, so the guest
; waits in a loop the handler releases (modes.inc WAIT_LOOP), and QEMU's
; later delivery gives the same lines as vsmm's immediate one.

%include "vsmm-guest.inc"

NEW_SMBASE      equ 0x50000
DMA_BUF         equ 0x9400
SMRAM_BASE      equ 0x200000

	section .text start=0 vstart=0xF0000

%include "modes.inc"

	bits 16
entry:
	ENTER_MODE

	bits GUEST_BITS
guest_main:
	MODE_BANNER

%if %isdef(BAD_CR0) || %isdef(BAD_CR4) || %isdef(BAD_EFER)
 %ifdef BAD_CR0
	STAGE 1, "the handler corrupts saved cr0: rsm must shut down"
	mov dword FLAT(MB_CMD), CMD_BAD_CR0
 %elifdef BAD_CR4
	STAGE 1, "the handler corrupts saved cr4: rsm must shut down"
	mov dword FLAT(MB_CMD), CMD_BAD_CR4
 %else
	STAGE 1, "the handler corrupts saved efer: rsm must shut down"
	mov dword FLAT(MB_CMD), CMD_BAD_EFER
 %endif
	PREP_APM
	ARM_TRIGGER_WAIT TRIGGER_APM, .resumed
.resumed:
	PUTLN "FAIL: rsm resumed from a corrupted image"
	EXIT 0x7F

%elifdef SMRAM
	STAGE 1, "first smi: the handler moves smbase into smram"
	mov dword FLAT(MB_CMD), CMD_INSTALL
	mov dword FLAT(MB_ARG_SMBASE), SMRAM_BASE
	PREP_APM
	ARM_TRIGGER_WAIT TRIGGER_APM, .s1
.s1:
	STAGE 2, "outside smm, smram reads as all ones"
	mov eax, FLAT(SMRAM_BASE + SECRET_OFFSET)
	cmp eax, 0xFFFFFFFF
	je .s2_ok
	mov edx, eax                    ; PUTS clobbers AL
	PUTS "FAIL: smram read outside smm gave "
	PUTHEX32
	PUTC 10
	EXIT 0x42
.s2_ok:
	mov eax, FLAT(SMRAM_BASE + HANDLER_OFFSET)
	cmp eax, 0xFFFFFFFF
	jne .s2_bad
	STAGE 3, "outside smm, writes to smram are dropped"
	mov dword FLAT(SMRAM_BASE + SECRET_OFFSET), 0x0BAD0BAD
	mov dword FLAT(SMRAM_BASE + HANDLER_OFFSET), 0x0BAD0BAD
	STAGE 4, "a device's dma can neither read nor write smram"
	mov dword FLAT(DMA_BUF), 0
	mov eax, SMRAM_BASE + SECRET_OFFSET
	out DMA_SRC, eax
	mov eax, DMA_BUF
	out DMA_DST, eax
	cmp dword FLAT(DMA_BUF), 0xFFFFFFFF
	jne .dma_bad
	mov dword FLAT(DMA_BUF + 4), 0x0BAD0BAD
	mov eax, DMA_BUF + 4
	out DMA_SRC, eax
	mov eax, SMRAM_BASE + SECRET_OFFSET
	out DMA_DST, eax
	mov eax, DMA_BUF + 4            ; and dma between ram pages works
	out DMA_SRC, eax
	mov eax, DMA_BUF + 8
	out DMA_DST, eax
	cmp dword FLAT(DMA_BUF + 8), 0x0BAD0BAD
	jne .dma_bad
	STAGE 5, "second smi runs from smram and finds its data intact"
	mov dword FLAT(MB_CMD), CMD_CHECK_SECRET
	PREP_APM
	ARM_TRIGGER_WAIT TRIGGER_APM, .s4
.s4:
	cmp dword FLAT(MB_RESULT), SECRET
	jne .s4_bad
	cmp dword FLAT(MB_COUNT), 2
	jne .s4_bad
	STAGE 6, "ok: smram isolated from the cpu and from dma"
	EXIT 0
.dma_bad:
	PUTS "FAIL: dma reached smram or failed; buffer "
	mov edx, FLAT(DMA_BUF)
	PUTHEX32
	PUTC 10
	EXIT 0x47
.s2_bad:
	PUTLN "FAIL: smram code readable outside smm"
	EXIT 0x43
.s4_bad:
	PUTLN "FAIL: smram data changed or second smi missing"
	EXIT 0x44

%elifdef AHLT
	STAGE 1, "hlt, then an smi from the smi timer; the handler keeps auto-halt restart"
	; first SMI: keep the field (the vCPU halts again), re-arm the timer;
	; second SMI: clear it, so RSM resumes after the HLT.
	mov dword FLAT(MB_CMD), CMD_SHOW_HALT | CMD_TIMER
	mov dword FLAT(MB_CMD2), CMD_SHOW_HALT | CMD_AHLT_CLEAR
	mov dword FLAT(MB_ARG_TIMER), 1000
	mov eax, 1000
	out SMI_TIMER, eax
	hlt
	STAGE 2, "resumed after hlt"
	cmp dword FLAT(MB_COUNT), 2
	jne .ahlt_bad
	cmp dword FLAT(MB_AHLT), 1
	jne .ahlt_bad
	STAGE 3, "ok: the first smi halted again, the second resumed"
	EXIT 0
.ahlt_bad:
	PUTLN "FAIL: expected two smis, both with auto-halt restart 1"
	EXIT 0x45

%elifdef IORESTART
	STAGE 1, "out 0xb2; the handler asks for i/o instruction restart"
	mov dword FLAT(MB_CMD), CMD_SHOW_HALT | CMD_IO_RESTART
	mov dword FLAT(MB_CMD2), CMD_SHOW_HALT
	PREP_APM
	ARM_TRIGGER_WAIT TRIGGER_APM, .io_done
.io_done:
	cmp dword FLAT(MB_COUNT), 2
	jne .io_bad
	STAGE 2, "ok: the out executed twice (two smis)"
	EXIT 0
.io_bad:
	PUTLN "FAIL: expected the restarted out to raise a second smi"
	EXIT 0x46

%else
	; ---------------------------------------------------------- stage 1
	STAGE 1, "smi via port 0xb2; the handler dumps the state-save area"
	mov dword FLAT(MB_CMD), CMD_DUMP
	SAVE_SYSTEM BLK_BEFORE
	PATTERNS
	PREP_APM
	SAVE_GPRS BLK_BEFORE
	ARM_TRIGGER_WAIT TRIGGER_APM, .st1
.st1:
	SAVE_GPRS BLK_AFTER
	SAVE_SYSTEM BLK_AFTER
	CHECK_BLOCKS 1
	STAGE 1, "ok: every register intact after rsm"

	; ---------------------------------------------------------- stage 2
	STAGE 2, "smi via the local apic icr (delivery mode smi, self)"
	SAVE_SYSTEM BLK_BEFORE
	PATTERNS
	PREP_APIC
	SAVE_GPRS BLK_BEFORE
	ARM_TRIGGER_WAIT TRIGGER_APIC, .st2
.st2:
	SAVE_GPRS BLK_AFTER
	SAVE_SYSTEM BLK_AFTER
	CHECK_BLOCKS 2
	STAGE 2, "ok: every register intact after rsm"

	; ---------------------------------------------------------- stage 3
	STAGE 3, "the handler edits saved rbx and rip"
	mov dword FLAT(MB_CMD), CMD_EDIT
	mov dword FLAT(MB_ARG_RIP), ADDR(.edited)
	mov dword FLAT(MB_ARG_RBX), 0x0BADF00D
	mov dword FLAT(MB_ARG_RBX_HI), 0x12345678
	mov ebx, 0x11111111
	PREP_APM
	ARM_TRIGGER_WAIT TRIGGER_APM, .not_edited
.not_edited:
	PUTLN "FAIL: rsm did not resume at the edited rip"
	EXIT 0x43
.edited:
%if GUEST_BITS == 64
	mov rax, 0x123456780BADF00D
	cmp rbx, rax
%else
	cmp ebx, 0x0BADF00D
%endif
	je .st3_ok
	PUTLN "FAIL: rbx does not hold the edited value"
	EXIT 0x43
.st3_ok:
	STAGE 3, "ok: resumed at the edited rip with the edited rbx"

	; ---------------------------------------------------------- stage 4
	STAGE 4, "an smi raised inside the handler stays pending until rsm"
	mov dword FLAT(MB_CMD), CMD_RAISE
	mov dword FLAT(MB_COUNT), 0
	PREP_APM
	ARM_TRIGGER_WAIT TRIGGER_APM, .st4
.st4:
	cmp dword FLAT(MB_COUNT), 2
	jne .st4_bad
	mov eax, FLAT(MB_LOG)
	cmp eax, FLAT(MB_LOG + 4)
	jne .st4_bad
	STAGE 4, "ok: the second smi came right after rsm, before any guest instruction"
	jmp .st5
.st4_bad:
	PUTLN "FAIL: the pending smi did not arrive right after rsm"
	EXIT 0x44

	; ---------------------------------------------------------- stage 5
.st5:
	STAGE 5, "smbase relocation, then an smi at the new smbase"
	FLAT_COPY DEFAULT_SMBASE + HANDLER_OFFSET, NEW_SMBASE + HANDLER_OFFSET, smi_end - smi_entry
	mov dword FLAT(MB_CMD), CMD_RELOCATE
	mov dword FLAT(MB_ARG_SMBASE), NEW_SMBASE
	mov dword FLAT(MB_COUNT), 0
	PREP_APM
	ARM_TRIGGER_WAIT TRIGGER_APM, .st5a
.st5a:
	; wipe the old handler: the next SMI must not run it
	mov dword FLAT(DEFAULT_SMBASE + HANDLER_OFFSET), 0
	PREP_APM
	ARM_TRIGGER_WAIT TRIGGER_APM, .st5b
.st5b:
	cmp dword FLAT(MB_COUNT), 2
	jne .st5_bad
	STAGE 5, "ok: the second smi ran at the new smbase"
	PUTLN "guest: all stages passed"
	EXIT 0
.st5_bad:
	PUTLN "FAIL: no smi at the new smbase"
	EXIT 0x45
%endif

	section smi follows=.text align=16 vstart=0x8000
%include "smi-handler.inc"

	section reset start=0xFFF0 vstart=0xFFFF0
	bits 16
	jmp 0xF000:R(entry)
	times 16 - ($ - $$) db 0
