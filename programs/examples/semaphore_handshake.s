# A semaphore handshake between tiles. Tiles pair up (0 with 1, 2 with 3, ...); for ROUNDS
# rounds each tile sends its partner a token (sem.signal s1) and waits for the partner's
# (sem.take s1). Then every tile arrives at a barrier on tile 0 (s31) and waits for tile 0's
# release (s30), as in docs/isa.md ("Barriers"). Each tile counts its rounds in `rounds`.

        .equ ROUNDS, 50

        .data
        .balign 8
        .global rounds
rounds: .dword 0

        .text
        .global _start
_start:
        csrr    x5, tile_id
        csrr    x6, num_tiles
        csrr    x7, chip_id
        xori    x8, x5, 1               # partner
        bge     x8, x6, barrier         # an odd tile out has no partner
        li      x9, ROUNDS
        li      x12, 0
ping:   sem.signal x7, x8, s1, 1        # token to the partner
        sem.take s1, x0, 1              # the partner's token
        addi    x12, x12, 1
        blt     x12, x9, ping
        la      x13, rounds
        sd      x12, 0(x13)
barrier:
        sem.signal x7, x0, s31, 1       # arrive at tile 0
        bne     x5, x0, 2f
        sem.take s31, x6, 0             # tile 0: every arrival
        li      x14, 0
1:      sem.signal x7, x14, s30, 1      # release each tile
        addi    x14, x14, 1
        blt     x14, x6, 1b
2:      sem.take s30, x0, 1
        halt
