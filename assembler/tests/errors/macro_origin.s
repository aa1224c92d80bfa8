        .macro  bump reg, amount:req
        addi    \reg, \reg, \amount
        .endm
        .macro  twice reg
        bump    \reg, 1
        bump    \reg, 99999999999
        .endm
        .global _start
_start: twice   x5
        bump    x6
        bump    x6, 1, 2
