        .global _start
_start:
        addi    x1, x2, 5000000000
        slli    x1, x1, 64
        trap    65536
        sem.set s32, x0, 1
        dma.dim 4, x1, x2, x3
        addi    x1, x2, BIG
        .equ    BIG, 1 << 40
        .data
        .byte   300
        .half   -40000
        .word   0x100000000
