        .global helper, shared_table, SHARED_CONST
        .equ    SHARED_CONST, 99
helper: addi    x1, x1, 0
local:  ret                             # a different `local` from main.s's
        .data
        .dword  0x1111
shared_table:
        .dword  helper, local
