# One instruction of every format, and the operand forms each takes.
        .global _start
_start:
        halt
        trap    7
        fence
        fence.dma
        add     x1, x2, x3
        sub     ra, sp, zero
        addi    x5, x6, -2147483648
        slli    x5, x5, 63
        lui     x7, 0x7fffffff
        ld      x8, -8(x2)
        ld      x8, (x2)
        sd      x9, 16(sp)
        lbu     x10, 0x7ff(x11)
back:   beq     x1, x2, back
        bgeu    x3, x4, fwd
        jal     ra, fwd
        jalr    x0, x1, 0
fwd:    csrr    x5, tile_id
        csrr    x6, vec_lanes
        sem.set s3, x0, 1
        sem.wait 31, x5, 0
        sem.get x7, s0
        sem.signal x1, x2, s4, -1
        dma.dim 3, x1, x2, x3
        dma.cfg bf16, fp32, 7
        dma.in  x4, x5, s6
        mx.cfg  os, e4m3
        mx.ldw  x1, x2, x3
        mx.mma  x4, x5, x6
        mx.post gelu, bf16, x7, x8
        mx.out  x1, x2, x3, x4
        vstride x1, x2, x3
        vadd.bf16 x1, x2, x3, x4
        vexp.fp32 x5, x6, x7
        vcvt.e5m2.fp16 x1, x2, x3
        vfill.i8 x1, x2, x3
        vredsum.i32 x1, x2, x3
