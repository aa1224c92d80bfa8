//! Decimal literals to IEEE-style binary formats (fp64, fp32, fp16, bf16), rounded once, to
//! nearest, ties to even, as if the decimal were converted with infinite precision.
//!
//! The literal is first read as the nearest fp64 (Rust's parser is correctly rounded). Rounding that
//! again to a narrower format is exact except when the fp64 lands exactly halfway between two
//! values of the narrow format while the decimal was not: then the decimal's digits are compared
//! with the fp64's exact expansion to decide the direction. This is the double-rounding fix.

use std::cmp::Ordering;

/// A binary floating-point format: exponent and fraction widths.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Format {
    pub exponent_bits: u32,
    pub fraction_bits: u32,
}

impl Format {
    pub const FP64: Format = Format {
        exponent_bits: 11,
        fraction_bits: 52,
    };
    pub const FP32: Format = Format {
        exponent_bits: 8,
        fraction_bits: 23,
    };
    pub const FP16: Format = Format {
        exponent_bits: 5,
        fraction_bits: 10,
    };
    pub const BF16: Format = Format {
        exponent_bits: 8,
        fraction_bits: 7,
    };

    /// Width in bytes.
    pub const fn bytes(self) -> usize {
        ((1 + self.exponent_bits + self.fraction_bits) / 8) as usize
    }

    fn sign_shift(self) -> u32 {
        self.exponent_bits + self.fraction_bits
    }

    fn infinity(self) -> u64 {
        ((1u64 << self.exponent_bits) - 1) << self.fraction_bits
    }

    /// The canonical quiet NaN.
    pub fn nan(self, negative: bool) -> u64 {
        ((negative as u64) << self.sign_shift()) | self.infinity() | (1 << (self.fraction_bits - 1))
    }

    pub fn inf(self, negative: bool) -> u64 {
        ((negative as u64) << self.sign_shift()) | self.infinity()
    }
}

/// How a value exactly halfway between two neighbours rounds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tie {
    Even,
    Up,
    Down,
}

/// Rounds `v` to `format`, to nearest with ties as `tie` (Up/Down: away from / toward zero).
/// Also reports whether `v` was exactly halfway.
fn round(v: f64, format: Format, tie: Tie) -> (u64, bool) {
    let bits = v.to_bits();
    let negative = bits >> 63 == 1;
    let sign = (negative as u64) << format.sign_shift();
    if v.is_nan() {
        return (format.nan(negative), false);
    }
    if v.is_infinite() {
        return (format.inf(negative), false);
    }
    let raw_exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    if raw_exp == 0 && frac == 0 {
        return (sign, false);
    }
    // |v| = mant * 2^exp.
    let (mant, exp) = if raw_exp == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, raw_exp - 1075)
    };
    let m = format.fraction_bits as i32;
    let bias = (1i32 << (format.exponent_bits - 1)) - 1;
    let emin = 1 - bias;
    let top = 63 - mant.leading_zeros() as i32;
    let e_target = (exp + top).max(emin);
    // The result is n * 2^q.
    let q = e_target - m;
    let shift = q - exp;
    let (mut n, halfway) = if shift <= 0 {
        (mant << (-shift) as u32, false)
    } else if shift >= 64 {
        (0, false)
    } else {
        let n = mant >> shift;
        let rem = mant & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        let up = match rem.cmp(&half) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => match tie {
                Tie::Even => n & 1 == 1,
                Tie::Up => true,
                Tie::Down => false,
            },
        };
        (n + up as u64, rem == half)
    };
    let mut e = e_target;
    if n >> (m + 1) != 0 {
        n >>= 1;
        e += 1;
    }
    if n >> m == 0 {
        // Subnormal (or zero): exponent field 0.
        return (sign | n, halfway);
    }
    let biased = (e + bias) as u64;
    if biased >= (1 << format.exponent_bits) - 1 {
        return (sign | format.infinity(), halfway);
    }
    (sign | biased << m | (n & ((1 << m) - 1)), halfway)
}

/// Rounds an fp64 value to `format`, ties to even.
pub fn from_f64(v: f64, format: Format) -> u64 {
    round(v, format, Tie::Even).0
}

/// Encodes a decimal literal (`1.5`, `2e-3`, `.5`, `inf`, `nan`) with an optional leading sign.
/// `None` when the text is not a number.
pub fn from_decimal(text: &str, format: Format) -> Option<u64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    match digits.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => return Some(format.inf(negative)),
        "nan" => return Some(format.nan(negative)),
        _ => {}
    }
    if !digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_'))
    {
        return None;
    }
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    let magnitude: f64 = digits.parse().ok()?;
    let (bits, halfway) = round(magnitude, format, Tie::Even);
    let bits = if halfway {
        // The fp64 is exactly between two values of the narrow format; the decimal may not be.
        match compare_decimal(&digits, magnitude) {
            Ordering::Greater => round(magnitude, format, Tie::Up).0,
            Ordering::Less => round(magnitude, format, Tie::Down).0,
            Ordering::Equal => bits,
        }
    } else {
        bits
    };
    Some(bits | (negative as u64) << format.sign_shift())
}

/// Compares a non-negative decimal literal with the exact value of a finite fp64.
fn compare_decimal(literal: &str, v: f64) -> Ordering {
    // Every finite fp64 has an exact decimal expansion of at most 767 significant digits.
    let exact = format!("{v:.800e}");
    let (a_digits, a_exp) = normalize(literal);
    let (b_digits, b_exp) = normalize(&exact);
    match (a_digits.is_empty(), b_digits.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    a_exp.cmp(&b_exp).then_with(|| a_digits.cmp(&b_digits))
}

/// A decimal `ddd.ddde±x` as (significant digits without leading or trailing zeros, exponent E)
/// such that the value is `0.digits × 10^E`.
fn normalize(text: &str) -> (Vec<u8>, i64) {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut e = exp + int.len() as i64;
    let lead = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..lead);
    e -= lead as i64;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use isa::fuzz::SplitMix64;

    #[test]
    fn fp32_matches_the_correctly_rounded_parser() {
        let mut rng = SplitMix64(0xf10a7);
        for _ in 0..20_000 {
            let r = rng.next_u64();
            // Random decimals, many of them near fp32 ties.
            let text = match r % 3 {
                0 => format!(
                    "{}e{}",
                    rng.next_u64() % 100_000_000_000,
                    (r >> 8) as i64 % 60 - 30
                ),
                1 => {
                    let f = f32::from_bits((rng.next_u64() >> 32) as u32 & 0x7fff_ffff);
                    if !f.is_finite() {
                        continue;
                    }
                    // Halfway between f and its successor, printed exactly, then nudged.
                    let mid = (f as f64 + f32::from_bits(f.to_bits() + 1) as f64) / 2.0;
                    let exact = format!("{mid:.60e}");
                    match (r >> 4) % 3 {
                        0 => exact,
                        1 => exact.replacen("e", "0000000001e", 1),
                        _ => format!("{:.17e}", mid),
                    }
                }
                _ => format!("{}.{}", rng.next_u64() % 1000, rng.next_u64()),
            };
            let want = text.parse::<f32>().unwrap().to_bits() as u64;
            assert_eq!(from_decimal(&text, Format::FP32), Some(want), "{text}");
        }
    }

    #[test]
    fn narrow_formats_round_to_nearest_even() {
        // 1 + 2^-8 is halfway between two bf16 values: ties to even (1.0).
        assert_eq!(from_decimal("1.00390625", Format::BF16), Some(0x3f80));
        // A hair above halfway rounds up, even though the nearest fp64 is the halfway point.
        assert_eq!(
            from_decimal("1.003906250000000000000000001", Format::BF16),
            Some(0x3f81)
        );
        assert_eq!(
            from_decimal("1.003906249999999999999999999", Format::BF16),
            Some(0x3f80)
        );
        assert_eq!(from_decimal("-2.5", Format::FP16), Some(0xc100));
        assert_eq!(from_decimal("65504", Format::FP16), Some(0x7bff));
        assert_eq!(
            from_decimal("65520", Format::FP16),
            Some(0x7c00),
            "overflow to infinity"
        );
        assert_eq!(from_decimal("5.960464477539063e-8", Format::FP16), Some(1));
        assert_eq!(from_decimal("nan", Format::BF16), Some(0x7fc0));
        assert_eq!(from_decimal("-inf", Format::FP32), Some(0xff80_0000));
        assert_eq!(from_decimal("0.1", Format::FP64), Some(0.1f64.to_bits()));
        assert_eq!(from_decimal("1x", Format::FP64), None);
    }

    #[test]
    fn fp64_values_round_like_the_half_crate_where_it_is_exact() {
        // half's f32 -> bf16/f16 conversions round to nearest even; compare on f32 inputs.
        let mut rng = SplitMix64(7);
        for _ in 0..100_000 {
            let f = f32::from_bits((rng.next_u64() >> 32) as u32);
            if f.is_nan() {
                continue;
            }
            assert_eq!(
                from_f64(f as f64, Format::BF16),
                half::bf16::from_f32(f).to_bits() as u64,
                "{f:e}"
            );
            assert_eq!(
                from_f64(f as f64, Format::FP16),
                half::f16::from_f32(f).to_bits() as u64,
                "{f:e}"
            );
        }
    }
}
