//! `%f64(…)`, `%f32(…)`, `%f16(…)` and `%bf16(…)` operands: a floating-point value's bit pattern
//! wherever an instruction takes an immediate.

use assembler::assemble_str;

fn code(body: &str) -> Result<Vec<u8>, String> {
    let text = format!(".global _start\n_start:\n{body}\nhalt\n");
    assemble_str(&text)
        .map(|o| o.code())
        .map_err(|r| r.to_string())
}

#[test]
fn a_float_operand_assembles_as_its_bit_pattern() {
    for (float, bits) in [
        ("%f32(1.0)", "0x3f800000"),
        ("%f32(-2.5)", "0xc0200000"),
        ("%bf16(1.0)", "0x3f80"),
        ("%bf16(-inf)", "0xff80"),
        ("%f16(0.5)", "0x3800"),
        ("%f64(1.0)", "0x3ff0000000000000"),
        ("%f32(3)", "0x40400000"),
        // Rounded once, to nearest even: 1 + 2^-8 + 2^-20 is above the bf16 halfway point.
        ("%bf16(1.00390720367431640625)", "0x3f81"),
    ] {
        assert_eq!(
            code(&format!("li x8, {float}")),
            code(&format!("li x8, {bits}")),
            "{float}"
        );
    }
    assert_eq!(code("addi x8, x0, %bf16(2.0)"), code("addi x8, x0, 0x4000"));
}

#[test]
fn a_malformed_float_operand_is_an_error_at_its_place() {
    let e = code("li x8, %f32(1.5e)").unwrap_err();
    assert!(e.contains(":3:"), "{e}");
    let e = code("li x8, %f33(1.0)").unwrap_err();
    assert!(e.contains("unknown modifier `%f33`"), "{e}");
    assert!(e.contains("%bf16"), "the help lists the float forms: {e}");
    let e = code("li x8, %f32(1.0").unwrap_err();
    assert!(e.contains("`)`"), "{e}");
}

#[test]
fn a_float_bit_pattern_is_a_value_anywhere_an_integer_is() {
    assert_eq!(
        code(".equ SCALE, %bf16(-1.5)\nli x8, SCALE"),
        code("li x8, 0xbfc0")
    );
    let data = |body: &str| {
        assemble_str(&format!(".global _start\n_start: halt\n.data\n{body}\n"))
            .map(|o| o.section(".data").map(|s| s.data.clone()))
            .map_err(|r| r.to_string())
    };
    assert_eq!(data(".word %f32(0.125)"), data(".float 0.125"));
}
