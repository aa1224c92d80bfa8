        .global _start
_start:
        addd    x1, x2, x3
        jal     x1, _start
        halr
        vadd    x1, x2, x3, x4
        vadd.bf61 x1, x2, x3, x4
        csrr    x5, tile_di
