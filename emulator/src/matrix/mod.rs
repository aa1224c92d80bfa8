//! The tile's matrix-engine slot: the architectural matrix state `X` (set by `mx.cfg` and
//! `mx.post`), operations captured when enqueued (checked then, so a fault names the
//! instruction), their duration ([`MatrixTimer`]) and their effect ([`exec::MatrixSlot`]), which
//! runs the multiplications on the systolic array model ([`crate::systolic`]).

pub mod exec;

use isa::DType;
use isa::memory_map::Memory;
use isa::operand::Activation;

use thiserror::Error;

use crate::config::{Resolved, SystolicImpl};
use crate::memory::{AddressFault, MemoryMap, OutOfBounds, Place};
use crate::systolic::{self, ArrayConfig, Dataflow, GemmShape, MacRates, SystolicError};
use crate::time::{Bandwidth, Cycle};

pub use exec::MatrixSlot;

/// Why an operation is refused at enqueue, or (only if the memories changed under it) fails.
/// `operand` names the region at fault: `A`, `B`, `accumulator`, `destination` or `bias`.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MatrixFault {
    /// An extent (`M`, `N` or `K`) that is zero or does not fit 32 bits.
    #[error("{name} = {value} is not in 1..=2^32-1")]
    Extent { name: &'static str, value: u64 },
    #[error("{operand}: {fault}")]
    Address {
        operand: &'static str,
        fault: AddressFault,
    },
    /// `wants` says where the operand must be.
    #[error("{operand}: address {addr:#x} is not in {wants}")]
    Outside {
        operand: &'static str,
        addr: u64,
        wants: &'static str,
    },
    #[error("{operand}: address {addr:#x} is not {align}-byte aligned")]
    Misaligned {
        operand: &'static str,
        addr: u64,
        align: u64,
    },
    /// A multiply enqueued before any `mx.ldw`.
    #[error("no weights loaded (mx.ldw)")]
    NoWeights,
    #[error("the weights were loaded as {loaded}, the multiply takes {takes}")]
    WeightsType { loaded: DType, takes: DType },
    /// A multiply reaching the array with no weights in it.
    #[error("no weights loaded")]
    WeightsMissing,
    #[error("no matrix unit")]
    NoUnit,
    #[error(transparent)]
    Systolic(#[from] SystolicError),
    #[error("no memory at {0}")]
    NoMemory(Place),
    #[error(transparent)]
    OutOfBounds(#[from] OutOfBounds),
}

/// The output stage's configuration (`mx.post`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Post {
    /// Activation.
    pub act: Activation,
    /// Output element type.
    pub out: DType,
    /// The scale, as fp32 bits.
    pub scale: u32,
    /// Address of N fp32 bias values, 0 for none.
    pub bias: u64,
}

/// The matrix state `X`. At reset: the configured default dataflow, bf16 inputs, no activation,
/// fp32 output, scale 1.0, no bias, no weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatrixState {
    /// `X.dataflow`.
    pub dataflow: Dataflow,
    /// `X.type`.
    pub dtype: DType,
    /// `X.act`, `X.out_type`, `X.scale`, `X.bias`.
    pub post: Post,
    /// Shape and type of the last `mx.ldw` enqueued: `(K, N, type)`.
    pub weights: Option<(u32, u32, DType)>,
}

impl MatrixState {
    /// The reset state with `dataflow` as the default.
    pub fn reset(dataflow: Dataflow) -> MatrixState {
        MatrixState {
            dataflow,
            dtype: DType::Bf16,
            post: Post {
                act: Activation::None,
                out: DType::Fp32,
                scale: 1.0f32.to_bits(),
                bias: 0,
            },
            weights: None,
        }
    }
}

/// The systolic dataflow named by an `mx.cfg` operand.
pub fn dataflow_of(d: isa::operand::Dataflow) -> Dataflow {
    match d {
        isa::operand::Dataflow::Ws => Dataflow::Ws,
        isa::operand::Dataflow::Os => Dataflow::Os,
        isa::operand::Dataflow::Is => Dataflow::Is,
    }
}

/// A matrix operation as enqueued.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MatrixOp {
    /// `mx.ldw`: B (K×N of `dtype`) into the unit.
    Load {
        /// B's first element.
        src: Place,
        /// Shape.
        k: u32,
        /// Shape.
        n: u32,
        /// Element type.
        dtype: DType,
    },
    /// `mx.mm` / `mx.mma`: ACC (M×N) = [ACC +] A (M×K) · B.
    Multiply {
        /// The accumulator block.
        acc: Place,
        /// A's first element.
        a: Place,
        /// The dimensions.
        shape: GemmShape,
        /// Element type of A and B.
        dtype: DType,
        /// The dataflow.
        dataflow: Dataflow,
        /// `mx.mma`.
        accumulate: bool,
    },
    /// `mx.out`: M×N accumulators through the output stage.
    Out {
        /// Destination.
        dst: Place,
        /// The accumulator block.
        acc: Place,
        /// Rows.
        m: u32,
        /// Columns.
        n: u32,
        /// Accumulator element type (i32 for i8 inputs, else fp32).
        acc_type: DType,
        /// The output stage.
        post: Post,
        /// The bias values, if any.
        bias: Option<Place>,
    },
}

impl MatrixOp {
    /// Bytes read, bytes written, and work (multiply-accumulates, or elements read out).
    pub fn traffic(&self) -> (u64, u64, u64) {
        match *self {
            MatrixOp::Load { k, n, dtype, .. } => {
                (u64::from(k) * u64::from(n) * dtype.size(), 0, 0)
            }
            MatrixOp::Multiply {
                shape,
                dtype,
                accumulate,
                ..
            } => {
                let (m, n, k) = (u64::from(shape.m), u64::from(shape.n), u64::from(shape.k));
                let c = m * n * 4;
                let read = m * k * dtype.size() + if accumulate { c } else { 0 };
                (read, c, shape.macs())
            }
            MatrixOp::Out {
                m, n, post, bias, ..
            } => {
                let cells = u64::from(m) * u64::from(n);
                let bias = if bias.is_some() { u64::from(n) * 4 } else { 0 };
                (cells * 4 + bias, cells * post.out.size(), cells)
            }
        }
    }
}

fn extent(name: &'static str, value: u64) -> Result<u32, MatrixFault> {
    match u32::try_from(value) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(MatrixFault::Extent { name, value }),
    }
}

fn region(
    name: &'static str,
    addr: u64,
    bytes: u64,
    align: u64,
    acc_only: bool,
    map: &MemoryMap,
    issuer: (u32, u32),
) -> Result<Place, MatrixFault> {
    let p = map
        .resolve_span(addr, 0, bytes as i128, issuer.0, issuer.1)
        .map_err(|fault| MatrixFault::Address {
            operand: name,
            fault,
        })?;
    let own = p.chip == issuer.0 && p.tile == Some(issuer.1);
    let allowed = if acc_only {
        p.memory == Memory::Acc
    } else {
        matches!(p.memory, Memory::Spad | Memory::Acc)
    };
    if !own || !allowed {
        let wants = if acc_only {
            "this tile's accumulator"
        } else {
            "this tile's scratchpad or accumulator"
        };
        return Err(MatrixFault::Outside {
            operand: name,
            addr,
            wants,
        });
    }
    if !p.offset.is_multiple_of(align) {
        return Err(MatrixFault::Misaligned {
            operand: name,
            addr,
            align,
        });
    }
    Ok(p)
}

/// Checks and captures `mx.ldw src, k, n`.
pub fn capture_load(
    x: &mut MatrixState,
    src: u64,
    k: u64,
    n: u64,
    map: &MemoryMap,
    issuer: (u32, u32),
) -> Result<MatrixOp, MatrixFault> {
    let (k, n) = (extent("K", k)?, extent("N", n)?);
    let size = x.dtype.size();
    let bytes = u64::from(k) * u64::from(n) * size;
    let src = region("B", src, bytes, size, false, map, issuer)?;
    x.weights = Some((k, n, x.dtype));
    Ok(MatrixOp::Load {
        src,
        k,
        n,
        dtype: x.dtype,
    })
}

/// Checks and captures `mx.mm` (or `mx.mma` when `accumulate`) `acc, a, m`.
pub fn capture_multiply(
    x: &MatrixState,
    acc: u64,
    a: u64,
    m: u64,
    accumulate: bool,
    map: &MemoryMap,
    issuer: (u32, u32),
) -> Result<MatrixOp, MatrixFault> {
    let Some((k, n, wtype)) = x.weights else {
        return Err(MatrixFault::NoWeights);
    };
    if wtype != x.dtype {
        return Err(MatrixFault::WeightsType {
            loaded: wtype,
            takes: x.dtype,
        });
    }
    let m = extent("M", m)?;
    let size = x.dtype.size();
    let a = region(
        "A",
        a,
        u64::from(m) * u64::from(k) * size,
        size,
        false,
        map,
        issuer,
    )?;
    let acc = region(
        "accumulator",
        acc,
        u64::from(m) * u64::from(n) * 4,
        4,
        true,
        map,
        issuer,
    )?;
    Ok(MatrixOp::Multiply {
        acc,
        a,
        shape: GemmShape::new(m, n, k),
        dtype: x.dtype,
        dataflow: x.dataflow,
        accumulate,
    })
}

/// Checks and captures `mx.out dst, acc, m, n`.
pub fn capture_out(
    x: &MatrixState,
    dst: u64,
    acc: u64,
    m: u64,
    n: u64,
    map: &MemoryMap,
    issuer: (u32, u32),
) -> Result<MatrixOp, MatrixFault> {
    let (m, n) = (extent("M", m)?, extent("N", n)?);
    let cells = u64::from(m) * u64::from(n);
    let acc = region("accumulator", acc, cells * 4, 4, true, map, issuer)?;
    let size = x.post.out.size();
    let dst = region("destination", dst, cells * size, size, false, map, issuer)?;
    let bias = match x.post.bias {
        0 => None,
        addr => Some(region(
            "bias",
            addr,
            u64::from(n) * 4,
            4,
            false,
            map,
            issuer,
        )?),
    };
    let acc_type = if x.dtype == DType::I8 {
        DType::I32
    } else {
        DType::Fp32
    };
    Ok(MatrixOp::Out {
        dst,
        acc,
        m,
        n,
        acc_type,
        post: x.post,
        bias,
    })
}

/// The matrix timing rules with their parameters resolved (docs/timing.md, "Matrix operations").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatrixTimer {
    /// `systolic.impl = "ideal"`: every operation takes this long.
    pub ideal: Option<Cycle>,
    /// The array (rows, columns, rates, overlap), for `mx.mm`.
    pub array: ArrayConfig,
    /// `scratchpad.latency_cycles`.
    pub spad_latency: Cycle,
    /// Scratchpad bandwidth: `scratchpad.banks × scratchpad.bank_bytes_per_cycle`.
    pub spad_bandwidth: Bandwidth,
    /// `accumulator.latency_cycles`.
    pub acc_latency: Cycle,
    /// `accumulator.bytes_per_cycle`.
    pub acc_bandwidth: Bandwidth,
}

impl MatrixTimer {
    /// The timer of a resolved configuration.
    pub fn of(c: &Resolved) -> MatrixTimer {
        let s = &c.config.scratchpad;
        let spad_bw = u64::from(s.banks) * u64::from(s.bank_bytes_per_cycle);
        MatrixTimer {
            ideal: (c.config.systolic.implementation == SystolicImpl::Ideal)
                .then_some(c.systolic_ideal_latency),
            array: array_config(c, Dataflow::Ws),
            spad_latency: c.scratchpad.latency,
            spad_bandwidth: Bandwidth::per_cycle(spad_bw).unwrap_or(Bandwidth::ONE_BYTE_PER_CYCLE),
            acc_latency: c.accumulator.latency,
            acc_bandwidth: c.accumulator.bank_bandwidth,
        }
    }

    /// Cycles `op` keeps the matrix engine busy (at least 1):
    /// - `mx.ldw`: `scratchpad latency + ceil(K·N·size / scratchpad bandwidth)`;
    /// - `mx.mm`/`mx.mma`: the systolic model's cycles for the shape and dataflow;
    /// - `mx.out`: `accumulator latency + ceil(M·N·4 / accumulator bandwidth)`.
    pub fn duration(&self, op: &MatrixOp) -> Cycle {
        if let Some(ideal) = self.ideal {
            return ideal.max(Cycle(1));
        }
        let d = match *op {
            MatrixOp::Load { k, n, dtype, .. } => {
                let bytes = u64::from(k) * u64::from(n) * dtype.size();
                self.spad_latency + self.spad_bandwidth.cycles_for(bytes)
            }
            MatrixOp::Multiply {
                shape,
                dtype,
                dataflow,
                ..
            } => {
                let array = ArrayConfig {
                    dataflow,
                    ..self.array
                };
                match systolic::timing(&array, dtype, shape) {
                    Ok(t) => Cycle(t.cycles),
                    Err(_) => Cycle(1),
                }
            }
            MatrixOp::Out { m, n, .. } => {
                let bytes = u64::from(m) * u64::from(n) * 4;
                self.acc_latency + self.acc_bandwidth.cycles_for(bytes)
            }
        };
        d.max(Cycle(1))
    }
}

/// The array configuration of `c` with `dataflow`.
pub fn array_config(c: &Resolved, dataflow: Dataflow) -> ArrayConfig {
    let s = &c.config.systolic;
    ArrayConfig {
        rows: s.rows,
        cols: s.cols,
        dataflow,
        overlap: s.overlap,
        macs_per_pe_cycle: MacRates {
            bf16: s.bf16_macs_per_pe_cycle,
            fp16: s.fp16_macs_per_pe_cycle,
            fp8: s.fp8_macs_per_pe_cycle,
            int8: s.int8_macs_per_pe_cycle,
        },
    }
}

/// The configured default dataflow.
pub fn default_dataflow(c: &Resolved) -> Dataflow {
    c.config.systolic.dataflow
}
