# Several errors in one run, each with file:line:col, the line and a caret.
        .global _start
_start:
        addi    x1, x2
        add     x1, x2, x3, x4
        ld      x5, 8(x40)
        li      x6, 1 +
