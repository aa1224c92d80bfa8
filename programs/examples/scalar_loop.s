# A scalar loop on every tile: sum = 1 + 2 + ... + N, plus a few multiplies and divides on the
# way, stored to this tile's scratchpad. Exercises the control core's pipeline alone.

        .equ N, 1000

        .data
        .balign 8
        .global result
result: .dword 0                        # sum of 1..N
check:  .dword 0                        # N * (N + 1) / 2, computed with mul and div

        .text
        .global _start
_start:
        li      x5, N
        li      x6, 0                   # sum
        li      x7, 1                   # i
1:      add     x6, x6, x7
        addi    x7, x7, 1
        ble     x7, x5, 1b
        addi    x8, x5, 1
        mul     x8, x8, x5
        li      x9, 2
        divu    x8, x8, x9
        la      x10, result
        sd      x6, 0(x10)
        sd      x8, 8(x10)
        halt
