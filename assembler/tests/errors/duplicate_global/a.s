        .global _start, helper
_start: call    helper
helper: ret
