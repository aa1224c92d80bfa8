//! Operand parsing, field decoding and type sets.

use super::*;
use crate::csr::Csr;
use crate::dtype::DType;

#[test]
fn register_names_parse_and_reject_lookalikes() {
    assert_eq!(Reg::from_name("x31"), Reg::new(31));
    assert_eq!(Reg::from_name("sp"), Reg::new(2));
    for bad in ["x32", "x01", "x", "r1", "X1", "x-1"] {
        assert_eq!(Reg::from_name(bad), None, "{bad}");
    }
}

#[test]
fn immediates_sign_extend_from_their_field() {
    assert_eq!(Imm32::from_bits(0xffff_ffff), Imm32::new(-1));
    assert_eq!(Imm32::new(-1).unwrap().to_bits(), 0xffff_ffff);
    assert_eq!(Shamt::from_bits(63), Shamt::new(63));
    assert_eq!(
        Imm32::from_value(Value::Int(1 << 31), 0),
        Err(OperandError::OutOfRange {
            value: 1 << 31,
            min: i32::MIN as i64,
            max: i32::MAX as i64
        })
    );
}

#[test]
fn semaphores_take_names_or_numbers() {
    assert_eq!(
        Sem::from_value(Value::Name("s7"), 0),
        Ok(Sem::new(7).unwrap())
    );
    assert_eq!(Sem::from_value(Value::Int(7), 0), Ok(Sem::new(7).unwrap()));
    assert!(Sem::from_value(Value::Name("s32"), 0).is_err());
    assert!(Sem::from_value(Value::Name("sx"), 0).is_err());
}

#[test]
fn targets_are_whole_instructions_from_pc() {
    assert_eq!(
        Target::from_value(Value::Int(0x40), 0x10),
        Ok(Target::from_words(6))
    );
    assert_eq!(
        Target::from_value(Value::Int(0), 0x10),
        Ok(Target::from_words(-2))
    );
    assert!(matches!(
        Target::from_value(Value::Int(0x44), 0x10),
        Err(OperandError::MisalignedTarget { .. })
    ));
}

/// The decoder's set and extraction agree with `from_bits` on every value of a field up to
/// 16 bits wide, and on the edges and a spread of values of wider ones.
fn decoding_agrees_with_from_bits<T: FieldBits>() {
    let max = u64::MAX >> (64 - T::WIDTH);
    let mut values: Vec<u64> = (0..=max.min(0xffff)).collect();
    values.extend([max, max >> 1, (max >> 1) + 1, max - 1]);
    values.extend((0..4096u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) & max));
    let mut defined = 0;
    for bits in values {
        let expected = T::from_bits(bits);
        let decoded = T::is_defined(bits).then(|| T::from_defined_bits(bits));
        assert_eq!(decoded, expected, "{:?} bits {bits:#x}", T::KIND);
        defined += expected.is_some() as u32;
    }
    assert!(defined > 0, "{:?} defines some value", T::KIND);
}

#[test]
fn the_decoders_field_sets_agree_with_from_bits() {
    decoding_agrees_with_from_bits::<Reg>();
    decoding_agrees_with_from_bits::<Imm32>();
    decoding_agrees_with_from_bits::<Code>();
    decoding_agrees_with_from_bits::<Shamt>();
    decoding_agrees_with_from_bits::<Sem>();
    decoding_agrees_with_from_bits::<Dim>();
    decoding_agrees_with_from_bits::<DmaFlags>();
    decoding_agrees_with_from_bits::<Target>();
    decoding_agrees_with_from_bits::<AnyType>();
    decoding_agrees_with_from_bits::<VecType>();
    decoding_agrees_with_from_bits::<FloatType>();
    decoding_agrees_with_from_bits::<MatType>();
    decoding_agrees_with_from_bits::<OutType>();
    decoding_agrees_with_from_bits::<Dataflow>();
    decoding_agrees_with_from_bits::<Activation>();
    decoding_agrees_with_from_bits::<Csr>();
}

#[test]
fn type_sets_reject_types_outside_them() {
    assert!(FloatType::from_bits(DType::I8.code()).is_none());
    assert!(FloatType::from_bits(DType::Bf16.code()).is_some());
    assert!(AnyType::from_bits(8).is_none());
    assert!(MatType::from_value(Value::Name("i32"), 0).is_err());
}
