        .global _start
_start: halt
        .endif
        .endr
        .rept   -1
        .endr
        .macro  forever
        forever
        .endm
        forever
        .macro  unclosed
        nop
