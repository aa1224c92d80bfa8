        .global _start
_start: halt
        .wrod   5
        .sectoin .data
        .section .dta
