; SPDX-License-Identifier: MIT
; A small software-SMI handler and the code that triggers it, for
; examples/swsmi.py (x86-64, flat; nasm -f bin).
;
; The OS part loads the SMI's arguments into RAX (a function code) and
; RBX (an operand) and writes port 0xB2 (the APM control port raises the
; SMI).  The handler, as an EDK2 handler would, asks
; EFI_MM_CPU_PROTOCOL.ReadSaveState for RAX and RBX, computes, and
; WriteSaveState's the result into RAX, then executes RSM.  The protocol
; calls are hypercalls to the script: ECX = register number, EDX = width,
; OUT 0xE0 = ReadSaveState (value in RAX), OUT 0xE1 = WriteSaveState of R8.

bits 64
org 0x1000

os_entry:
	mov	rax, 0x5a		; function: add 0x1000 to the operand
	mov	rbx, 0x1234
	out	0xb2, al		; SW SMI
	hlt				; RAX holds the handler's answer here

times 0x100 - ($ - $$) db 0

handler:				; at 0x1100
	mov	ecx, 38			; EFI_MM_SAVE_STATE_REGISTER_RAX
	mov	edx, 8
	out	0xe0, al		; ReadSaveState(RAX) -> rax
	mov	rsi, rax
	mov	ecx, 39			; RBX
	mov	edx, 8
	out	0xe0, al		; ReadSaveState(RBX) -> rax
	cmp	rsi, 0x5a
	jne	.unknown
	lea	r8, [rax + 0x1000]
	jmp	.answer
.unknown:
	mov	r8, -1
.answer:
	mov	ecx, 38			; WriteSaveState(RAX, 8, r8)
	mov	edx, 8
	out	0xe1, al
	rsm
