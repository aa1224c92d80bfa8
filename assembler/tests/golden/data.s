# Data directives, strings, floats (round to nearest even), alignment.
        .global _start
        .text
_start: halt
        .data
bytes:  .byte   1, 255, -128, 'A', '\n'
halfs:  .half   0x1234, -1
        .short  65535
words:  .word   0xdeadbeef, -2147483648
        .long   1 << 31
dwords: .balign 8
        .dword  0xffffffffffffffff, bytes, dwords - bytes
        .quad   -1
text:   .ascii  "ab\t\"c\\"
        .asciz  "nul", "two"
        .string "\x41\102"
        .align  3
floats: .float  1.5, -0.0, 3.4028235e38, 1e-45, inf, -nan
        .double 0.1, -2.5e-300
        .bf16   1.0, 1.00390625, 1.00390625000001, 3.140625, -inf
        .fp16   65504, 65520, 5.960464477539063e-8, 0.1, 2
        .zero   3
        .space  2, 0xaa
        .p2align 2
        .balign 16, 0xff
        .skip   1
end:
