# Layer normalization of each row of a ROWS x COLS bf16 matrix in HBM, rows spread over the tiles:
#   y = (x - mean) / sqrt(var + eps) * gamma + beta,   mean and var over the row (biased variance)
# computed in fp32 on the vector unit; inputs and outputs bf16 (round to nearest even).

        .equ ROWS, 64
        .equ COLS, 256

        .section .hbm.rodata
        .balign 64
        .global input, gamma, beta
input:  .incbin "input.bin"             # ROWS*COLS bf16
gamma:  .incbin "gamma.bin"             # COLS bf16
beta:   .incbin "beta.bin"              # COLS bf16

        .section .hbm.bss
        .balign 64
        .global output
output: .space ROWS*COLS*2

        .rodata
        .balign 4
inv_n:  .float 0.00390625               # 1 / COLS
eps:    .float 0.00001

        .bss
        .balign 64
x:      .space COLS*4                   # the row, fp32
sq:     .space COLS*4                   # its squared deviations, fp32
y:      .space COLS*4                   # the result row, fp32
g:      .space COLS*4                   # gamma, fp32
b:      .space COLS*4                   # beta, fp32
mean:   .space 4
var:    .space 4

        .text
        .global _start
_start:
        csrr    x10, tile_id
        csrr    x11, num_tiles
        li      x12, ROWS
        li      x13, COLS
        li      x5, 2
        li      x6, 4
        li      x7, 1
        la      x20, input
        la      x21, output
        la      x22, x
        la      x23, sq
        la      x24, y
        la      x25, g
        la      x26, b
        la      x27, mean
        la      x28, var
        la      x29, inv_n
        la      x30, eps
        li      x15, COLS*2
        # gamma and beta in once, as fp32.
        dma.cfg bf16, fp32, 0
        dma.dim 0, x13, x5, x6
        la      x17, gamma
        dma.in  x25, x17, s0
        la      x17, beta
        dma.in  x26, x17, s0
        sem.take s0, x0, 2
        mv      x14, x10
        bge     x14, x12, done

next_row:
        mul     x16, x14, x15
        add     x17, x20, x16
        dma.in  x22, x17, s0
        sem.take s0, x0, 1
        # mean = sum(x) / n
        vredsum.fp32 x27, x22, x13
        vmul.fp32 x27, x27, x29, x7
        # sq = (x - mean)^2; var = sum(sq) / n
        vstride x7, x7, x0
        vsub.fp32 x22, x22, x27, x13
        vstride x7, x7, x7
        vmul.fp32 x23, x22, x22, x13
        vredsum.fp32 x28, x23, x13
        vmul.fp32 x28, x28, x29, x7
        # rstd = 1 / sqrt(var + eps)
        vadd.fp32 x28, x28, x30, x7
        vrsqrt.fp32 x28, x28, x7
        # y = (x - mean) * rstd * gamma + beta
        vstride x7, x7, x0
        vmul.fp32 x22, x22, x28, x13
        vstride x7, x7, x7
        vmov.fp32 x24, x26, x13
        vfma.fp32 x24, x22, x25, x13
        q.signal vec, s2, 1
        q.take  dmaout, s2, 1
        dma.cfg fp32, bf16, 0
        dma.dim 0, x13, x6, x5
        add     x17, x21, x16
        dma.out x17, x24, s1
        sem.take s1, x0, 1
        dma.cfg bf16, fp32, 0
        dma.dim 0, x13, x5, x6
        add     x14, x14, x11
        blt     x14, x12, next_row
done:
        halt
