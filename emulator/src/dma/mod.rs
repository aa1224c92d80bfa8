//! The DMA engines: the architectural descriptor `D`, transfers captured from it when `dma.in` or
//! `dma.out` is enqueued (and checked then, so a fault names the instruction), their functional
//! effect ([`transfer::apply`]) and their duration ([`DmaTimer`]).
//!
//! A transfer walks a 4-D index space (docs/isa.md, `dma.in`): element `(i3, i2, i1, i0)` is read
//! at `src + Σ i_d · src_stride[d]`, converted from the source to the destination type, and
//! written (or, with flag 2, added) at `dst + Σ i_d · dst_stride[d]`; with flag 1 the destination
//! pairs `i0` with `dst_stride[1]` and `i1` with `dst_stride[0]` (a transpose of dims 0 and 1).

pub mod engine;
pub mod transfer;

use isa::DType;
use isa::memory_map::Memory;

use thiserror::Error;

use crate::config::Resolved;
use crate::memory::strided::extent;
use crate::memory::{AddressFault, MemoryMap, OutOfBounds, Place};
use crate::numerics::NumericsError;
use crate::semaphore::SemaphoreFault;
use crate::time::{Bandwidth, Cycle};

/// The most elements one transfer may move (256 Mi: a transfer buffers its source, so this
/// bounds the host memory one operation needs).
pub const MAX_ELEMENTS: u64 = 1 << 28;

/// Why a transfer is refused at enqueue, or (only if the memories changed under it) fails.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DmaFault {
    #[error("the count of dimension {dim} is zero")]
    ZeroCount { dim: usize },
    #[error("{count:?} elements exceed the engine's limit of {max}", max = MAX_ELEMENTS)]
    TooManyElements { count: [u64; 4] },
    /// `end` is `source` or `destination`.
    #[error("{end}: {fault}")]
    Address {
        end: &'static str,
        fault: AddressFault,
    },
    #[error("{end}: address {addr:#x} is in imem, which DMA does not reach")]
    Imem { end: &'static str, addr: u64 },
    /// The semaphore to signal does not exist, or cannot take the increment.
    #[error(transparent)]
    Semaphore(#[from] SemaphoreFault),
    #[error("element offset {at} is negative")]
    NegativeOffset { at: i128 },
    #[error("no memory at {0}")]
    NoMemory(Place),
    #[error(transparent)]
    OutOfBounds(#[from] OutOfBounds),
    #[error(transparent)]
    Numerics(#[from] NumericsError),
}

/// The DMA descriptor `D` (set by `dma.dim` and `dma.cfg`, captured by every transfer).
///
/// At reset every count is 1, every stride 0, both types `u8` and no flags: a program that sets
/// only dimension 0 moves one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    /// Elements per dimension, innermost first.
    pub count: [u64; 4],
    /// Source byte stride per dimension.
    pub src_stride: [i64; 4],
    /// Destination byte stride per dimension.
    pub dst_stride: [i64; 4],
    /// Source element type.
    pub src_type: DType,
    /// Destination element type.
    pub dst_type: DType,
    /// Flags: 1 transpose, 2 accumulate, 4 signal the destination tile.
    pub flags: u8,
}

impl Default for Descriptor {
    fn default() -> Descriptor {
        Descriptor {
            count: [1; 4],
            src_stride: [0; 4],
            dst_stride: [0; 4],
            src_type: DType::U8,
            dst_type: DType::U8,
            flags: 0,
        }
    }
}

impl Descriptor {
    /// True when flag 1 (transpose) is set.
    pub const fn transpose(&self) -> bool {
        self.flags & 1 != 0
    }

    /// True when flag 2 (accumulate into the destination) is set.
    pub const fn accumulate(&self) -> bool {
        self.flags & 2 != 0
    }

    /// True when flag 4 (signal the destination's tile) is set.
    pub const fn signal_destination(&self) -> bool {
        self.flags & 4 != 0
    }

    /// The destination stride that walks index dimension `d`.
    pub const fn dst_stride_of(&self, d: usize) -> i64 {
        match (self.transpose(), d) {
            (true, 0) => self.dst_stride[1],
            (true, 1) => self.dst_stride[0],
            _ => self.dst_stride[d],
        }
    }

    /// The byte offset of element `k` (counted in walk order) of a source at `base`.
    pub fn src_offset(&self, base: u64, k: u64) -> u64 {
        self.offset(base, k, |d| self.src_stride[d])
    }

    /// The byte offset of element `k` (counted in walk order) of a destination at `base`.
    pub fn dst_offset(&self, base: u64, k: u64) -> u64 {
        self.offset(base, k, |d| self.dst_stride_of(d))
    }

    fn offset(&self, base: u64, mut k: u64, stride: impl Fn(usize) -> i64) -> u64 {
        let mut at = i128::from(base);
        for (d, &count) in self.count.iter().enumerate() {
            let c = count.max(1);
            at += i128::from(k % c) * i128::from(stride(d));
            k /= c;
        }
        u64::try_from(at.max(0)).unwrap_or(u64::MAX)
    }

    /// Elements moved, or `None` on overflow.
    pub fn elements(&self) -> Option<u64> {
        self.count.iter().try_fold(1u64, |a, &c| a.checked_mul(c))
    }
}

/// A transfer as enqueued: the descriptor, both ends resolved and checked, and who is signalled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The descriptor at enqueue.
    pub desc: Descriptor,
    /// The first source element's place.
    pub src: Place,
    /// The first destination element's place.
    pub dst: Place,
    /// Elements moved.
    pub elements: u64,
    /// The semaphore incremented on completion: `(chip, tile, semaphore)`.
    pub signal: (u32, u32, u8),
}

impl Transfer {
    /// Bytes read from the source.
    pub fn bytes_read(&self) -> u64 {
        self.elements * self.desc.src_type.size()
    }

    /// Bytes written to the destination.
    pub fn bytes_written(&self) -> u64 {
        self.elements * self.desc.dst_type.size()
    }
}

/// Resolves and checks one end of a transfer; `stride_of(d)` gives the byte stride per dim.
fn endpoint(
    which: &'static str,
    addr: u64,
    d: &Descriptor,
    stride_of: impl Fn(usize) -> i64,
    size: u64,
    map: &MemoryMap,
    issuer: (u32, u32),
) -> Result<Place, DmaFault> {
    let (mut lo, mut hi) = (0i128, 0i128);
    for (dim, &count) in d.count.iter().enumerate() {
        let (l, h) = extent(count, stride_of(dim), 0);
        lo += l;
        hi += h;
    }
    hi += size as i128;
    let place = map
        .resolve_span(addr, lo, hi, issuer.0, issuer.1)
        .map_err(|fault| DmaFault::Address { end: which, fault })?;
    if place.memory == Memory::Imem {
        return Err(DmaFault::Imem { end: which, addr });
    }
    Ok(place)
}

/// Captures a transfer from descriptor `d` with destination `dst` and source `src` addresses,
/// issued by `(chip, tile)`, signalling semaphore `sem`. `Err` is the reason for a DMA fault.
pub fn capture(
    d: &Descriptor,
    dst: u64,
    src: u64,
    sem: u8,
    issuer: (u32, u32),
    map: &MemoryMap,
    semaphores: u32,
) -> Result<Transfer, DmaFault> {
    if let Some(dim) = d.count.iter().position(|&c| c == 0) {
        return Err(DmaFault::ZeroCount { dim });
    }
    let elements = d
        .elements()
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or(DmaFault::TooManyElements { count: d.count })?;
    let src = endpoint(
        "source",
        src,
        d,
        |i| d.src_stride[i],
        d.src_type.size(),
        map,
        issuer,
    )?;
    let dst = endpoint(
        "destination",
        dst,
        d,
        |i| d.dst_stride_of(i),
        d.dst_type.size(),
        map,
        issuer,
    )?;
    if u32::from(sem) >= semaphores {
        let count = semaphores;
        return Err(SemaphoreFault::Missing { sem, count }.into());
    }
    let signal = match (d.signal_destination(), dst.tile) {
        (true, Some(tile)) => (dst.chip, tile, sem),
        _ => (issuer.0, issuer.1, sem),
    };
    Ok(Transfer {
        desc: *d,
        src,
        dst,
        elements,
        signal,
    })
}

/// The DMA timing rule with its parameters resolved (docs/timing.md, "DMA transfer").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaTimer {
    /// `dma.impl = "ideal"`: every transfer takes this long.
    pub ideal: Option<Cycle>,
    /// `dma.setup_latency_cycles`.
    pub setup: Cycle,
    /// `dma.bytes_per_cycle`.
    pub bandwidth: Bandwidth,
    /// `scratchpad.latency_cycles`.
    pub spad_latency: Cycle,
    /// `accumulator.latency_cycles`.
    pub acc_latency: Cycle,
    /// `l2.ideal_latency_cycles`.
    pub l2_latency: Cycle,
    /// `hbm.ideal_latency_cycles`.
    pub hbm_latency: Cycle,
    /// `hbm.ideal_bytes_per_cycle` (None: unlimited).
    pub hbm_bandwidth: Option<Bandwidth>,
    /// `noc.ideal_latency_cycles`: to another tile, L2 or HBM.
    pub noc_latency: Cycle,
    /// `fabric.ideal_latency_ns` in cycles: to another chip.
    pub fabric_latency: Cycle,
    /// `dma.request_bytes`.
    pub request_bytes: u64,
    /// `dma.max_outstanding`.
    pub max_outstanding: usize,
}

fn slower(a: Bandwidth, b: Bandwidth) -> Bandwidth {
    // a < b  <=>  a.bytes / a.cycles < b.bytes / b.cycles
    if u128::from(a.bytes()) * u128::from(b.cycles())
        <= u128::from(b.bytes()) * u128::from(a.cycles())
    {
        a
    } else {
        b
    }
}

impl DmaTimer {
    /// The timer of a resolved configuration.
    pub fn of(c: &Resolved) -> DmaTimer {
        DmaTimer {
            ideal: (c.config.dma.implementation == crate::config::DmaImpl::Ideal)
                .then_some(c.dma.ideal_latency),
            setup: c.dma.setup,
            bandwidth: c.dma.bandwidth,
            spad_latency: c.scratchpad.latency,
            acc_latency: c.accumulator.latency,
            l2_latency: c.l2.ideal_latency,
            hbm_latency: c.hbm.ideal_latency,
            hbm_bandwidth: c.hbm.ideal_bandwidth,
            noc_latency: c.noc.ideal_latency,
            fabric_latency: c.fabric.ideal_latency,
            request_bytes: c.dma.request_bytes,
            max_outstanding: c.dma.max_outstanding,
        }
    }

    /// Latency of reaching `p` from tile `issuer`.
    pub fn latency(&self, p: &Place, issuer: (u32, u32)) -> Cycle {
        let memory = match p.memory {
            Memory::Spad | Memory::Imem => self.spad_latency,
            Memory::Acc => self.acc_latency,
            Memory::L2 => self.l2_latency,
            Memory::Hbm => self.hbm_latency,
        };
        let across_noc = p.tile != Some(issuer.1) || p.chip != issuer.0;
        let noc = if across_noc {
            self.noc_latency
        } else {
            Cycle::ZERO
        };
        let fabric = if p.chip != issuer.0 {
            self.fabric_latency
        } else {
            Cycle::ZERO
        };
        memory + noc + fabric
    }

    /// Cycles `t`, issued by `issuer`, keeps its engine busy (at least 1):
    /// `setup + latency(src) + latency(dst) + ceil(max(bytes read, bytes written) / bandwidth)`.
    pub fn duration(&self, t: &Transfer, issuer: (u32, u32)) -> Cycle {
        if let Some(ideal) = self.ideal {
            return ideal.max(Cycle(1));
        }
        let mut bw = self.bandwidth;
        if let Some(h) = self.hbm_bandwidth
            && (t.src.memory == Memory::Hbm || t.dst.memory == Memory::Hbm)
        {
            bw = slower(bw, h);
        }
        let bytes = t.bytes_read().max(t.bytes_written());
        let d = self.setup
            + self.latency(&t.src, issuer)
            + self.latency(&t.dst, issuer)
            + bw.cycles_for(bytes);
        d.max(Cycle(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slower_of_two_bandwidths_compares_their_rates_not_their_parts() {
        let bw = |bytes, cycles| Bandwidth::new(bytes, cycles).unwrap();
        // 3/2 = 1.5 > 4/3 ≈ 1.33 bytes per cycle, whichever comes first.
        assert_eq!(slower(bw(3, 2), bw(4, 3)), bw(4, 3));
        assert_eq!(slower(bw(4, 3), bw(3, 2)), bw(4, 3));
        // 7/4 < 2/1 although 7 > 2.
        assert_eq!(slower(bw(7, 4), bw(2, 1)), bw(7, 4));
        assert_eq!(slower(bw(2, 1), bw(7, 4)), bw(7, 4));
    }
}
