        .global _start
_start:
        addi    x1, x2, x3
        add     x1, 5, x3
        .ascii  "unterminated
        .ascii  "bad \q escape"
        li      x5, 1 / 0
        li      x6, _start * 2
        la      x7, 1.5
        ld      x8, 0(x9
        .if     1
        halt
