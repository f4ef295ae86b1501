; Fuzz harness guest, output: COM1 (16550, polled on LSR.THRE) and hexadecimal numbers. Every routine keeps
; all general registers.

COM1 equ 0x3f8

section .text
global serial_init, put_char, put_string, put_hex

serial_init:
    push eax
    push edx
    mov dx, COM1 + 1
    xor al, al
    out dx, al                          ; IER: no interrupts
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al                          ; LCR: DLAB
    mov dx, COM1
    mov al, 1
    out dx, al                          ; divisor 1: 115200 baud
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al                          ; 8N1
    mov dx, COM1 + 4
    mov al, 0x03
    out dx, al                          ; MCR: DTR, RTS
    pop edx
    pop eax
    ret

; al = byte. Waits as long as the UART needs: a lost byte would corrupt the transcript.
put_char:
    push edx
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    pop edx
    ret

; esi = NUL-terminated string
put_string:
    push eax
    push esi
.next:
    lodsb
    test al, al
    jz .done
    call put_char
    jmp .next
.done:
    pop esi
    pop eax
    ret

; eax = value, ecx = number of hex digits (1-8), printed most significant first
put_hex:
    push eax
    push ecx
    push edx
    mov edx, eax
    push ecx
    neg ecx
    add ecx, 8
    shl ecx, 2
    rol edx, cl                         ; bring the first digit to print to the top
    pop ecx
.digit:
    rol edx, 4
    mov eax, edx
    and eax, 0x0f
    mov al, [hex_digits + eax]
    call put_char
    loop .digit
    pop edx
    pop ecx
    pop eax
    ret

section .rodata
hex_digits: db "0123456789abcdef"
