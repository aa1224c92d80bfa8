        .global _start
_start: call    helper
        call    helpr
