//! The vector unit: operations captured when enqueued (operands resolved and checked then, so a
//! fault names the instruction), their functional effect ([`exec::apply`], bit-exact through
//! [`crate::numerics`]) and their duration ([`VectorTimer`]).
//!
//! Element `i` of an operand is at `x[reg] + i · stride · size(dt)` (strides from `vstride`, in
//! elements, 1 at reset, 0 broadcasting one element). An operation reads all of its sources
//! before it writes its destination.

pub mod exec;

use isa::DType;
use isa::memory_map::Memory;

use thiserror::Error;

use crate::config::{Resolved, VectorImpl};
use crate::memory::strided::extent;
use crate::memory::{AddressFault, MemoryMap, OutOfBounds, Place};
use crate::numerics::{BinaryOp, NumericsError, ReduceOp, UnaryOp};
use crate::time::Cycle;

/// The most elements one operation may touch (256 Mi: it bounds the host memory one operation
/// needs).
pub const MAX_ELEMENTS: u64 = 1 << 28;

/// Why an operation is refused at enqueue, or (only if the memories changed under it) fails.
/// `operand` names the operand at fault: `destination`, `source a` or `source b`.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum VectorFault {
    #[error("{n} elements exceed the unit's limit of {max}", max = MAX_ELEMENTS)]
    TooManyElements { n: u64 },
    #[error("a maximum of no elements")]
    EmptyMaximum,
    #[error("{operand}: stride {stride} overflows")]
    StrideOverflow { operand: &'static str, stride: i64 },
    #[error("{operand}: {fault}")]
    Address {
        operand: &'static str,
        fault: AddressFault,
    },
    #[error("{operand}: address {addr:#x} is not in this tile's scratchpad or accumulator")]
    NotLocal { operand: &'static str, addr: u64 },
    #[error("{operand}: address {addr:#x} is not aligned for {dt} ({size} bytes)")]
    Misaligned {
        operand: &'static str,
        addr: u64,
        dt: DType,
        size: u64,
    },
    #[error("operand missing")]
    OperandMissing,
    #[error("no memory at {0}")]
    NoMemory(Place),
    #[error(transparent)]
    OutOfBounds(#[from] OutOfBounds),
    #[error(transparent)]
    Numerics(#[from] NumericsError),
}

/// The vector strides `V` (set by `vstride`), in elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strides {
    /// Destination stride.
    pub d: i64,
    /// First source stride.
    pub a: i64,
    /// Second source stride.
    pub b: i64,
}

impl Default for Strides {
    fn default() -> Strides {
        Strides { d: 1, a: 1, b: 1 }
    }
}

/// What a vector operation computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `d[i] = a[i] op b[i]`.
    Binary(BinaryOp),
    /// `d[i] = a[i] · b[i] + d[i]`, one rounding.
    Fma,
    /// `d[i] = op(a[i])`.
    Unary(UnaryOp),
    /// `d[i] = a[i]`.
    Mov,
    /// `d[0] = op(a[0..n])`.
    Reduce(ReduceOp),
    /// `d[i] = convert(a[i])` to the operation's output type.
    Convert,
    /// `d[i] = bits`.
    Fill(u32),
}

impl Kind {
    /// The latency class of the operation.
    fn latency(self, t: &VectorTimer) -> Cycle {
        match self {
            Kind::Binary(BinaryOp::Mul) => t.mul,
            Kind::Binary(_) | Kind::Mov | Kind::Fill(_) | Kind::Unary(UnaryOp::Relu) => t.add,
            Kind::Fma => t.fma,
            Kind::Unary(UnaryOp::Exp) => t.exp,
            Kind::Unary(UnaryOp::Recip) => t.recip,
            Kind::Unary(UnaryOp::Rsqrt) => t.rsqrt,
            Kind::Unary(UnaryOp::Tanh) => t.tanh,
            Kind::Unary(UnaryOp::Gelu) => t.gelu,
            Kind::Reduce(_) => t.reduce,
            Kind::Convert => t.convert,
        }
    }
}

/// One operand: where its first element is and how far apart its elements are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operand {
    /// The first element.
    pub place: Place,
    /// Bytes between elements (signed).
    pub stride: i64,
}

/// A vector operation as enqueued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VectorOp {
    /// What it computes.
    pub kind: Kind,
    /// Element type of the sources.
    pub dt: DType,
    /// Element type of the destination (differs from `dt` only for conversions).
    pub out: DType,
    /// Elements.
    pub n: u64,
    /// Destination.
    pub d: Operand,
    /// First source (none for fills).
    pub a: Option<Operand>,
    /// Second source (binary operations and fma).
    pub b: Option<Operand>,
}

/// The register values and state an operation is captured from.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// What it computes.
    pub kind: Kind,
    /// Source element type.
    pub dt: DType,
    /// Destination element type.
    pub out: DType,
    /// `x[rlen]`.
    pub n: u64,
    /// `x[vd]`.
    pub d: u64,
    /// `x[va]` (unused by fills).
    pub a: u64,
    /// `x[vb]` (used by binary operations and fma).
    pub b: u64,
    /// `V`.
    pub strides: Strides,
}

fn operand(
    name: &'static str,
    addr: u64,
    count: u64,
    stride: i64,
    dt: DType,
    map: &MemoryMap,
    issuer: (u32, u32),
) -> Result<Operand, VectorFault> {
    let size = dt.size();
    let stride = stride
        .checked_mul(size as i64)
        .ok_or(VectorFault::StrideOverflow {
            operand: name,
            stride,
        })?;
    let (lo, hi) = extent(count.max(1), stride, size);
    let place = map
        .resolve_span(addr, lo, hi, issuer.0, issuer.1)
        .map_err(|fault| VectorFault::Address {
            operand: name,
            fault,
        })?;
    let own = place.chip == issuer.0 && place.tile == Some(issuer.1);
    if !own || !matches!(place.memory, Memory::Spad | Memory::Acc) {
        return Err(VectorFault::NotLocal {
            operand: name,
            addr,
        });
    }
    if !place.offset.is_multiple_of(size) {
        return Err(VectorFault::Misaligned {
            operand: name,
            addr,
            dt,
            size,
        });
    }
    Ok(Operand { place, stride })
}

/// Checks and captures an operation. `Err` is the reason for a vector fault.
pub fn capture(r: &Request, map: &MemoryMap, issuer: (u32, u32)) -> Result<VectorOp, VectorFault> {
    if r.n > MAX_ELEMENTS {
        return Err(VectorFault::TooManyElements { n: r.n });
    }
    if matches!(r.kind, Kind::Reduce(ReduceOp::Max)) && r.n == 0 {
        return Err(VectorFault::EmptyMaximum);
    }
    let d_count = if matches!(r.kind, Kind::Reduce(_)) {
        1
    } else {
        r.n
    };
    let d = operand("destination", r.d, d_count, r.strides.d, r.out, map, issuer)?;
    let a = match r.kind {
        Kind::Fill(_) => None,
        _ => Some(operand(
            "source a",
            r.a,
            r.n,
            r.strides.a,
            r.dt,
            map,
            issuer,
        )?),
    };
    let b = match r.kind {
        Kind::Binary(_) | Kind::Fma => Some(operand(
            "source b",
            r.b,
            r.n,
            r.strides.b,
            r.dt,
            map,
            issuer,
        )?),
        _ => None,
    };
    Ok(VectorOp {
        kind: r.kind,
        dt: r.dt,
        out: r.out,
        n: r.n,
        d,
        a,
        b,
    })
}

/// The vector timing rule with its parameters resolved (docs/timing.md, "Vector operation").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VectorTimer {
    /// `vector.impl = "ideal"`: every operation takes this long.
    pub ideal: Option<Cycle>,
    /// Bytes per vector (`vector.width_bits / 8`).
    pub width_bytes: u64,
    /// `vector.pipeline_depth`.
    pub depth: u64,
    /// Per-operation latencies (`vector.*_latency_cycles`).
    pub add: Cycle,
    #[allow(missing_docs)]
    pub mul: Cycle,
    #[allow(missing_docs)]
    pub fma: Cycle,
    #[allow(missing_docs)]
    pub convert: Cycle,
    #[allow(missing_docs)]
    pub exp: Cycle,
    #[allow(missing_docs)]
    pub recip: Cycle,
    #[allow(missing_docs)]
    pub rsqrt: Cycle,
    #[allow(missing_docs)]
    pub tanh: Cycle,
    #[allow(missing_docs)]
    pub gelu: Cycle,
    #[allow(missing_docs)]
    pub reduce: Cycle,
}

impl VectorTimer {
    /// The timer of a resolved configuration.
    pub fn of(c: &Resolved) -> VectorTimer {
        let v = &c.vector;
        VectorTimer {
            ideal: (c.config.vector.implementation == VectorImpl::Ideal).then_some(v.ideal),
            width_bytes: u64::from(v.bytes),
            depth: u64::from(v.pipeline_depth.max(1)),
            add: v.add,
            mul: v.mul,
            fma: v.fma,
            convert: v.convert,
            exp: v.exp,
            recip: v.recip,
            rsqrt: v.rsqrt,
            tanh: v.tanh,
            gelu: v.gelu,
            reduce: v.reduce,
        }
    }

    /// Elements of the wider of `op`'s types that one vector holds (at least 1).
    pub fn lanes(&self, op: &VectorOp) -> u64 {
        (self.width_bytes / op.dt.size().max(op.out.size())).max(1)
    }

    /// Cycles `op` keeps the unit busy: with `L` its latency, `lanes` elements per vector and
    /// `chunks = max(1, ceil(n / lanes))`, a new vector enters the pipeline every
    /// `interval = ceil(L / pipeline_depth)` cycles, so `L + (chunks - 1) · interval`.
    pub fn duration(&self, op: &VectorOp) -> Cycle {
        if let Some(ideal) = self.ideal {
            return ideal.max(Cycle(1));
        }
        let latency = op.kind.latency(self).max(Cycle(1));
        let chunks = op.n.div_ceil(self.lanes(op)).max(1);
        let interval = latency.get().div_ceil(self.depth);
        latency + Cycle(chunks - 1) * interval
    }
}
