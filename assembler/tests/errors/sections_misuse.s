        .global _start
_start: halt
        .byte   1
        add     x1, x2, x3
        .data
        add     x1, x2, x3
        .bss
        .dword  5
        .text
        .balign 8
        .align  40
