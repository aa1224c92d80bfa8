        .global _start
_start: halt
        .include "include_origin.inc"
