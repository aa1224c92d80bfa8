//! The fast model: closed-form timing and a blocked kernel with the array's accumulation order.

use super::operand::{Acc, Decoded, Operands, decode, encode_c};
use super::timing::FoldPlan;
use super::{ArrayConfig, Gemm, GemmRun, MatrixUnit, SystolicError};

/// The fast model of the array (see the module documentation).
#[derive(Clone, Debug)]
pub struct FastArray {
    config: ArrayConfig,
}

impl FastArray {
    /// A fast model of `config`.
    pub fn new(config: ArrayConfig) -> Result<FastArray, SystolicError> {
        config.validate()?;
        Ok(FastArray { config })
    }
}

impl MatrixUnit for FastArray {
    fn config(&self) -> &ArrayConfig {
        &self.config
    }

    fn matmul(&mut self, gemm: &Gemm<'_>, c: &mut [u8]) -> Result<GemmRun, SystolicError> {
        let plan = FoldPlan::new(&self.config, gemm.dtype, gemm.shape)?;
        let fold = plan.reduction_fold as usize;
        match decode(gemm, c)? {
            Operands::Float(mut d) => {
                run(&mut d, fold, gemm.accumulate);
                encode_c(&d.c, c);
            }
            Operands::Int(mut d) => {
                run(&mut d, fold, gemm.accumulate);
                encode_c(&d.c, c);
            }
        }
        Ok(GemmRun {
            cycles: plan.cycles(&self.config),
            folds: plan.folds,
        })
    }
}

fn run<T: Acc>(d: &mut Decoded<T>, fold: usize, accumulate: bool) {
    pulp::Arch::new().dispatch(Kernel {
        d,
        fold,
        accumulate,
    });
}

/// The kernel as a job for `pulp`, which runs it compiled for the widest vector instructions
/// the host has (the arithmetic is the same IEEE operations in the same order on every path,
/// so the bits do not depend on the host).
struct Kernel<'a, T> {
    d: &'a mut Decoded<T>,
    fold: usize,
    accumulate: bool,
}

impl<T: Acc> pulp::WithSimd for Kernel<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let d = self.d;
        folded_gemm(
            &d.a,
            &d.b,
            &mut d.c,
            d.m,
            d.n,
            d.k,
            self.fold,
            self.accumulate,
        );
    }
}

/// Micro-tile rows.
const MR: usize = 4;
/// Micro-tile columns.
const NR: usize = 16;

/// `c = [c +] a · b` with the array's accumulation order: for each reduction fold of `fold`
/// consecutive `k` (in order), every output's partial sum starts at +0 and adds the products
/// for increasing `k`; the partial sum is then added to `c` (written, for the first fold of an
/// overwriting operation).
///
/// `a` is `m × k`, `b` is `k × n`, `c` is `m × n`, all row-major.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn folded_gemm<T: Acc>(
    a: &[T],
    b: &[T],
    c: &mut [T],
    m: usize,
    n: usize,
    k: usize,
    fold: usize,
    accumulate: bool,
) {
    let fold = fold.max(1);
    for (index, k0) in (0..k).step_by(fold).enumerate() {
        let k1 = (k0 + fold).min(k);
        let overwrite = index == 0 && !accumulate;
        let tile = Tile {
            a,
            b,
            n,
            k,
            k0,
            k1,
            overwrite,
        };
        let mut n0 = 0;
        while n0 + NR <= n {
            let mut m0 = 0;
            while m0 + MR <= m {
                tile.micro::<MR, NR>(c, m0, n0);
                m0 += MR;
            }
            while m0 < m {
                tile.micro::<1, NR>(c, m0, n0);
                m0 += 1;
            }
            n0 += NR;
        }
        if n0 < n {
            for m0 in 0..m {
                tile.edge(c, m0, n0, n - n0);
            }
        }
    }
}

/// One reduction fold's view of the operands.
struct Tile<'a, T> {
    a: &'a [T],
    b: &'a [T],
    n: usize,
    k: usize,
    k0: usize,
    k1: usize,
    overwrite: bool,
}

impl<T: Acc> Tile<'_, T> {
    /// Rows `m0..m0 + R`, columns `n0..n0 + W`, this fold's `k`.
    #[inline(always)]
    // Indexed loops over fixed-size rows are what the compiler vectorizes best here.
    #[allow(clippy::needless_range_loop)]
    fn micro<const R: usize, const W: usize>(&self, c: &mut [T], m0: usize, n0: usize) {
        let mut acc = [[T::ZERO; W]; R];
        let len = self.k1 - self.k0;
        let a_rows: [&[T]; R] =
            core::array::from_fn(|i| &self.a[(m0 + i) * self.k + self.k0..][..len]);
        let b_start = self.k0 * self.n + n0;
        for step in 0..len {
            let at = b_start + step * self.n;
            let Some(b_row) = self.b.get(at..at + W) else {
                return;
            };
            let y: [T; W] = core::array::from_fn(|j| b_row[j]);
            let x: [T; R] = core::array::from_fn(|i| a_rows[i][step]);
            for i in 0..R {
                for j in 0..W {
                    acc[i][j] = T::mac(acc[i][j], x[i], y[j]);
                }
            }
        }
        for (i, partial) in acc.iter().enumerate() {
            let out = &mut c[(m0 + i) * self.n + n0..][..W];
            if self.overwrite {
                out.copy_from_slice(partial);
            } else {
                for (o, &p) in out.iter_mut().zip(partial) {
                    *o = T::add(*o, p);
                }
            }
        }
    }

    /// Row `m0`, the `width` columns from `n0` (fewer than a micro-tile).
    #[inline(always)]
    fn edge(&self, c: &mut [T], m0: usize, n0: usize, width: usize) {
        let mut acc = [T::ZERO; NR];
        let acc = &mut acc[..width];
        for kk in self.k0..self.k1 {
            let x = self.a[m0 * self.k + kk];
            let b_row = &self.b[kk * self.n + n0..][..width];
            for (s, &y) in acc.iter_mut().zip(b_row) {
                *s = T::mac(*s, x, y);
            }
        }
        let out = &mut c[m0 * self.n + n0..][..width];
        for (o, &p) in out.iter_mut().zip(acc.iter()) {
            *o = if self.overwrite { p } else { T::add(*o, p) };
        }
    }
}
