# Two files linked: global symbols are shared, local ones stay in their file.
        .global _start
_start: call    helper
        la      x5, shared_table
        ld      x6, 0(x5)
        li      x7, SHARED_CONST
        j       local
local:  halt
