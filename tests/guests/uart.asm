; SPDX-License-Identifier: MIT
;
; uart.asm: COM1 as `vsmm run --serial` models it (engines/unicorn/uart.c):
; the registers a probe reads (SeaBIOS's IER/IIR test, the line and modem
; status, the divisor latch, scratch, loopback), each printed on the
; debug console as "uart NAME: value", then a line sent through THR.
; Without --serial there is no COM1 and every read floats high (0xff).
; Real mode throughout.

%include "vsmm-guest.inc"

COM1            equ 0x3F8

	section .text start=0 vstart=0xF0000
	bits 16

; Print " AL" as 8 hex digits, then a newline.  Clobbers EAX, ECX, EDX.
putal:
	movzx edx, al
	PUTHEX32
	PUTC 10
	ret

%macro SHOW 2 ; name, register offset
	PUTS "uart "
	PUTS %1
	PUTS ": "
	mov dx, COM1 + %2
	in al, dx
	call putal
%endmacro

%macro SET 2 ; register offset, value
	mov dx, COM1 + %1
	mov al, %2
	out dx, al
%endmacro

entry:
	cli
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7000
	PUTLN "uart: COM1 as the guest sees it"
	SHOW "lsr", 5
	SET 1, 0x02             ; IER: THR-empty interrupt on
	SHOW "ier", 1
	SHOW "iir", 2           ; THR empty: interrupt 0x02 pending
	SHOW "iir again", 2     ; taken by the first read
	SET 1, 0x00
	SET 3, 0x83             ; DLAB, 8N1
	SET 0, 0x01             ; divisor 1: 115200 baud
	SET 1, 0x00
	SHOW "dll", 0
	SET 3, 0x03
	SHOW "lcr", 3
	SET 7, 0x5a
	SHOW "scr", 7
	SHOW "msr", 6
	SET 4, 0x1f             ; loopback, DTR RTS OUT1 OUT2
	SHOW "msr loopback", 6
	SET 4, 0x03
	SHOW "lsr", 5
	mov si, R(message)
.send:
	mov al, [cs:si]
	test al, al
	jz .sent
	mov dx, COM1
	out dx, al
	inc si
	jmp .send
.sent:
	PUTLN "uart: done"
	EXIT 0

message:
	db "COM1: hello from the guest", 10, 0

	section reset start=0xFFF0 vstart=0xFFFF0
	bits 16
	jmp 0xF000:R(entry)
	times 16 - ($ - $$) db 0
