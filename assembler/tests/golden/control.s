# Labels, numeric local labels, macros, repetition and conditional assembly.
        .global _start
        .equ    UNROLL, 3
        .macro  inc reg, by=1
        addi    \reg, \reg, \by
        .endm
        .macro  pair a:req, b
1:      inc     \a
        bnez    \a, 1b
        .endm
_start:
1:      inc     x5
        inc     x6, 4
        bnez    x5, 1b
        beqz    x5, 1f
        nop
1:      .rept   UNROLL
        inc     x7
        .endr
        .irp    r, x8, x9
        mv      \r, x7
        .endr
        .if     UNROLL > 2
        li      x10, 1
        .elseif UNROLL == 2
        li      x10, 2
        .else
        li      x10, 3
        .endif
        .ifdef  UNROLL
        li      x11, 1
        .endif
        .ifndef NOT_DEFINED
        li      x12, 1
        .endif
        .macro  label_each n
loop\@: addi    x13, x13, \n
        .endm
        label_each 1
        label_each 2
        halt
