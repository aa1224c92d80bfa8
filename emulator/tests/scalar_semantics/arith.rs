//! Integer arithmetic: register and immediate forms, shifts, compares, multiply and divide, `lui`,
//! and writes to x0.

use crate::{M1, MAX, MIN, Row, asm, check, neg, ri, rr, upper};

const P: u64 = 0x1234_5678_9abc_def0;
const HI_LO: u64 = 0xff00_ff00_ff00_ff00;
const MID: u64 = 0x0ff0_0ff0_0ff0_0ff0;
const B31: u64 = 0x8000_0000;

/// Register-register ALU instructions.
pub const ALU: &[Row] = &[
    rr("add", 1, 2, 3),
    rr("add", 0, 0, 0),
    rr("add", M1, 1, 0),    // -1 + 1
    rr("add", MAX, 1, MIN), // wraps
    rr("add", MIN, M1, MAX),
    rr("add", B31, B31, 0x1_0000_0000), // 2^31 + 2^31: no 32-bit truncation
    // def0+4321 = 1_2211, 9abc+8765+1 = 1_2222, 5678+cba9+1 = 1_2222, 1234+0fed+1 = 2222
    rr("add", P, 0x0fed_cba9_8765_4321, 0x2222_2222_2222_2211),
    rr("sub", 3, 5, neg(2)),
    rr("sub", 0, 1, M1),
    rr("sub", MIN, 1, MAX),
    rr("sub", MAX, M1, MIN),
    rr("sub", 5, 5, 0),
    rr("sub", 0, MIN, MIN), // -(-2^63) wraps to itself
    rr("sub", 0x1_0000_0000, 1, 0xffff_ffff),
    rr("and", HI_LO, MID, 0x0f00_0f00_0f00_0f00),
    rr("and", M1, P, P),
    rr("and", MIN, MAX, 0),
    rr("and", 0, M1, 0),
    rr("or", HI_LO, MID, 0xfff0_fff0_fff0_fff0),
    rr("or", MIN, MAX, M1),
    rr("or", 0, 0, 0),
    rr("or", B31, 0x1_0000_0000, 0x1_8000_0000),
    rr("xor", HI_LO, MID, 0xf0f0_f0f0_f0f0_f0f0),
    rr("xor", M1, P, 0xedcb_a987_6543_210f),
    rr("xor", MIN, MIN, 0),
    rr("xor", 0, MAX, MAX),
    // -1 < 1 signed, 2^64-1 > 1 unsigned
    rr("slt", M1, 1, 1),
    rr("sltu", M1, 1, 0),
    rr("slt", 1, M1, 0),
    rr("sltu", 1, M1, 1),
    rr("slt", MIN, MAX, 1),
    rr("sltu", MIN, MAX, 0),
    rr("slt", MAX, MIN, 0),
    rr("sltu", MAX, MIN, 1),
    rr("slt", 5, 5, 0),
    rr("sltu", 5, 5, 0),
    rr("slt", B31, 0x7fff_ffff, 0), // 2^31 is positive in 64 bits
    rr("sltu", B31, 0x7fff_ffff, 0),
    rr("slt", 0, 1, 1),
    rr("sltu", 0, 1, 1),
    rr("slt", M1, 0, 1),
    rr("sltu", M1, 0, 0),
    rr("min", M1, 1, M1),
    rr("max", M1, 1, 1),
    rr("minu", M1, 1, 1),
    rr("maxu", M1, 1, M1),
    rr("min", MIN, MAX, MIN),
    rr("max", MIN, MAX, MAX),
    rr("minu", MIN, MAX, MAX),
    rr("maxu", MIN, MAX, MIN),
    rr("min", M1, MIN, MIN), // -2^63 < -1
    rr("max", M1, MIN, M1),
    rr("minu", M1, MIN, MIN),
    rr("maxu", M1, MIN, M1),
    rr("min", B31, 0x7fff_ffff, 0x7fff_ffff),
    rr("max", B31, 0x7fff_ffff, B31),
    rr("minu", 5, 5, 5),
    rr("maxu", 5, 5, 5),
    rr("min", 5, 5, 5),
    rr("max", 0, 0, 0),
];

/// Register-immediate ALU instructions: the immediate is sign-extended from 32 bits.
pub const IMMEDIATE: &[Row] = &[
    ri("addi", 1, 2, 3),
    ri("addi", 0, -1, M1),
    ri("addi", 5, -2147483648, 0xffff_ffff_8000_0005), // 5 - 2^31
    ri("addi", 0, 2147483647, 0x7fff_ffff),
    ri("addi", MAX, 1, MIN),
    ri("addi", 0xffff_ffff, 1, 0x1_0000_0000),
    ri("addi", M1, 0, M1),
    ri("andi", M1, 0x7fff_ffff, 0x7fff_ffff),
    ri("andi", M1, -2147483648, 0xffff_ffff_8000_0000),
    ri("andi", 0x1234_5678_9abc_deff, -16, P),
    ri("andi", P, 0xff, 0xf0),
    ri("andi", M1, 0, 0),
    ri("ori", 0, -2147483648, 0xffff_ffff_8000_0000),
    ri("ori", 0x1_0000_0000, 1, 0x1_0000_0001),
    ri("ori", MIN, 0x7fff_ffff, 0x8000_0000_7fff_ffff),
    ri("ori", 0, -1, M1),
    ri("xori", P, -1, 0xedcb_a987_6543_210f),
    ri("xori", M1, 0x0f0f, 0xffff_ffff_ffff_f0f0),
    ri("xori", 0xffff_ffff_8000_0000, -2147483648, 0),
    ri("xori", 0, 0x7fff_ffff, 0x7fff_ffff),
    ri("slti", M1, 0, 1),
    ri("slti", 0, -1, 0),
    ri("slti", B31, -2147483648, 0), // 2^31 is not below -2^31
    ri("slti", MIN, -2147483648, 1),
    ri("slti", 5, 5, 0),
    ri("slti", 4, 5, 1),
    ri("sltiu", 5, -1, 1),            // 5 <u 2^64-1
    ri("sltiu", M1, -1, 0),           // equal
    ri("sltiu", B31, -2147483648, 1), // 0x80000000 <u 0xffffffff80000000
    ri("sltiu", 0xffff_ffff_8000_0000, 2147483647, 0),
    ri("sltiu", 0, 1, 1),
    ri("sltiu", 1, 1, 0),
];

/// Shifts: a register amount is taken from its low 6 bits, a constant amount is 0..=63.
pub const SHIFTS: &[Row] = &[
    rr("sll", 1, 63, MIN),
    rr("sll", 1, 64, 1), // 64 & 63 = 0
    rr("sll", 1, 65, 2), // 65 & 63 = 1
    rr("sll", P, 4, 0x2345_6789_abcd_ef00),
    rr("sll", M1, neg(63), 0xffff_ffff_ffff_fffe), // -63 = ...c1, & 63 = 1
    rr("sll", 3, 0, 3),
    rr("sll", 0x8000_0001, 32, 0x8000_0001_0000_0000),
    rr("srl", MIN, 63, 1),
    rr("srl", MIN, 64, MIN),
    rr("srl", M1, 4, 0x0fff_ffff_ffff_ffff),
    rr("srl", M1, 0x7f, 1), // 0x7f & 63 = 63
    rr("srl", P, 8, 0x0012_3456_789a_bcde),
    rr("srl", 0xffff_ffff_0000_0000, 32, 0xffff_ffff),
    rr("srl", 7, MIN, 7), // amount 2^63 & 63 = 0
    rr("sra", MIN, 63, M1),
    rr("sra", MIN, 64, MIN),
    rr("sra", M1, 10, M1),
    rr("sra", 0xf000_0000_0000_0000, 4, 0xff00_0000_0000_0000),
    rr("sra", MAX, 62, 1),
    rr("sra", B31, 31, 1), // 2^31 is positive in 64 bits
    rr("sra", 0xffff_ffff_ffff_ff00, 0x44, 0xffff_ffff_ffff_fff0), // 0x44 & 63 = 4
    ri("slli", 1, 63, MIN),
    ri("slli", P, 4, 0x2345_6789_abcd_ef00),
    ri("slli", M1, 0, M1),
    ri("slli", 0xffff_ffff, 32, 0xffff_ffff_0000_0000),
    ri("srli", MIN, 63, 1),
    ri("srli", M1, 1, MAX),
    ri("srli", P, 36, 0x0123_4567), // drops the low 9 hex digits
    ri("srli", M1, 0, M1),
    ri("srai", MIN, 63, M1),
    ri("srai", MIN, 1, 0xc000_0000_0000_0000),
    ri("srai", MAX, 1, 0x3fff_ffff_ffff_ffff),
    ri("srai", 0xfedc_ba98_7654_3210, 8, 0xfffe_dcba_9876_5432),
    ri("srai", 5, 0, 5),
    ri("srai", B31, 31, 1),
];

/// Multiply, divide and remainder, every sign combination and the special cases the manual gives.
pub const MULDIV: &[Row] = &[
    rr("mul", 3, 5, 15),
    rr("mul", M1, M1, 1),
    rr("mul", M1, 7, neg(7)),
    rr("mul", MIN, M1, MIN),                                // 2^63 wraps
    rr("mul", 0x1_0000_0000, 0x1_0000_0000, 0),             // 2^64
    rr("mul", 0x1_0000_0001, 0x1_0000_0001, 0x2_0000_0001), // 2^64 + 2^33 + 1
    rr("mul", MAX, 2, 0xffff_ffff_ffff_fffe),
    rr("mul", B31, B31, 0x4000_0000_0000_0000),
    rr("mul", 0, M1, 0),
    // mulh: the high half of the signed 128-bit product
    rr("mulh", 3, 5, 0),
    rr("mulh", neg(3), 5, M1), // -15: the high half is all sign
    rr("mulh", 5, neg(3), M1),
    rr("mulh", neg(3), neg(5), 0), // 15
    rr("mulh", M1, M1, 0),
    rr("mulh", M1, 1, M1),
    rr("mulh", MIN, MIN, 0x4000_0000_0000_0000), // 2^126 >> 64 = 2^62
    rr("mulh", MIN, M1, 0),                      // 2^63 fits below 2^64
    rr("mulh", MIN, 1, M1),                      // -2^63
    rr("mulh", MAX, MAX, 0x3fff_ffff_ffff_ffff), // 2^126 - 2^64 + 1: high 2^62 - 1
    rr("mulh", MIN, MAX, 0xc000_0000_0000_0000), // -2^126 + 2^63: floor(/2^64) = -2^62
    rr("mulh", 0x4000_0000_0000_0000, 4, 1),     // 2^64
    rr("mulh", 0x4000_0000_0000_0000, neg(4), M1), // -2^64
    rr("mulh", 0x1_0000_0000, 0x1_0000_0000, 1),
    rr("mulh", MAX, neg(2), M1), // -2^64 + 2: floor(/2^64) = -1
    // mulhu: the high half of the unsigned product
    rr("mulhu", 3, 5, 0),
    rr("mulhu", M1, M1, 0xffff_ffff_ffff_fffe), // 2^128 - 2^65 + 1
    rr("mulhu", M1, 1, 0),
    rr("mulhu", M1, 2, 1), // 2^65 - 2
    rr("mulhu", MIN, MIN, 0x4000_0000_0000_0000),
    rr("mulhu", MIN, 2, 1),
    rr("mulhu", MIN, M1, MAX), // 2^127 - 2^63: high 2^63 - 1
    rr("mulhu", neg(3), 5, 4), // (2^64 - 3) * 5 = 4 * 2^64 + (2^64 - 15)
    rr("mulhu", 0xffff_ffff, 0xffff_ffff, 0),
    rr("mulhu", 0x1_0000_0000, 0x1_0000_0000, 1),
    // div rounds toward zero; x / 0 = -1; MIN / -1 = MIN
    rr("div", 7, 2, 3),
    rr("div", neg(7), 2, neg(3)),
    rr("div", 7, neg(2), neg(3)),
    rr("div", neg(7), neg(2), 3),
    rr("div", 1, 2, 0),
    rr("div", M1, 2, 0),
    rr("div", 5, 0, M1),
    rr("div", 0, 0, M1),
    rr("div", MIN, 0, M1),
    rr("div", MIN, M1, MIN),
    rr("div", MIN, 1, MIN),
    rr("div", MIN, 2, 0xc000_0000_0000_0000), // -2^62
    rr("div", MAX, MAX, 1),
    rr("div", 0x1_0000_0000, 0xffff_ffff, 1),
    // divu: x / 0 = 2^64 - 1
    rr("divu", 7, 2, 3),
    rr("divu", M1, 2, MAX),
    rr("divu", 5, 0, M1),
    rr("divu", 0, 0, M1),
    rr("divu", MIN, M1, 0),
    rr("divu", M1, M1, 1),
    rr("divu", neg(7), 2, 0x7fff_ffff_ffff_fffc), // 0x...fff9 / 2
    rr("divu", M1, 10, 0x1999_9999_9999_9999),    // 10 * 0x1999..99 = 2^64 - 6
    // rem takes the dividend's sign; x % 0 = x; MIN % -1 = 0
    rr("rem", 7, 2, 1),
    rr("rem", neg(7), 2, M1),
    rr("rem", 7, neg(2), 1),
    rr("rem", neg(7), neg(2), M1),
    rr("rem", 5, 0, 5),
    rr("rem", neg(5), 0, neg(5)),
    rr("rem", MIN, M1, 0),
    rr("rem", MIN, 0, MIN),
    rr("rem", MIN, 3, neg(2)), // 2^63 = 3 * 3074457345618258602 + 2
    rr("rem", MAX, 2, 1),
    // remu: x % 0 = x
    rr("remu", 7, 2, 1),
    rr("remu", M1, 2, 1),
    rr("remu", 5, 0, 5),
    rr("remu", M1, 0, M1),
    rr("remu", MIN, M1, MIN),
    rr("remu", neg(7), 2, 1),
    rr("remu", M1, 10, 5), // 18446744073709551615 ends in 5
    rr("remu", 0x1_0000_0000, 0xffff_ffff, 1),
];

/// `lui`, writes to x0 (discarded), and destinations that are also sources.
pub const X0_AND_ALIASING: &[Row] = &[
    upper("lui", 0, 0),
    upper("lui", 1, 0x1_0000_0000),
    upper("lui", -1, 0xffff_ffff_0000_0000),
    upper("lui", 0x7fff_ffff, 0x7fff_ffff_0000_0000),
    upper("lui", -2147483648, 0x8000_0000_0000_0000),
    upper("lui", 0x1234_5678, 0x1234_5678_0000_0000),
    // lui sets the low half to zero whatever the register held
    asm("lui", "li x5, -1\nlui x5, 2", 0x2_0000_0000),
    // 2^32 - 1: the upper half 1, then -1 added
    asm("lui", "lui x5, 1\naddi x5, x5, -1", 0xffff_ffff),
    asm("add", "li x6, 5\nadd x0, x6, x6\nmv x5, x0", 0),
    asm("addi", "addi x0, x0, 5\naddi x5, x0, 7", 7),
    asm("lui", "lui x0, 1\nadd x5, x0, x0", 0),
    asm("mul", "li x6, 3\nmul x0, x6, x6\nmv x5, x0", 0),
    asm("div", "li x6, 3\ndiv x0, x6, x6\nmv x5, x0", 0),
    asm("ld", "ld x0, 8(x30)\nmv x5, x0", 0),
    asm("csrr", "csrr x0, instret\nmv x5, x0", 0),
    asm("sem.get", "sem.set s2, x0, 9\nsem.get x0, s2\nmv x5, x0", 0),
    asm("add", "li x5, 5\nadd x5, x5, x5", 10),
    asm("sub", "li x5, 5\nsub x5, x5, x5", 0),
    asm("slli", "li x5, 3\nslli x5, x5, 4", 48),
    asm("sub", "li x6, 10\nli x5, 3\nsub x5, x6, x5", 7), // rd = rs2
    asm(
        "mulhu",
        "li x5, -1\nmulhu x5, x5, x5",
        0xffff_ffff_ffff_fffe,
    ),
    asm("ld", "mv x5, x30\nld x5, 8(x5)", 0x0123_4567_89ab_cdef),
];

#[test]
fn register_alu_instructions_match_the_manual() {
    check(ALU);
}

#[test]
fn immediates_are_sign_extended_from_32_bits() {
    check(IMMEDIATE);
}

#[test]
fn shift_amounts_come_from_the_low_six_bits_and_arithmetic_shifts_copy_the_sign() {
    check(SHIFTS);
}

#[test]
fn multiply_divide_and_remainder_match_the_manual_including_zero_divisors_and_overflow() {
    check(MULDIV);
}

#[test]
fn lui_fills_the_upper_half_and_writes_to_x0_are_discarded() {
    check(X0_AND_ALIASING);
}
