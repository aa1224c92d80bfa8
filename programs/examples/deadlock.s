# A deadlock: every tile waits for a token from its right-hand neighbour before passing one to
# its left-hand neighbour, so nobody ever sends. The emulator stops at once and reports what
# each tile waits on.

        .text
        .global _start
_start:
        csrr    x5, tile_id
        csrr    x6, num_tiles
        csrr    x7, chip_id
        addi    x8, x5, -1              # left neighbour
        bge     x8, x0, 1f
        addi    x8, x6, -1
1:      sem.take s3, x0, 1              # wait for the right neighbour's token
        sem.signal x7, x8, s3, 1        # then pass one left
        halt
