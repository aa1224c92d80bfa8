//! Bit-exact element numerics shared by the vector unit, the DMA's dtype conversion, the matrix
//! unit and the assembler's data directives.
//!
//! Elements travel as raw bit patterns: a `u32` whose low `8 × size` bits hold the element
//! (`I8` as its two's-complement byte, `I32` and `Fp32` as all 32 bits). In memory, elements are
//! little-endian. Every function here gives the same bits on every host: floating-point work is
//! done in `f32` with IEEE 754 operations (one rounding each, round-to-nearest-even),
//! transcendental functions come from the pure-Rust `libm` crate, and NaN results of arithmetic
//! are canonical.
//!
//! - [`FloatFormat`] describes bf16, fp16, fp32 and the OCP FP8 formats E4M3 and E5M2, and rounds
//!   any value into them ([`FloatFormat::encode_f64`]) with round-to-nearest-even or stochastic
//!   rounding ([`Rounding`]).
//! - [`encode_f32`], [`decode_f32`], [`convert`] and [`convert_slice`] convert between every
//!   pair of [`DType`]s with a single rounding.
//! - [`binary`], [`unary`], [`fma`] and [`reduce`] are the vector unit's element-wise operations
//!   on byte buffers; [`binary_element`], [`unary_element`] and [`fma_element`] do one element.
//!
//! The rules (overflow, NaN, signed zero, integer saturation) are written out in
//! `docs/numerics.md`.

mod arith;
mod convert;
mod format;

#[cfg(test)]
mod tests;

use isa::DType;
use thiserror::Error;

pub use arith::{
    BinaryOp, ReduceOp, Reduction, UnaryOp, binary, binary_element, fma, fma_element, gelu_f32,
    reduce, unary, unary_element,
};
pub use convert::{
    convert, convert_slice, decode_f32, decode_f64, encode_f32, encode_f64, encode_stochastic,
    float_format, load, store,
};
pub use format::{CANONICAL_NAN_F32, FloatFormat, Overflow, Rounding, canonicalize_nan};

/// Why a numerics operation on buffers was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NumericsError {
    /// A buffer's length is not a whole number of elements.
    #[error("buffer of {len} bytes is not a whole number of {dtype} elements ({size} bytes each)")]
    RaggedBuffer {
        /// The element type.
        dtype: DType,
        /// The buffer's length in bytes.
        len: usize,
        /// The element size in bytes.
        size: usize,
    },
    /// Two buffers that must hold the same number of elements do not.
    #[error("operands hold different element counts: {left} and {right}")]
    LengthMismatch {
        /// Elements in the first operand.
        left: usize,
        /// Elements in the other operand.
        right: usize,
    },
    /// The operation is not defined for this element type (for example `exp` on integers).
    #[error("{op} is not defined for {dtype} elements")]
    Unsupported {
        /// The operation's name.
        op: &'static str,
        /// The element type.
        dtype: DType,
    },
    /// A maximum over no elements.
    #[error("max reduction over zero elements")]
    EmptyReduction,
    /// An element index past the end of a buffer.
    #[error("element {index} is outside a buffer of {count} {dtype} elements")]
    OutOfBounds {
        /// The element type.
        dtype: DType,
        /// The index asked for.
        index: usize,
        /// Elements in the buffer.
        count: usize,
    },
}

/// The number of whole elements in `bytes`, or an error if it is ragged.
pub fn element_count(dtype: DType, bytes: &[u8]) -> Result<usize, NumericsError> {
    let size = dtype.size() as usize;
    if !bytes.len().is_multiple_of(size) {
        return Err(NumericsError::RaggedBuffer {
            dtype,
            len: bytes.len(),
            size,
        });
    }
    Ok(bytes.len() / size)
}
