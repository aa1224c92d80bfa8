# Row-wise softmax of a ROWS x COLS bf16 matrix in HBM, rows spread over the tiles (SPMD):
#   y[r][c] = exp(x[r][c] - max_c x[r][c]) / sum_c exp(x[r][c] - max_c x[r][c])
# Each row is converted to fp32 on its way into the scratchpad, computed in fp32 on the vector unit,
# and converted back to bf16 (round to nearest even) on its way out.

        .equ ROWS, 64
        .equ COLS, 256

        .section .hbm.rodata
        .balign 64
        .global input
input:  .incbin "input.bin"             # ROWS*COLS bf16, row-major

        .section .hbm.bss
        .balign 64
        .global output
output: .space ROWS*COLS*2              # ROWS*COLS bf16, row-major

        .bss
        .balign 64
row:    .space COLS*4                   # the row being worked on, fp32
max:    .space 4
sum:    .space 4

        .text
        .global _start
_start:
        csrr    x10, tile_id
        csrr    x11, num_tiles
        li      x12, ROWS
        li      x13, COLS
        la      x20, input
        la      x21, output
        la      x22, row
        la      x23, max
        la      x24, sum
        li      x5, 2                   # bytes per bf16
        li      x6, 4                   # bytes per fp32
        li      x7, 1
        li      x15, COLS*2             # bytes per bf16 row
        mv      x14, x10                # r = tile_id
        bge     x14, x12, done

next_row:
        mul     x16, x14, x15           # byte offset of row r
        # Row r in: bf16 in HBM -> fp32 in the scratchpad; s0 counts arrivals.
        dma.cfg bf16, fp32, 0
        dma.dim 0, x13, x5, x6
        add     x17, x20, x16
        dma.in  x22, x17, s0
        sem.take s0, x0, 1
        # max, subtract it, exponentiate, sum, scale by the reciprocal of the sum.
        vredmax.fp32 x23, x22, x13
        vstride x7, x7, x0              # the second operand is one broadcast element
        vsub.fp32 x22, x22, x23, x13
        vexp.fp32 x22, x22, x13
        vredsum.fp32 x24, x22, x13
        vrecip.fp32 x24, x24, x7
        vmul.fp32 x22, x22, x24, x13
        vstride x7, x7, x7
        # Hand the row from the vector engine to DMA-out without stalling the core.
        q.signal vec, s2, 1
        q.take  dmaout, s2, 1
        dma.cfg fp32, bf16, 0
        dma.dim 0, x13, x6, x5
        add     x17, x21, x16
        dma.out x17, x22, s1
        sem.take s1, x0, 1              # the buffer is free again
        add     x14, x14, x11
        blt     x14, x12, next_row
done:
        halt
