# Tutorial step 5: all of C = A · B on tile 0, double-buffered so DMA-in, the matrix unit, the
# output stage and DMA-out work on different blocks at the same time.
#
# A is cut into M/MB blocks of MB rows. Block i uses buffer p = i mod 2 of each kind: abuf[p]
# (A block), the accumulators acc[p], cbuf[p] (C block). The control core issues everything at
# once; the engines hand buffers to one another through semaphores in their queues (q.signal adds
# behind the queue's earlier work, q.take holds back the queue's later work):
#
#   s0 B arrived         DMA-in  -> matrix    (the transfer's completion)
#   s1 A block arrived   DMA-in  -> matrix    (the transfer's completion)
#   s2 A buffers free    matrix  -> DMA-in    (starts at 2: both free)
#   s3 block computed    matrix  -> vector
#   s4 accumulators free vector  -> matrix    (starts at 2)
#   s5 C block ready     vector  -> DMA-out
#   s6 C buffers free    DMA-out -> vector    (the transfer's completion; starts at 2)
#
#   zw run programs/tutorial/step5.s --load programs/tutorial/a.bin@a \
#       --load programs/tutorial/b.bin@b --dump c:bf16[2048,64]=c.npy --trace t.json

        .equ M, 2048                    # rows of A and C
        .equ K, 64                      # columns of A, rows of B
        .equ N, 64                      # columns of B and C
        .equ MB, 128                    # rows of A in one block

        .section .hbm.bss
        .balign 64
        .global a, b, c
a:      .space M*K*2                    # A, bf16, loaded with --load
b:      .space K*N*2                    # B, bf16
c:      .space M*N*2                    # C, bf16, read with --dump

        .bss
        .balign 64
        .global abuf, bbuf, cbuf
abuf:   .space 2*MB*K*2                 # two blocks of A
bbuf:   .space K*N*2                    # B
cbuf:   .space 2*MB*N*2                 # two blocks of C

        .text
        .global _start
_start:
        csrr    x5, tile_id
        bnez    x5, done                # tile 0 does the work; the others halt at once
        li      x4, 2                   # bytes per bf16
        li      x7, K
        li      x8, N
        li      x9, MB
        la      x11, abuf
        la      x12, bbuf
        li      x13, 0x20000000000      # this tile's accumulator: two MB×N fp32 halves
        la      x15, cbuf
        dma.cfg bf16, bf16, 0
        mx.cfg  ws, bf16
        li      x14, %f32(1.0)
        mx.post none, bf16, x14, x0
        sem.set s2, x0, 2               # both A buffers free
        sem.set s4, x0, 2               # both accumulator halves free
        sem.set s6, x0, 2               # both C buffers free
        # B in, and into the array once: it stays there for every block.
        li      x6, K*N
        dma.dim 0, x6, x4, x4
        la      x10, b
        dma.in  x12, x10, s0
        q.take  mx, s0, 1
        mx.ldw  x12, x7, x8
        li      x20, 0                  # block i
        li      x21, M/MB               # blocks
        la      x10, a                  # A's block i
        la      x16, c                  # C's block i
block:
        # This block's buffers: abuf[p], acc[p], cbuf[p] with p = i mod 2.
        andi    x22, x20, 1
        li      x6, MB*K*2
        mul     x6, x22, x6
        add     x23, x11, x6
        li      x6, MB*N*4
        mul     x6, x22, x6
        add     x24, x13, x6
        li      x6, MB*N*2
        mul     x6, x22, x6
        add     x25, x15, x6
        # DMA-in: A's block into abuf[p], once the matrix unit has finished with it.
        q.take  dmain, s2, 1
        li      x6, MB*K
        dma.dim 0, x6, x4, x4
        dma.in  x23, x10, s1
        # Matrix: once the block has arrived and acc[p] has been read out.
        q.take  mx, s1, 1
        q.take  mx, s4, 1
        mx.mm   x24, x23, x9
        q.signal mx, s2, 1              # abuf[p] is free
        q.signal mx, s3, 1              # acc[p] holds the block's result
        # Vector: the output stage, once acc[p] is computed and cbuf[p] has left for HBM.
        q.take  vec, s3, 1
        q.take  vec, s6, 1
        mx.out  x25, x24, x9, x8
        q.signal vec, s4, 1             # acc[p] is free
        q.signal vec, s5, 1             # cbuf[p] holds the block of C
        # DMA-out: cbuf[p] to C's block; its completion frees cbuf[p] (s6).
        q.take  dmaout, s5, 1
        li      x6, MB*N
        dma.dim 0, x6, x4, x4
        dma.out x16, x25, s6
        addi    x20, x20, 1
        addi    x10, x10, MB*K*2
        addi    x16, x16, MB*N*2
        blt     x20, x21, block
done:
        halt                            # waits for every queue to drain
