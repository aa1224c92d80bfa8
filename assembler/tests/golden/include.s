# `.include` reads another file; its macros and symbols are this file's.
        .include "include.inc"
        .global _start
_start: load_const x5
        li      x6, FROM_INCLUDE
        halt
