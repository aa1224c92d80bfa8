# A DMA round trip on every tile: this tile's chunk of `src` (HBM) comes into the scratchpad,
# is converted bf16 -> fp32 on the way in and back fp32 -> bf16 on the way out to `dst` (HBM).
# The conversions are exact, so dst ends equal to src. The DMA-in completion (s0) hands the
# buffer to DMA-out; the DMA-out completion (s1) tells the core it may halt.

        .equ N, 4096                    # bf16 elements in all
        .equ TILES_MAX, 16

        .section .hbm.rodata
        .balign 64
        .global src
src:    .rept N
        .half   (. - src) / 2 * 3 + 0x3f80     # distinct bf16 values
        .endr

        .section .hbm.bss
        .balign 64
        .global dst
dst:    .space N*2

        .bss
        .balign 64
buf:    .space N*4                      # room for every element as fp32

        .text
        .global _start
_start:
        csrr    x10, tile_id
        csrr    x11, num_tiles
        li      x12, N
        divu    x13, x12, x11           # elements per tile
        mul     x14, x13, x10
        slli    x15, x14, 1             # byte offset of this tile's chunk in HBM
        li      x5, 2
        li      x6, 4
        la      x20, src
        add     x20, x20, x15
        la      x21, dst
        add     x21, x21, x15
        la      x22, buf
        dma.cfg bf16, fp32, 0
        dma.dim 0, x13, x5, x6
        dma.in  x22, x20, s0
        q.take  dmaout, s0, 1           # DMA-out waits for the data to arrive
        dma.cfg fp32, bf16, 0
        dma.dim 0, x13, x6, x5
        dma.out x21, x22, s1
        sem.take s1, x0, 1
        halt
