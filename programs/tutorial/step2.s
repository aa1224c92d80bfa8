# Tutorial step 2: step 1, then multiply the block by B into the accumulator.
#
# ACC (MB×N, fp32) = A's first MB rows (MB×K) · B (K×N), on tile 0's systolic array.
#
#   zw run programs/tutorial/step2.s --load programs/tutorial/a.bin@a \
#       --load programs/tutorial/b.bin@b --dump tile0:0x20000000000:fp32[128,64]=acc.npy

        .equ M, 2048                    # rows of A and C
        .equ K, 64                      # columns of A, rows of B
        .equ N, 64                      # columns of B and C
        .equ MB, 128                    # rows of A in one block

        .section .hbm.bss
        .balign 64
        .global a, b
a:      .space M*K*2                    # A, bf16, loaded with --load
b:      .space K*N*2                    # B, bf16

        .bss
        .balign 64
        .global abuf, bbuf
abuf:   .space MB*K*2                   # a block of A
bbuf:   .space K*N*2                    # B

        .text
        .global _start
_start:
        csrr    x5, tile_id
        bnez    x5, done                # tile 0 does the work; the others halt at once
        li      x4, 2                   # bytes per bf16
        dma.cfg bf16, bf16, 0           # bf16 in, bf16 out, no flags
        # A's rows are whole (K wide), so a block is one run of MB*K elements.
        li      x6, MB*K
        dma.dim 0, x6, x4, x4           # count, source stride, destination stride (bytes)
        la      x10, a
        la      x11, abuf
        dma.in  x11, x10, s1            # s1 += 1 when the block has arrived
        li      x6, K*N
        dma.dim 0, x6, x4, x4
        la      x10, b
        la      x12, bbuf
        dma.in  x12, x10, s0            # s0 += 1 when B has arrived
        sem.take s1, x0, 1              # the core waits for both
        sem.take s0, x0, 1
        # Multiply: B is the stationary operand (weight-stationary dataflow), A streams through.
        mx.cfg  ws, bf16                # bf16 operands, fp32 accumulators
        li      x7, K
        li      x8, N
        mx.ldw  x12, x7, x8             # B (K×N) into the array
        li      x13, 0x20000000000      # this tile's accumulator, offset 0
        li      x9, MB
        mx.mm   x13, x11, x9            # ACC[0..] = A block (MB×K) · B
        fence.mx                        # the core waits for the matrix unit (halt would too)
done:
        halt
