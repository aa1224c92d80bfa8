//! Binary floating-point formats up to 32 bits, decoded exactly and rounded into with one
//! integer-exact routine.

/// The canonical NaN that every arithmetic operation returns: positive, quiet, zero payload.
pub const CANONICAL_NAN_F32: f32 = f32::from_bits(0x7FC0_0000);

/// `x`, with any NaN replaced by [`CANONICAL_NAN_F32`] (host NaN payloads differ between
/// architectures; results must not).
#[inline(always)]
pub fn canonicalize_nan(x: f32) -> f32 {
    if x.is_nan() { CANONICAL_NAN_F32 } else { x }
}

/// What a finite value too large for the format becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// ±infinity (IEEE 754 round-to-nearest-even overflow).
    ToInfinity,
    /// ±the largest finite value (OCP FP8 "saturating" mode); infinities saturate too.
    Saturate,
}

/// How a value between two representable neighbours is rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// To the nearer neighbour; ties to the one with an even last mantissa bit.
    NearestEven,
    /// Away from zero when `random < floor(fraction × 2^32)`, where `fraction` in [0, 1) is the
    /// distance from the smaller-magnitude neighbour in units of the gap: so with a uniformly
    /// random word, the probability of rounding up is the fraction (to 2^-32). Deterministic
    /// given the word.
    Stochastic(u32),
}

/// A binary floating-point format of at most 32 bits: sign, exponent, mantissa.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FloatFormat {
    /// Exponent field width.
    pub exponent_bits: u32,
    /// Stored mantissa (fraction) width.
    pub mantissa_bits: u32,
    /// Exponent bias.
    pub bias: i32,
    /// True when the all-ones exponent holds infinities (mantissa 0) and NaNs (IEEE 754 style);
    /// false for E4M3, where it holds normal numbers and only S.1111.111 is NaN.
    pub ieee_specials: bool,
    /// What overflow gives.
    pub overflow: Overflow,
}

impl FloatFormat {
    /// IEEE 754 binary32.
    pub const FP32: FloatFormat = FloatFormat {
        exponent_bits: 8,
        mantissa_bits: 23,
        bias: 127,
        ieee_specials: true,
        overflow: Overflow::ToInfinity,
    };
    /// bfloat16: binary32's exponent, 7 mantissa bits.
    pub const BF16: FloatFormat = FloatFormat {
        exponent_bits: 8,
        mantissa_bits: 7,
        bias: 127,
        ieee_specials: true,
        overflow: Overflow::ToInfinity,
    };
    /// IEEE 754 binary16.
    pub const FP16: FloatFormat = FloatFormat {
        exponent_bits: 5,
        mantissa_bits: 10,
        bias: 15,
        ieee_specials: true,
        overflow: Overflow::ToInfinity,
    };
    /// OCP FP8 E4M3: bias 7, no infinities, S.1111.111 is NaN, largest finite 448; overflow
    /// saturates (the OCP "saturating" conversion).
    pub const E4M3: FloatFormat = FloatFormat {
        exponent_bits: 4,
        mantissa_bits: 3,
        bias: 7,
        ieee_specials: false,
        overflow: Overflow::Saturate,
    };
    /// OCP FP8 E5M2: bias 15, IEEE-style infinities and NaNs, largest finite 57344; overflow
    /// gives infinity (the OCP "non-saturating" conversion, as for every IEEE-style format).
    pub const E5M2: FloatFormat = FloatFormat {
        exponent_bits: 5,
        mantissa_bits: 2,
        bias: 15,
        ieee_specials: true,
        overflow: Overflow::ToInfinity,
    };

    /// Total width in bits.
    pub const fn width(self) -> u32 {
        1 + self.exponent_bits + self.mantissa_bits
    }

    const fn mantissa_mask(self) -> u32 {
        (1 << self.mantissa_bits) - 1
    }

    const fn exponent_all_ones(self) -> u32 {
        (1 << self.exponent_bits) - 1
    }

    const fn max_exponent_field(self) -> u32 {
        if self.ieee_specials {
            self.exponent_all_ones() - 1
        } else {
            self.exponent_all_ones()
        }
    }

    const fn max_mantissa_at_max_exponent(self) -> u32 {
        if self.ieee_specials {
            self.mantissa_mask()
        } else {
            self.mantissa_mask() - 1
        }
    }

    /// The sign bit's mask.
    pub const fn sign_mask(self) -> u32 {
        1 << (self.exponent_bits + self.mantissa_bits)
    }

    /// Bits of the largest finite positive value.
    pub const fn max_finite_bits(self) -> u32 {
        (self.max_exponent_field() << self.mantissa_bits) | self.max_mantissa_at_max_exponent()
    }

    /// Bits of +infinity, if the format has infinities.
    pub const fn infinity_bits(self) -> Option<u32> {
        if self.ieee_specials {
            Some(self.exponent_all_ones() << self.mantissa_bits)
        } else {
            None
        }
    }

    /// True if `bits` is a NaN of this format.
    pub const fn is_nan(self, bits: u32) -> bool {
        let exp = (bits >> self.mantissa_bits) & self.exponent_all_ones();
        let man = bits & self.mantissa_mask();
        if self.ieee_specials {
            exp == self.exponent_all_ones() && man != 0
        } else {
            exp == self.exponent_all_ones() && man == self.mantissa_mask()
        }
    }

    /// The NaN with sign `negative` and payload `payload` (a binary fraction, left-aligned in
    /// 32 bits): IEEE-style formats keep the payload's top bits and set the quiet bit; E4M3 has
    /// one NaN per sign.
    const fn nan_bits(self, negative: bool, payload: u32) -> u32 {
        let sign = if negative { self.sign_mask() } else { 0 };
        let man = if self.ieee_specials {
            (payload >> (32 - self.mantissa_bits)) | (1 << (self.mantissa_bits - 1))
        } else {
            self.mantissa_mask()
        };
        sign | (self.exponent_all_ones() << self.mantissa_bits) | man
    }

    /// The payload of NaN `bits`, left-aligned in 32 bits (see [`FloatFormat::nan_bits`]).
    const fn nan_payload(self, bits: u32) -> u32 {
        (bits & self.mantissa_mask()) << (32 - self.mantissa_bits)
    }

    /// Converts NaN `bits` of this format to a NaN of `to`: same sign, payload truncated or
    /// extended with zeros, quiet bit set.
    pub const fn convert_nan(self, bits: u32, to: FloatFormat) -> u32 {
        to.nan_bits(bits & self.sign_mask() != 0, self.nan_payload(bits))
    }

    /// The bit pattern of the `f32` equal to the value `bits` encodes. Exact: every format here
    /// is a subset of binary32. NaNs become quiet NaNs with the same sign and payload.
    pub const fn decode_f32_bits(self, bits: u32) -> u32 {
        if self.width() == 32 {
            return bits;
        }
        let m = self.mantissa_bits;
        let sign = if bits & self.sign_mask() != 0 {
            0x8000_0000
        } else {
            0
        };
        let exp = (bits >> m) & self.exponent_all_ones();
        let man = bits & self.mantissa_mask();
        if self.is_nan(bits) {
            return sign | 0x7FC0_0000 | (man << (23 - m));
        }
        if self.ieee_specials && exp == self.exponent_all_ones() {
            return sign | 0x7F80_0000;
        }
        if exp == 0 {
            if man == 0 {
                return sign;
            }
            // Subnormal: man × 2^(1 - bias - m).
            let scale = 1 - self.bias - m as i32;
            let top = 31 - man.leading_zeros() as i32; // man = 2^top × 1.xxx
            let unbiased = scale + top;
            if unbiased >= -126 {
                let frac = (man ^ (1 << top)) << (23 - top);
                return sign | (((unbiased + 127) as u32) << 23) | frac;
            }
            // Also subnormal in binary32, whose quantum is 2^-149.
            return sign | (man << (scale + 149));
        }
        let unbiased = exp as i32 - self.bias;
        sign | (((unbiased + 127) as u32) << 23) | (man << (23 - m))
    }

    /// The `f32` equal to the value `bits` encodes (exact; NaNs as in
    /// [`FloatFormat::decode_f32_bits`]).
    #[inline]
    pub fn decode_f32(self, bits: u32) -> f32 {
        f32::from_bits(self.decode_f32_bits(bits))
    }

    /// The bits of the value `x` rounded into this format with `rounding`.
    ///
    /// One rounding, computed on integers: overflow follows [`FloatFormat::overflow`],
    /// subnormals are produced (never flushed), the sign of zero is kept, and a NaN keeps its
    /// sign and the top of its payload with the quiet bit set.
    pub fn encode_f64(self, x: f64, rounding: Rounding) -> u32 {
        let negative = x.is_sign_negative();
        let sign = if negative { self.sign_mask() } else { 0 };
        if x.is_nan() {
            let payload = ((x.to_bits() & ((1 << 52) - 1)) >> 20) as u32;
            return self.nan_bits(negative, payload);
        }
        if x.is_infinite() {
            return sign | self.overflow_bits();
        }
        if x == 0.0 {
            return sign;
        }
        let raw = x.abs().to_bits();
        let exp_field = (raw >> 52) as i32;
        let frac = raw & ((1u64 << 52) - 1);
        // |x| = significand × 2^scale, exactly.
        let (significand, scale) = if exp_field == 0 {
            (frac, -1074)
        } else {
            (frac | (1u64 << 52), exp_field - 1075)
        };
        let log2 = 63 - significand.leading_zeros() as i32 + scale;
        let m = self.mantissa_bits as i32;
        let emin = 1 - self.bias;
        // The result is n × 2^quantum with n < 2^(m+1).
        let mut quantum = log2.max(emin) - m;
        let shift = (quantum - scale) as u32; // ≥ 52 - m > 0
        let mut n = round_shifted(significand, shift, rounding);
        if n == 1u64 << (m + 1) {
            n >>= 1;
            quantum += 1;
        }
        let (exp_out, man_out) = if n < (1u64 << m) {
            (0u32, n as u32)
        } else {
            ((quantum + m + self.bias) as u32, (n - (1u64 << m)) as u32)
        };
        if exp_out > self.max_exponent_field()
            || (exp_out == self.max_exponent_field()
                && man_out > self.max_mantissa_at_max_exponent())
        {
            return sign | self.overflow_bits();
        }
        sign | (exp_out << self.mantissa_bits) | man_out
    }

    /// The magnitude bits that an overflow produces.
    const fn overflow_bits(self) -> u32 {
        match (self.overflow, self.infinity_bits()) {
            (Overflow::ToInfinity, Some(inf)) => inf,
            _ => self.max_finite_bits(),
        }
    }
}

/// `significand / 2^shift` rounded to an integer with `rounding`.
#[inline]
pub(crate) fn round_shifted(significand: u64, shift: u32, rounding: Rounding) -> u64 {
    // Past 2^-86 of a unit nothing can round up (the stochastic threshold is below 2^-32 and
    // round-to-nearest needs half a unit), so clamp to keep the shifts in range.
    let shift = shift.min(100);
    if shift == 0 {
        return significand;
    }
    let wide = significand as u128;
    let n = (wide >> shift) as u64;
    let rem = wide & ((1u128 << shift) - 1);
    let up = match rounding {
        Rounding::NearestEven => {
            let half = 1u128 << (shift - 1);
            rem > half || (rem == half && n & 1 == 1)
        }
        Rounding::Stochastic(random) => {
            let threshold = if shift >= 32 {
                rem >> (shift - 32)
            } else {
                rem << (32 - shift)
            };
            u128::from(random) < threshold
        }
    };
    n + u64::from(up)
}
