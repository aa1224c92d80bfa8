# Every pseudo-instruction of docs/isa.md, and what it expands to.
        .global _start
_start:
        nop
        mv      x5, x6
        not     x5, x6
        neg     x5, x6
        li      x5, 42
        li      x5, -1
        li      x5, 0x80000000
        li      x5, 0x123456789abcdef0
        li      x5, -0x80000001
        li      x5, LATER
        la      x6, buffer
        j       done
        jr      x7
        call    done
        ret
        beqz    x5, done
        bnez    x5, done
        bgt     x1, x2, done
        ble     x1, x2, done
        bgtu    x1, x2, done
        bleu    x1, x2, done
done:   halt
        .equ    LATER, 7
        .data
buffer: .dword  0
