        .global _start
_start: j       nowhere
        call    _strat
loop:   nop
loop:   nop
        .equ    loop, 3
        .equ    a, b + 1
        .equ    b, a + 1
        li      x5, a
x3:     nop
        beqz    x5, 1b
        bnez    x5, 2f
        .equ    .Lundefined_use, .Lnowhere
