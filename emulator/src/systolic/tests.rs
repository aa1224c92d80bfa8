//! The two models against each other, against the plain reference, and the timing formulas
//! against the register-level model.

use isa::DType;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::numerics::encode_f32;

const INPUT_TYPES: [DType; 6] = [
    DType::I8,
    DType::E4M3,
    DType::E5M2,
    DType::Bf16,
    DType::Fp16,
    DType::Fp32,
];

fn config(rows: u32, cols: u32, dataflow: Dataflow, overlap: bool) -> ArrayConfig {
    ArrayConfig {
        rows,
        cols,
        dataflow,
        overlap,
        macs_per_pe_cycle: MacRates::narrow(2),
    }
}

/// Random operand bits: mostly values in [-4, 4] rounded to the type, some raw bit patterns
/// (infinities, NaNs, subnormals, extremes) when `wild`.
fn operand(rng: &mut ChaCha8Rng, dtype: DType, elements: usize, wild: bool) -> Vec<u8> {
    let size = dtype.size() as usize;
    let mut out = Vec::with_capacity(elements * size);
    for _ in 0..elements {
        let bits = if dtype == DType::I8 || (wild && rng.random_range(0..16) == 0) {
            rng.random::<u32>()
        } else {
            encode_f32(dtype, rng.random_range(-4.0f32..4.0))
        };
        out.extend_from_slice(&bits.to_le_bytes()[..size]);
    }
    out
}

struct Case {
    config: ArrayConfig,
    dtype: DType,
    shape: GemmShape,
    a: Vec<u8>,
    b: Vec<u8>,
    c: Vec<u8>,
    accumulate: bool,
}

impl Case {
    fn random(rng: &mut ChaCha8Rng, dataflow: Dataflow, max_dim: u32, max_shape: u32) -> Case {
        let config = ArrayConfig {
            rows: rng.random_range(1..=max_dim),
            cols: rng.random_range(1..=max_dim),
            dataflow,
            overlap: rng.random(),
            macs_per_pe_cycle: MacRates {
                bf16: rng.random_range(1..=4),
                fp16: rng.random_range(1..=4),
                fp8: rng.random_range(1..=4),
                int8: rng.random_range(1..=4),
            },
        };
        let dtype = INPUT_TYPES[rng.random_range(0..INPUT_TYPES.len())];
        let shape = GemmShape::new(
            rng.random_range(1..=max_shape),
            rng.random_range(1..=max_shape),
            rng.random_range(1..=max_shape),
        );
        let wild = rng.random_range(0..4) == 0;
        let (m, n, k) = (shape.m as usize, shape.n as usize, shape.k as usize);
        let a = operand(rng, dtype, m * k, wild);
        let b = operand(rng, dtype, k * n, wild);
        let accumulate = rng.random();
        let c = operand(rng, accumulator_dtype(dtype).unwrap(), m * n, wild);
        Case {
            config,
            dtype,
            shape,
            a,
            b,
            c,
            accumulate,
        }
    }

    fn gemm(&self) -> Gemm<'_> {
        Gemm {
            dtype: self.dtype,
            shape: self.shape,
            a: &self.a,
            b: &self.b,
            accumulate: self.accumulate,
        }
    }

    fn check(&self) {
        let agreement = models_agree(&self.config, &self.gemm(), &self.c).unwrap();
        assert!(
            agreement.holds(),
            "{:?} {} {:?} accumulate={}: {agreement:?}",
            self.config,
            self.dtype,
            self.shape,
            self.accumulate
        );
    }
}

fn models_agree_on_random_operations(dataflow: Dataflow, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..1500 {
        Case::random(&mut rng, dataflow, 9, 30).check();
    }
    // A few larger, non-square arrays with shapes that are not multiples of them.
    for _ in 0..30 {
        let mut case = Case::random(&mut rng, dataflow, 40, 90);
        case.config.cols = case.config.rows / 2 + 1;
        case.check();
    }
}

#[test]
fn fast_and_register_models_agree_on_random_weight_stationary_operations() {
    models_agree_on_random_operations(Dataflow::Ws, 1);
}

#[test]
fn fast_and_register_models_agree_on_random_output_stationary_operations() {
    models_agree_on_random_operations(Dataflow::Os, 2);
}

#[test]
fn fast_and_register_models_agree_on_random_input_stationary_operations() {
    models_agree_on_random_operations(Dataflow::Is, 3);
}

#[test]
fn models_agree_on_a_zw1_sized_array() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for dataflow in Dataflow::ALL {
        for dtype in [DType::Bf16, DType::I8] {
            let mut case = Case::random(&mut rng, dataflow, 1, 1);
            case.config = ArrayConfig {
                dataflow,
                ..ArrayConfig::default()
            };
            case.dtype = dtype;
            case.shape = GemmShape::new(70, 130, 150);
            case.a = operand(&mut rng, dtype, 70 * 150, false);
            case.b = operand(&mut rng, dtype, 150 * 130, false);
            case.c = operand(&mut rng, accumulator_dtype(dtype).unwrap(), 70 * 130, false);
            case.check();
        }
    }
}

/// The register-level model's cycle count for one operation.
fn register_cycles(config: ArrayConfig, dtype: DType, shape: GemmShape) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (m, n, k) = (shape.m as usize, shape.n as usize, shape.k as usize);
    let a = operand(&mut rng, dtype, m * k, false);
    let b = operand(&mut rng, dtype, k * n, false);
    let mut c = vec![0u8; m * n * 4];
    let gemm = Gemm {
        dtype,
        shape,
        a: &a,
        b: &b,
        accumulate: false,
    };
    let run = RegisterArray::new(config)
        .unwrap()
        .matmul(&gemm, &mut c)
        .unwrap();
    let fast = timing(&config, dtype, shape).unwrap();
    assert_eq!(run.folds, fast.folds);
    run.cycles
}

#[test]
fn ws_fold_takes_weight_load_then_stream_and_skew() {
    let (rows, cols, m) = (8u64, 5u64, 13u64);
    let weight_load = rows; // one row of weights per cycle down each column
    let stream = m; // one row of A per cycle into the left edge
    let skew_down = rows - 1; // the last row of A reaches the bottom row
    let skew_across = cols - 1; // ... and the last column
    let expected = weight_load + stream + skew_down + skew_across;
    for overlap in [false, true] {
        let cfg = config(8, 5, Dataflow::Ws, overlap);
        assert_eq!(
            register_cycles(cfg, DType::Bf16, GemmShape::new(13, 5, 8)),
            expected
        );
        assert_eq!(
            register_cycles(cfg, DType::Bf16, GemmShape::new(13, 3, 2)),
            expected,
            "a partial tile costs a full fold"
        );
    }
}

#[test]
fn ws_folds_without_overlap_repeat_the_whole_fold() {
    let (rows, cols, m) = (6u64, 4u64, 9u64);
    let k_folds = 3; // K = 3R
    let n_folds = 2; // N = 2C
    let fold = rows + m + (rows - 1) + (cols - 1);
    let cfg = config(6, 4, Dataflow::Ws, false);
    assert_eq!(
        register_cycles(cfg, DType::Fp16, GemmShape::new(9, 8, 18)),
        k_folds * n_folds * fold
    );
}

#[test]
fn ws_overlap_hides_weight_loads_behind_a_long_stream() {
    let (rows, cols, m) = (6u64, 4u64, 15u64);
    let folds = 6u64;
    // Weights for the next fold load while this one streams (M ≥ R cycles), so a new fold
    // starts every M cycles; only the first load and the last fold's skew are exposed.
    let expected = rows + (folds - 1) * m + (m + (rows - 1) + (cols - 1));
    let cfg = config(6, 4, Dataflow::Ws, true);
    assert_eq!(
        register_cycles(cfg, DType::Bf16, GemmShape::new(15, 8, 18)),
        expected
    );
}

#[test]
fn ws_overlap_waits_for_weight_loads_behind_a_short_stream() {
    let (rows, cols, m) = (8u64, 3u64, 3u64);
    let folds = 4u64;
    // M < R: the next fold's weights take R cycles to load, so folds start every R cycles.
    let expected = rows + (folds - 1) * rows + (m + (rows - 1) + (cols - 1));
    let cfg = config(8, 3, Dataflow::Ws, true);
    assert_eq!(
        register_cycles(cfg, DType::Bf16, GemmShape::new(3, 6, 16)),
        expected
    );
}

#[test]
fn is_maps_k_on_rows_m_on_columns_and_streams_n() {
    let (rows, cols, n) = (5u64, 7u64, 11u64);
    let fold = rows + n + (rows - 1) + (cols - 1);
    let k_folds = 2; // K = 2R
    let m_folds = 3; // M = 3C (last tile partial)
    let shape = GemmShape::new(19, 11, 10);
    assert_eq!(
        register_cycles(config(5, 7, Dataflow::Is, false), DType::Bf16, shape),
        k_folds * m_folds * fold
    );
    let folds = k_folds * m_folds;
    let overlapped = rows + (folds - 1) * n.max(rows) + (n + (rows - 1) + (cols - 1));
    assert_eq!(
        register_cycles(config(5, 7, Dataflow::Is, true), DType::Bf16, shape),
        overlapped
    );
}

#[test]
fn os_fold_streams_k_then_drains_one_row_per_cycle() {
    let (rows, cols, k) = (6u64, 4u64, 10u64);
    let stream = k; // one k step per cycle at each edge
    let skew = (rows - 1) + (cols - 1); // until the last PE has its last product
    let drain = rows; // outputs shift out of the bottom, one row per cycle
    let fold = stream + skew + drain;
    let cfg = config(6, 4, Dataflow::Os, false);
    assert_eq!(
        register_cycles(cfg, DType::Bf16, GemmShape::new(6, 4, 10)),
        fold
    );
    let (m_folds, n_folds) = (2, 3);
    assert_eq!(
        register_cycles(cfg, DType::Bf16, GemmShape::new(12, 10, 10)),
        m_folds * n_folds * fold
    );
}

#[test]
fn os_overlap_streams_the_next_tile_while_outputs_drain() {
    let (rows, cols) = (4u64, 3u64);
    let folds = 2 * 3;
    // The next tile's first result (at its stream start + K - 1) must find the output
    // registers drained: tiles start at least 2R + C - 1 cycles apart, or K if longer.
    let spacing = 2 * rows + cols - 1;
    for k in [5u64, 40] {
        let fold = k + (rows - 1) + (cols - 1) + rows;
        let expected = (folds - 1) * k.max(spacing) + fold;
        let cfg = config(4, 3, Dataflow::Os, true);
        let shape = GemmShape::new(8, 9, k as u32);
        assert_eq!(
            register_cycles(cfg, DType::Fp32, shape),
            expected,
            "k = {k}"
        );
    }
}

#[test]
fn narrow_types_do_several_macs_per_pe_per_cycle() {
    // Q = 3 for 1-byte inputs: a WS fold covers 3R values of k, an OS step 3 values.
    let mut cfg = config(4, 4, Dataflow::Ws, false);
    cfg.macs_per_pe_cycle = MacRates::narrow(3);
    let per_fold = 2 * 4 + 4 + 5 - 2;
    assert_eq!(
        register_cycles(cfg, DType::I8, GemmShape::new(5, 4, 12)),
        per_fold
    );
    assert_eq!(
        register_cycles(cfg, DType::Bf16, GemmShape::new(5, 4, 12)),
        3 * per_fold
    );
    cfg.dataflow = Dataflow::Os;
    let k_steps = 12u64.div_ceil(3);
    assert_eq!(
        register_cycles(cfg, DType::E4M3, GemmShape::new(4, 4, 12)),
        k_steps + 2 * 4 + 4 - 2
    );
    let t = timing(&cfg, DType::E5M2, GemmShape::new(4, 4, 12)).unwrap();
    assert_eq!(t.peak_macs_per_cycle, 4 * 4 * 3);
}

#[test]
fn each_input_type_takes_its_own_rate() {
    // K = 24 on 4 rows, no overlap: a type at rate Q needs ceil(24 / 4Q) folds of equal length.
    let mut cfg = config(4, 4, Dataflow::Ws, false);
    cfg.macs_per_pe_cycle = MacRates {
        bf16: 2,
        fp16: 1,
        fp8: 3,
        int8: 4,
    };
    let per_fold = 2 * 4 + 4 + 5 - 2;
    for (dtype, folds) in [
        (DType::Bf16, 3),
        (DType::Fp16, 6),
        (DType::E4M3, 2),
        (DType::E5M2, 2),
        (DType::I8, 2),
        (DType::Fp32, 6),
    ] {
        let shape = GemmShape::new(5, 4, 24);
        assert_eq!(
            register_cycles(cfg, dtype, shape),
            folds * per_fold,
            "{dtype:?}"
        );
        assert_eq!(
            timing(&cfg, dtype, shape).unwrap().cycles,
            folds * per_fold,
            "{dtype:?}"
        );
    }
}

#[test]
fn overlap_saves_the_difference_between_a_fold_and_the_overlapped_interval() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    for _ in 0..40 {
        let dataflow = Dataflow::ALL[rng.random_range(0..3)];
        let mut cfg = config(
            rng.random_range(1..=16),
            rng.random_range(1..=16),
            dataflow,
            false,
        );
        let shape = GemmShape::new(
            rng.random_range(1..=100),
            rng.random_range(1..=100),
            rng.random_range(1..=100),
        );
        let serial = timing(&cfg, DType::Bf16, shape).unwrap();
        cfg.overlap = true;
        let overlapped = timing(&cfg, DType::Bf16, shape).unwrap();
        let (r, c) = (u64::from(cfg.rows), u64::from(cfg.cols));
        let stream = match dataflow {
            Dataflow::Ws => u64::from(shape.m),
            Dataflow::Is => u64::from(shape.n),
            Dataflow::Os => u64::from(shape.k),
        };
        let interval = match dataflow {
            Dataflow::Ws | Dataflow::Is => stream.max(r),
            Dataflow::Os => stream.max(2 * r + c - 1),
        };
        let saved_per_fold = serial.fold_cycles - interval;
        assert_eq!(
            serial.cycles - overlapped.cycles,
            (serial.folds - 1) * saved_per_fold
        );
        assert!(overlapped.cycles <= serial.cycles);
    }
}

fn fp32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn run_one(cfg: ArrayConfig, model: Model, gemm: Gemm<'_>, c: &mut [u8]) -> GemmRun {
    matrix_unit(cfg, model).unwrap().matmul(&gemm, c).unwrap()
}

fn gemm<'a>(
    dtype: DType,
    shape: GemmShape,
    a: &'a [u8],
    b: &'a [u8],
    accumulate: bool,
) -> Gemm<'a> {
    Gemm {
        dtype,
        shape,
        a,
        b,
        accumulate,
    }
}

#[test]
fn ws_partial_sums_restart_at_every_reduction_fold_and_os_sums_all_of_k() {
    // Products 1, 2^-24, 2^-24, 2^-24 (A row × B column, fp32).
    let tiny = 2f32.powi(-24);
    let a = fp32_bytes(&[1.0, tiny, tiny, tiny]);
    let b = fp32_bytes(&[1.0; 4]);
    let shape = GemmShape::new(1, 1, 4);
    for model in [Model::Fast, Model::Register] {
        // WS with 2 rows: folds (1 + 2^-24) = 1 and (2^-24 + 2^-24) = 2^-23, then 1 + 2^-23.
        let mut c = vec![0u8; 4];
        run_one(
            config(2, 1, Dataflow::Ws, true),
            model,
            gemm(DType::Fp32, shape, &a, &b, false),
            &mut c,
        );
        assert_eq!(
            f32::from_le_bytes(c[..4].try_into().unwrap()),
            1.0 + 2.0 * tiny
        );
        // OS: one running sum over k; each 2^-24 is a tie that rounds back to 1.
        let mut c = vec![0u8; 4];
        run_one(
            config(2, 1, Dataflow::Os, true),
            model,
            gemm(DType::Fp32, shape, &a, &b, false),
            &mut c,
        );
        assert_eq!(f32::from_le_bytes(c[..4].try_into().unwrap()), 1.0);
    }
}

#[test]
fn fp32_products_round_before_the_add() {
    // (1 + 2^-12)² - 1 = 2^-11 + 2^-24 exactly, but the product rounds first to 1 + 2^-11.
    let x = 1.0 + 2f32.powi(-12);
    let a = fp32_bytes(&[x, -1.0]);
    let b = fp32_bytes(&[x, 1.0]);
    for model in [Model::Fast, Model::Register] {
        let mut c = vec![0u8; 4];
        run_one(
            config(2, 2, Dataflow::Ws, false),
            model,
            gemm(DType::Fp32, GemmShape::new(1, 1, 2), &a, &b, false),
            &mut c,
        );
        assert_eq!(
            f32::from_le_bytes(c[..4].try_into().unwrap()),
            2f32.powi(-11)
        );
    }
}

#[test]
fn int8_accumulates_in_wrapping_i32() {
    let a = [1u8];
    let b = [1u8];
    for dataflow in Dataflow::ALL {
        for model in [Model::Fast, Model::Register] {
            let mut c = i32::MAX.to_le_bytes().to_vec();
            run_one(
                config(2, 2, dataflow, true),
                model,
                gemm(DType::I8, GemmShape::new(1, 1, 1), &a, &b, true),
                &mut c,
            );
            assert_eq!(i32::from_le_bytes(c[..4].try_into().unwrap()), i32::MIN);
            // -128 × -128 = 16384 exactly.
            let mut c = vec![0u8; 4];
            run_one(
                config(2, 2, dataflow, true),
                model,
                gemm(DType::I8, GemmShape::new(1, 1, 1), &[0x80], &[0x80], false),
                &mut c,
            );
            assert_eq!(i32::from_le_bytes(c[..4].try_into().unwrap()), 16384);
        }
    }
}

#[test]
fn overwrite_ignores_old_c_and_accumulate_adds_to_it_nan_results_are_canonical() {
    let a = [
        encode_f32(DType::Bf16, 1.5) as u16,
        encode_f32(DType::Bf16, 2.0) as u16,
    ]
    .iter()
    .flat_map(|x| x.to_le_bytes())
    .collect::<Vec<u8>>();
    let b = a.clone(); // 2×1 · 1×... : A is 2×1 (m=2, k=1), B is 1×2
    let shape = GemmShape::new(2, 2, 1);
    for dataflow in Dataflow::ALL {
        for model in [Model::Fast, Model::Register] {
            let cfg = config(3, 3, dataflow, false);
            let mut c = fp32_bytes(&[f32::NAN, 10.0, 10.0, 10.0]);
            run_one(cfg, model, gemm(DType::Bf16, shape, &a, &b, false), &mut c);
            assert_eq!(c, fp32_bytes(&[2.25, 3.0, 3.0, 4.0]));
            let mut c = fp32_bytes(&[f32::from_bits(0xFFC0_1234), 10.0, 10.0, 10.0]);
            run_one(cfg, model, gemm(DType::Bf16, shape, &a, &b, true), &mut c);
            assert_eq!(
                c,
                fp32_bytes(&[f32::from_bits(0x7FC0_0000), 13.0, 13.0, 14.0])
            );
        }
    }
}

#[test]
fn bad_configs_and_operands_are_refused_with_the_key_named() {
    let mut cfg = ArrayConfig {
        rows: 0,
        ..ArrayConfig::default()
    };
    assert!(matches!(
        cfg.validate(),
        Err(SystolicError::InvalidConfig { key: "rows", .. })
    ));
    cfg.rows = 257;
    assert!(matches!(
        matrix_unit(cfg, Model::Fast),
        Err(SystolicError::InvalidConfig { key: "rows", .. })
    ));
    cfg.rows = 8;
    cfg.macs_per_pe_cycle.fp16 = 0;
    assert!(matches!(
        cfg.validate(),
        Err(SystolicError::InvalidConfig {
            key: "macs_per_pe_cycle.fp16",
            ..
        })
    ));
    cfg.macs_per_pe_cycle.fp16 = 5;
    assert!(matches!(
        cfg.validate(),
        Err(SystolicError::InvalidConfig {
            key: "macs_per_pe_cycle.fp16",
            ..
        })
    ));
    let cfg = ArrayConfig::default();
    for model in [Model::Fast, Model::Register] {
        let mut unit = matrix_unit(cfg, model).unwrap();
        let mut c = vec![0u8; 16];
        let mut gemm = Gemm {
            dtype: DType::U8,
            shape: GemmShape::new(2, 2, 2),
            a: &[0; 4],
            b: &[0; 4],
            accumulate: false,
        };
        assert_eq!(
            unit.matmul(&gemm, &mut c),
            Err(SystolicError::UnsupportedDType(DType::U8))
        );
        gemm.dtype = DType::Bf16;
        assert!(matches!(
            unit.matmul(&gemm, &mut c),
            Err(SystolicError::OperandSize { operand: "A", .. })
        ));
        gemm.shape = GemmShape::new(0, 2, 2);
        assert!(matches!(
            unit.matmul(&gemm, &mut c),
            Err(SystolicError::EmptyShape { .. })
        ));
        gemm.dtype = DType::I8;
        gemm.shape = GemmShape::new(2, 2, 2);
        assert!(matches!(
            unit.matmul(&gemm, &mut c[..8]),
            Err(SystolicError::OperandSize { operand: "C", .. })
        ));
        assert!(unit.matmul(&gemm, &mut c).is_ok());
    }
}

#[test]
fn the_fast_model_is_the_default_and_the_names_round_trip() {
    assert_eq!(Model::default(), Model::Fast);
    for m in [Model::Fast, Model::Register] {
        assert_eq!(Model::from_name(m.name()), Some(m));
    }
    for d in Dataflow::ALL {
        assert_eq!(Dataflow::from_name(d.name()), Some(d));
    }
    for b in [BenchModel::Fast, BenchModel::Register, BenchModel::Both] {
        assert_eq!(BenchModel::from_name(b.name()), Some(b));
    }
    let cfg: ArrayConfig = serde_json::from_str(
        r#"{"rows": 32, "cols": 16, "dataflow": "os", "overlap": false, "macs_per_pe_cycle": {"bf16": 1, "fp16": 1, "fp8": 2, "int8": 2}}"#,
    )
    .unwrap();
    assert_eq!(cfg, config(32, 16, Dataflow::Os, false));
    assert!(serde_json::from_str::<ArrayConfig>(r#"{"rows": 32, "cols": 16, "dataflow": "os", "overlap": false, "macs_per_pe_cycle": {"bf16": 1, "fp16": 1, "fp8": 2, "int8": 2}, "depth": 3}"#).is_err());
}

#[test]
fn bench_reports_cycles_utilization_and_agreement() {
    for dataflow in Dataflow::ALL {
        let request = BenchRequest {
            config: config(16, 8, dataflow, true),
            dtype: DType::Bf16,
            shape: GemmShape::new(40, 24, 36),
            model: BenchModel::Both,
            seed: 9,
        };
        let report = bench_systolic(&request).unwrap();
        let t = timing(&request.config, DType::Bf16, request.shape).unwrap();
        assert_eq!(report.cycles, t.cycles);
        assert_eq!(report.register_cycles, Some(t.cycles));
        assert_eq!(report.models_agree, Some(true));
        assert!(report.utilization > 0.0 && report.utilization <= 1.0);
        assert_eq!(report.macs, 40 * 24 * 36);
        assert!(report.fast_host_seconds.is_some() && report.register_host_seconds.is_some());
        let json = serde_json::to_value(&report).unwrap();
        for field in ["cycles", "utilization", "models_agree"] {
            assert!(json.get(field).is_some(), "{field}");
        }
        let fast_only = bench_systolic(&BenchRequest {
            model: BenchModel::Fast,
            ..request
        })
        .unwrap();
        assert_eq!(fast_only.models_agree, None);
        assert_eq!(fast_only.register_host_seconds, None);
        assert_eq!(fast_only.cycles, report.cycles);
    }
}

#[test]
fn utilization_approaches_one_for_long_overlapped_streams() {
    let cfg = config(8, 8, Dataflow::Ws, true);
    let t = timing(&cfg, DType::Bf16, GemmShape::new(4096, 64, 64)).unwrap();
    // 64 folds of 4096 rows each; fill and drain of one fold are the only idle time.
    let expected = (64 * 4096) as f64 / (8 + 63 * 4096 + 4096 + 8 + 8 - 2) as f64;
    assert_eq!(t.utilization, expected);
    assert!(t.utilization > 0.99);
}
