# c = a + b over N bf16 elements in HBM, split into equal chunks over the tiles (SPMD). Each chunk
# is added in bf16 on the vector unit (computed in fp32, rounded to nearest even).

        .equ N, 16384

        .section .hbm.rodata
        .balign 64
        .global a, b
a:      .incbin "a.bin"                 # N bf16
b:      .incbin "b.bin"                 # N bf16

        .section .hbm.bss
        .balign 64
        .global c
c:      .space N*2

        .bss
        .balign 64
va:     .space N*2                      # room for a whole chunk even on one tile
vb:     .space N*2

        .text
        .global _start
_start:
        csrr    x10, tile_id
        csrr    x11, num_tiles
        li      x12, N
        divu    x13, x12, x11           # chunk = N / tiles (N is a multiple of every tile count used)
        mul     x14, x13, x10
        slli    x14, x14, 1             # byte offset of this tile's chunk
        li      x5, 2
        dma.cfg bf16, bf16, 0
        dma.dim 0, x13, x5, x5
        la      x20, a
        add     x20, x20, x14
        la      x21, b
        add     x21, x21, x14
        la      x22, c
        add     x22, x22, x14
        la      x23, va
        la      x24, vb
        dma.in  x23, x20, s0
        dma.in  x24, x21, s0
        sem.take s0, x0, 2
        vadd.bf16 x23, x23, x24, x13
        q.signal vec, s1, 1
        q.take  dmaout, s1, 1
        dma.out x22, x23, s2
        halt
