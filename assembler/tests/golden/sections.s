# Sections placed by the memory map: code in imem, data in every tile's scratchpad
# (.data, .rodata, .bss, consecutively), chip-wide L2 and HBM.
        .global _start
        .section .hbm.weights
weights: .incbin "weights.bin"
        .incbin "weights.bin", 2, 3
        .section .hbm.bss
kv:     .zero   1 << 20
        .section .l2
shared: .dword  1
        .section .l2.bss
l2buf:  .zero   4096
        .bss
        .balign 64
zeros:  .zero   100
        .rodata
consts: .word   1, 2, 3
        .data
vars:   .dword  weights, kv, shared, l2buf, zeros, consts
        .text
_start: la      x5, weights
        la      x6, zeros
        halt
        .section .text.cold
        .balign 32
cold:   trap    1
