; SPDX-License-Identifier: MIT
;
; An option ROM that calls BIOS services from 16-bit code after POST
; (issue 10, item 4): passed to the firmware as fw_cfg genroms/optrom.bin
; (`vsmm run --option-rom`, QEMU's -option-rom).  Its init routine only
; returns; its PnP header names a boot entry vector (BEV), so the firmware
; calls it when it boots from it, after POST.  There it prints, on the
; debug console at port 0x402, what INT 12h, INT 11h, INT 15h E820 (the
; first entry), INT 15h C0h, INT 16h AH=01 and INT 13h AH=08 return, then
; "optrom: done", and stops with CLI; HLT.  The firmware test
; (tests/firmware) runs it on vsmm and on QEMU and compares the output.
; romsum.py sets the checksum byte after assembly.

bits 16
org 0

DEBUGCON equ 0x402
BUF equ 0x7000                  ; E820 buffer at 0000:7000 (free at boot)

rom_start:
	db 0x55, 0xAA
	db ROM_BLOCKS
	jmp init                ; offset 3: the init vector
	times 0x18 - ($ - $$) db 0
	dw 0                    ; no PCI data structure
	dw pnp                  ; the PnP expansion header

align 16
pnp:
	db '$PnP'
	db 1                    ; structure revision
	db 2                    ; length in 16-byte units
	dw 0                    ; next header
	db 0                    ; reserved
	db 0                    ; checksum (not checked by SeaBIOS)
	dd 0                    ; device identifier
	dw manufacturer
	dw product
	db 0, 0, 0              ; device type code
	db 0x04                 ; indicators: IPL device
	dw 0                    ; boot connection vector
	dw 0                    ; disconnect vector
	dw bev                  ; bootstrap entry vector
	dw 0                    ; reserved
	dw 0                    ; static resource information vector

manufacturer: db 'vsmm', 0
product: db 'vsmm option ROM test', 0

init:
	retf

; Print the NUL-terminated string at CS:SI.
puts:
	push ax
	push dx
	mov dx, DEBUGCON
.next:
	cs lodsb
	test al, al
	jz .done
	out dx, al
	jmp .next
.done:
	pop dx
	pop ax
	ret

; Print EAX as 8 hex digits.
hex32:
	push eax
	push cx
	push dx
	mov cx, 8
	mov dx, DEBUGCON
.digit:
	rol eax, 4
	push eax
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .out
	add al, 'a' - '0' - 10
.out:
	out dx, al
	pop eax
	loop .digit
	pop dx
	pop cx
	pop eax
	ret

%macro PRINT 1
	mov si, %1
	call puts
%endmacro

%macro PRINT_HEX 2              ; label, 32-bit value
	PRINT %1
	mov eax, %2
	call hex32
	PRINT nl
%endmacro

bev:
	PRINT hello

	int 0x12
	movzx eax, ax
	PRINT_HEX s_int12, eax

	int 0x11
	movzx eax, ax
	PRINT_HEX s_int11, eax

	xor ax, ax
	mov es, ax
	mov di, BUF
	xor ebx, ebx
	mov ecx, 20
	mov edx, 0x534D4150     ; 'SMAP'
	mov eax, 0xE820
	int 0x15
	setc dl
	movzx edx, dl
	mov ebp, eax            ; PRINT_HEX uses EAX
	PRINT_HEX s_e820cf, edx
	PRINT_HEX s_e820sig, ebp
	PRINT_HEX s_e820base, [es:BUF]
	PRINT_HEX s_e820len, [es:BUF + 8]
	PRINT_HEX s_e820type, [es:BUF + 16]

	mov ah, 0xC0
	int 0x15
	setc dl
	movzx edx, dl
	PRINT_HEX s_c0cf, edx
	movzx eax, byte [es:bx + 2]
	PRINT_HEX s_c0model, eax

	mov ah, 0x01
	int 0x16
	setz dl
	movzx edx, dl
	PRINT_HEX s_int16, edx

	mov ah, 0x08
	mov dl, 0x80
	int 0x13
	setc dl
	movzx edx, dl
	movzx ebp, ah
	PRINT_HEX s_int13cf, edx
	PRINT_HEX s_int13ah, ebp

	PRINT done
	cli
.stop:
	hlt
	jmp .stop

hello:      db 'optrom: BEV called', 10, 0
s_int12:    db 'optrom: int 12h base KiB ', 0
s_int11:    db 'optrom: int 11h equipment ', 0
s_e820cf:   db 'optrom: int 15h e820 CF ', 0
s_e820sig:  db 'optrom: int 15h e820 EAX ', 0
s_e820base: db 'optrom: e820[0] base ', 0
s_e820len:  db 'optrom: e820[0] length ', 0
s_e820type: db 'optrom: e820[0] type ', 0
s_c0cf:     db 'optrom: int 15h c0 CF ', 0
s_c0model:  db 'optrom: int 15h c0 model ', 0
s_int16:    db 'optrom: int 16h no key (ZF) ', 0
s_int13cf:  db 'optrom: int 13h 08 drive 80 CF ', 0
s_int13ah:  db 'optrom: int 13h 08 drive 80 AH ', 0
done:       db 'optrom: done', 10, 0
nl:         db 10, 0

ROM_BLOCKS equ 2
	times ROM_BLOCKS * 512 - 1 - ($ - $$) db 0
checksum:
	db 0                    ; romsum.py makes the bytes sum to 0
