//! `zw bench systolic`: one GEMM on the bare array, and the property that both models agree.

use std::time::Instant;

use isa::DType;
use serde::{Deserialize, Serialize};

use super::{
    ArrayConfig, Dataflow, FastArray, Gemm, GemmRun, GemmShape, MatrixUnit, RegisterArray,
    SystolicError, accumulator_dtype, reference_gemm, timing,
};
use crate::numerics::encode_f32;

/// Which models a bench runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchModel {
    /// The fast model only.
    #[default]
    Fast,
    /// The register-level model only.
    Register,
    /// Both, compared bit for bit and cycle for cycle.
    Both,
}

impl BenchModel {
    /// The name used on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            BenchModel::Fast => "fast",
            BenchModel::Register => "register",
            BenchModel::Both => "both",
        }
    }

    /// The model named `name`.
    pub fn from_name(name: &str) -> Option<BenchModel> {
        [BenchModel::Fast, BenchModel::Register, BenchModel::Both]
            .into_iter()
            .find(|m| m.name() == name)
    }
}

/// What to bench: `zw bench systolic --rows R --cols C --dataflow ws|os|is --m M --n N --k K
/// [--dtype bf16] [--model fast|register|both] [--overlap on|off]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchRequest {
    /// The array.
    pub config: ArrayConfig,
    /// Element type of A and B.
    pub dtype: DType,
    /// The GEMM.
    pub shape: GemmShape,
    /// Which models run.
    pub model: BenchModel,
    /// Seed of the random operands.
    pub seed: u64,
}

/// The result of one bench.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystolicBenchReport {
    /// PE rows.
    pub rows: u32,
    /// PE columns.
    pub cols: u32,
    /// The dataflow.
    pub dataflow: Dataflow,
    /// Whether consecutive folds overlap.
    pub overlap: bool,
    /// Multiply-accumulates per PE per cycle on `dtype` inputs.
    pub macs_per_pe_cycle: u32,
    /// Element type of A and B.
    pub dtype: String,
    /// Rows of A and C.
    pub m: u32,
    /// Columns of B and C.
    pub n: u32,
    /// The reduction length.
    pub k: u32,
    /// Which models ran.
    pub model: BenchModel,
    /// Array cycles for the GEMM with ideal operand supply (from the model that ran; the fast
    /// model's when both ran).
    pub cycles: u64,
    /// Folds.
    pub folds: u64,
    /// Cycles of one fold on its own.
    pub fold_cycles: u64,
    /// Multiply-accumulates: `m × n × k`.
    pub macs: u64,
    /// Peak multiply-accumulates per cycle.
    pub peak_macs_per_cycle: u64,
    /// `macs / (cycles × peak_macs_per_cycle)`, 0–1.
    pub utilization: f64,
    /// Host wall-clock time of the fast model, seconds.
    pub fast_host_seconds: Option<f64>,
    /// Host wall-clock time of the register-level model, seconds.
    pub register_host_seconds: Option<f64>,
    /// Cycles the register-level model counted, when it ran.
    pub register_cycles: Option<u64>,
    /// With both models: whether they agree in every output bit and in cycles.
    pub models_agree: Option<bool>,
}

/// A small deterministic generator (SplitMix64) for bench operands.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Random `rows × cols` operand bytes of `dtype`: values uniform in [-1, 1) rounded to the
/// type (any byte for `i8`).
pub(crate) fn random_matrix(dtype: DType, elements: usize, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix(seed);
    let size = dtype.size() as usize;
    let mut out = Vec::with_capacity(elements * size);
    for _ in 0..elements {
        let r = rng.next();
        let bits = if dtype == DType::I8 {
            (r & 0xFF) as u32
        } else {
            let unit = (r >> 40) as f32 / (1u64 << 24) as f32; // [0, 1)
            encode_f32(dtype, 2.0 * unit - 1.0)
        };
        out.extend_from_slice(&bits.to_le_bytes()[..size]);
    }
    out
}

fn timed(
    unit: &mut dyn MatrixUnit,
    gemm: &Gemm<'_>,
    c: &mut [u8],
) -> Result<(GemmRun, f64), SystolicError> {
    let start = Instant::now();
    let run = unit.matmul(gemm, c)?;
    Ok((run, start.elapsed().as_secs_f64()))
}

/// The most host memory a benchmark's operands and results may take.
pub const MAX_BENCH_BYTES: u64 = 2 << 30;

/// Runs one GEMM on the bare array with ideal operand supply: cycles, MAC utilization, host
/// time per model, and (with [`BenchModel::Both`]) whether the models agree.
pub fn bench_systolic(request: &BenchRequest) -> Result<SystolicBenchReport, SystolicError> {
    let config = request.config;
    let shape = request.shape;
    let dtype = request.dtype;
    let t = timing(&config, dtype, shape)?;
    let acc = accumulator_dtype(dtype)?;
    let (m, n, k) = (shape.m as usize, shape.n as usize, shape.k as usize);
    let elements = |x: usize, y: usize| {
        x.checked_mul(y)
            .filter(|&e| e.checked_mul(4).is_some())
            .ok_or(SystolicError::TooLarge("operand size overflows"))
    };
    let (mk, kn, mn) = (elements(m, k)?, elements(k, n)?, elements(m, n)?);
    // Both operands and both models' results, before any is allocated.
    let bytes = (mk as u128 + kn as u128) * u128::from(dtype.size())
        + 2 * mn as u128 * u128::from(acc.size());
    if bytes > u128::from(MAX_BENCH_BYTES) {
        return Err(SystolicError::TooLarge(
            "operands and results exceed the benchmark's 2 GiB of host memory",
        ));
    }
    let a = random_matrix(dtype, mk, request.seed);
    let b = random_matrix(dtype, kn, request.seed ^ 0x5555_5555);
    let gemm = Gemm {
        dtype,
        shape,
        a: &a,
        b: &b,
        accumulate: false,
    };
    let c_len = mn * acc.size() as usize;
    let run_fast = request.model != BenchModel::Register;
    let run_register = request.model != BenchModel::Fast;
    let mut fast_c = vec![0u8; c_len];
    let mut register_c = vec![0u8; c_len];
    let fast = if run_fast {
        Some(timed(&mut FastArray::new(config)?, &gemm, &mut fast_c)?)
    } else {
        None
    };
    let register = if run_register {
        Some(timed(
            &mut RegisterArray::new(config)?,
            &gemm,
            &mut register_c,
        )?)
    } else {
        None
    };
    let cycles = fast.or(register).map_or(t.cycles, |(run, _)| run.cycles);
    let models_agree = match (fast, register) {
        (Some((f, _)), Some((r, _))) => Some(f.cycles == r.cycles && fast_c == register_c),
        _ => None,
    };
    Ok(SystolicBenchReport {
        rows: config.rows,
        cols: config.cols,
        dataflow: config.dataflow,
        overlap: config.overlap,
        macs_per_pe_cycle: config.macs_per_pe_cycle(dtype),
        dtype: dtype.name().to_string(),
        m: shape.m,
        n: shape.n,
        k: shape.k,
        model: request.model,
        cycles,
        folds: t.folds,
        fold_cycles: t.fold_cycles,
        macs: t.macs,
        peak_macs_per_cycle: t.peak_macs_per_cycle,
        utilization: t.macs as f64 / (cycles as f64 * t.peak_macs_per_cycle as f64),
        fast_host_seconds: fast.map(|(_, s)| s),
        register_host_seconds: register.map(|(_, s)| s),
        register_cycles: register.map(|(run, _)| run.cycles),
        models_agree,
    })
}

/// How the fast model, the register-level model and the reference compare on one operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// The fast model's run.
    pub fast: GemmRun,
    /// The register-level model's run.
    pub register: GemmRun,
    /// The closed-form cycle count ([`timing`]).
    pub formula_cycles: u64,
    /// The first byte of C where the fast and register-level models differ.
    pub register_mismatch: Option<usize>,
    /// The first byte of C where the fast model and [`reference_gemm`] differ.
    pub reference_mismatch: Option<usize>,
}

impl Agreement {
    /// True if all three give the same C and both models the same cycles as the formula.
    pub fn holds(&self) -> bool {
        self.register_mismatch.is_none()
            && self.reference_mismatch.is_none()
            && self.fast.cycles == self.register.cycles
            && self.fast.cycles == self.formula_cycles
    }
}

/// The property "fast model == register-level model == reference, in every bit of C and in
/// cycles", evaluated for one operation. `c` is C's initial contents (read when
/// `gemm.accumulate`).
pub fn models_agree(
    config: &ArrayConfig,
    gemm: &Gemm<'_>,
    c: &[u8],
) -> Result<Agreement, SystolicError> {
    let mut fast_c = c.to_vec();
    let mut register_c = c.to_vec();
    let mut reference_c = c.to_vec();
    let fast = FastArray::new(*config)?.matmul(gemm, &mut fast_c)?;
    let register = RegisterArray::new(*config)?.matmul(gemm, &mut register_c)?;
    reference_gemm(config, gemm, &mut reference_c)?;
    let first_difference = |x: &[u8], y: &[u8]| x.iter().zip(y).position(|(p, q)| p != q);
    Ok(Agreement {
        fast,
        register,
        formula_cycles: timing(config, gemm.dtype, gemm.shape)?.cycles,
        register_mismatch: first_difference(&fast_c, &register_c),
        reference_mismatch: first_difference(&fast_c, &reference_c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_benchmark_beyond_its_host_memory_bound_is_refused_before_allocating() {
        let request = BenchRequest {
            config: ArrayConfig::default(),
            dtype: DType::Bf16,
            shape: GemmShape::new(100_000, 100_000, 100_000),
            model: BenchModel::Both,
            seed: 1,
        };
        assert!(matches!(
            bench_systolic(&request),
            Err(SystolicError::TooLarge(_))
        ));
    }
}
