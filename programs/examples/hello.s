# hello.s: a first ZW program.
#
# Every tile runs this same program (SPMD). Each one copies a greeting from read-only data into
# its scratchpad, writes its tile number into it as two decimal digits, adds up 1..N in a loop,
# stores the sum, and halts.
#
#   zw asm programs/examples/hello.s -o hello.elf
#   zw objdump hello.elf
#   zw run hello.elf --dump 0x10000000028:26=message.txt    # tile 0's message

        .equ    N, 10                   # sum 1..N
        .equ    DIGIT0, digits - greeting   # where the tile number goes (defined below)

        .macro  store_digit reg, at     # store '0' + reg at message + at
        addi    \reg, \reg, '0'
        sb      \reg, \at(x10)
        .endm

        .global _start
        .text
_start:
        csrr    x5, tile_id
        la      x10, message
        la      x11, greeting
        li      x12, greeting_end - greeting
        call    copy

        # Two decimal digits of the tile number.
        li      x6, 10
        divu    x7, x5, x6              # tens
        remu    x8, x5, x6              # units
        store_digit x7, DIGIT0
        store_digit x8, DIGIT0 + 1

        # sum = 1 + 2 + ... + N
        li      x13, 0
        li      x14, 1
1:      add     x13, x13, x14
        addi    x14, x14, 1
        ble     x14, x6, 1b
        la      x15, sum
        sd      x13, 0(x15)
        halt

# copy: x12 bytes from x11 to x10 (x12 > 0).
copy:
1:      lbu     x9, 0(x11)
        sb      x9, 0(x10)
        addi    x10, x10, 1
        addi    x11, x11, 1
        addi    x12, x12, -1
        bnez    x12, 1b
        addi    x10, x10, -(greeting_end - greeting)
        ret

        .rodata
greeting:
        .ascii  "hello, world from tile "
digits: .ascii  "??\n"
greeting_end:

        .data
        .balign 8
sum:    .dword  0

        .bss
message:
        .zero   greeting_end - greeting
