//! The plainest statement of what the array computes, for tests and fuzzing.

use isa::DType;

use super::{ArrayConfig, Dataflow, Gemm, SystolicError, accumulator_dtype};
use crate::numerics::{canonicalize_nan, decode_f32, load};

/// `C = [C +] A · B` as the array computes it, one output at a time with plain loops: the
/// reduction folds in order (R × Q values of `k` for WS and IS, all of K for OS), each a sum
/// that starts at +0 and adds `a × b` (product rounded to `f32` first) for increasing `k`,
/// added to C (the first fold of `mx.mm` written). `i8`: wrapping `i32`. NaNs canonical.
///
/// No timing: this is the oracle the two models are compared with.
pub fn reference_gemm(
    config: &ArrayConfig,
    gemm: &Gemm<'_>,
    c: &mut [u8],
) -> Result<(), SystolicError> {
    config.validate()?;
    let dtype = gemm.dtype;
    accumulator_dtype(dtype)?;
    let (m, n, k) = (
        gemm.shape.m as usize,
        gemm.shape.n as usize,
        gemm.shape.k as usize,
    );
    if m == 0 || n == 0 || k == 0 {
        return Err(SystolicError::EmptyShape {
            m: gemm.shape.m,
            n: gemm.shape.n,
            k: gemm.shape.k,
        });
    }
    let size = dtype.size() as usize;
    let bytes = |rows: usize, cols: usize, size: usize| {
        rows.checked_mul(cols)
            .and_then(|e| e.checked_mul(size))
            .ok_or(SystolicError::TooLarge("operand size overflows"))
    };
    for (operand, actual, expected) in [
        ("A", gemm.a.len(), bytes(m, k, size)?),
        ("B", gemm.b.len(), bytes(k, n, size)?),
        ("C", c.len(), bytes(m, n, 4)?),
    ] {
        if actual != expected {
            return Err(SystolicError::OperandSize {
                operand,
                expected,
                actual,
            });
        }
    }
    let fold = match config.dataflow {
        Dataflow::Os => k,
        Dataflow::Ws | Dataflow::Is => {
            config.rows as usize * config.macs_per_pe_cycle(dtype) as usize
        }
    };
    let element = |buffer: &[u8], index: usize| load(dtype, buffer, index).unwrap_or(0);
    for i in 0..m {
        for j in 0..n {
            let at = (i * n + j) * 4;
            let old = [c[at], c[at + 1], c[at + 2], c[at + 3]];
            let mut folds = (0..k).step_by(fold).map(|k0| k0..(k0 + fold).min(k));
            let word = if dtype == DType::I8 {
                let mut sum = if gemm.accumulate {
                    Some(i32::from_le_bytes(old))
                } else {
                    None
                };
                for range in &mut folds {
                    let mut partial = 0i32;
                    for kk in range {
                        let x = element(gemm.a, i * k + kk) as u8 as i8;
                        let y = element(gemm.b, kk * n + j) as u8 as i8;
                        partial = partial.wrapping_add(i32::from(x) * i32::from(y));
                    }
                    sum = Some(sum.map_or(partial, |s| s.wrapping_add(partial)));
                }
                sum.unwrap_or(0).to_le_bytes()
            } else {
                let mut sum = if gemm.accumulate {
                    Some(f32::from_le_bytes(old))
                } else {
                    None
                };
                for range in &mut folds {
                    let mut partial = 0.0f32;
                    for kk in range {
                        let x = decode_f32(dtype, element(gemm.a, i * k + kk));
                        let y = decode_f32(dtype, element(gemm.b, kk * n + j));
                        let product = x * y;
                        partial += product;
                    }
                    sum = Some(sum.map_or(partial, |s| s + partial));
                }
                canonicalize_nan(sum.unwrap_or(0.0)).to_le_bytes()
            };
            c[at..at + 4].copy_from_slice(&word);
        }
    }
    Ok(())
}
