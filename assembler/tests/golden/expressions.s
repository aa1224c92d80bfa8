# Constant expressions: precedence, radixes, characters, symbol arithmetic, `.`.
        .global _start
        .equ    A, 1 + 2 * 3            # 7
        .set    B, (1 + 2) * 3          # 9
        C = A << 2 | B & 1              # 29
        .equ    D, -A % 4 + ~0 + !0     # -3 + -1 + 1
        .equ    E, 0b1010 + 0o17 + 0x10 + 'z'
        .equ    F, 10 > 3 && 2 != 2 || 1 <= 1
        .equ    G, -8 >> 1 ^ 5
_start:
        li      x1, A
        li      x2, B
        li      x3, C
        li      x4, D
        li      x5, E
        li      x6, F
        li      x7, G
here:   li      x8, . - here            # 0: `.` is the address of this instruction
        li      x9, end - _start
        li      x10, size
        addi    x11, x0, (end - here) / 8
        ld      x12, table + 8 - table(x0)
        j       . + 8
end:    halt
        .data
table:  .dword  1, 2
        .equ    size, . - table
