//! The functional effect of a vector operation, through the bit-exact element functions of
//! [`crate::numerics`].
//!
//! An operation is computed [`CHUNK_ELEMENTS`] elements at a time, so the host memory it needs
//! is bounded whatever its element count (a broadcast operand repeats one element up to
//! [`super::MAX_ELEMENTS`] times): the chunk buffers (at most 1 MiB), plus, for a source that
//! overlaps the destination without being the destination itself, a copy of that source taken
//! before anything is written (no larger than the memory that holds it). The result is the
//! operation's meaning exactly: every source read before the destination is written.

use crate::memory::Memories;
use crate::memory::strided::{extent, gather, scatter};
use crate::memory::{OutOfBounds, Place};
use crate::numerics::{self, Reduction};

use super::{Kind, Operand, VectorFault, VectorOp};

/// Elements computed at a time: four buffers of at most 4-byte elements make 1 MiB.
pub const CHUNK_ELEMENTS: u64 = 1 << 16;

/// Where a source's elements come from, chunk by chunk.
enum Source {
    /// Read from memory as each chunk is computed: nothing written before then reaches them.
    Live(Operand),
    /// Read whole before the first write (a broadcast operand: its one element).
    Held { bytes: Vec<u8>, broadcast: bool },
}

/// The bytes of `[lo, hi)` that the elements of an operand span, in its memory.
fn span(op: &Operand, n: u64, size: usize) -> (Place, i128, i128) {
    let (lo, hi) = extent(n, op.stride, size as u64);
    let at = i128::from(op.place.offset);
    (op.place.at(0), at + lo, at + hi)
}

/// Decides how source `op` of `n` elements of `size` bytes is read, given that the destination
/// `d` (elements of `d_size` bytes) is written chunk by chunk when `chunked_writes`.
fn source(
    op: &Operand,
    n: u64,
    size: usize,
    d: &Operand,
    d_size: usize,
    chunked_writes: bool,
    mem: &(impl Memories + ?Sized),
) -> Result<Source, VectorFault> {
    if op.stride == 0 {
        return Ok(Source::Held {
            bytes: read(op, 0, n.min(1), size, mem)?,
            broadcast: true,
        });
    }
    // Element i of the destination itself is read before it is written, and no earlier write
    // touches it; a source elsewhere is untouched unless its bytes meet the destination's.
    let itself = op.place == d.place && op.stride == d.stride && size == d_size;
    let (mem_a, lo_a, hi_a) = span(op, n, size);
    let (mem_d, lo_d, hi_d) = span(d, n, d_size);
    let meets = mem_a == mem_d && lo_a < hi_d && lo_d < hi_a;
    if chunked_writes && meets && !itself {
        return Ok(Source::Held {
            bytes: read(op, 0, n, size, mem)?,
            broadcast: false,
        });
    }
    Ok(Source::Live(*op))
}

/// Element `first` of `op` and the `count` after it.
fn read(
    op: &Operand,
    first: u64,
    count: u64,
    size: usize,
    mem: &(impl Memories + ?Sized),
) -> Result<Vec<u8>, VectorFault> {
    let s = mem.at(&op.place).ok_or(VectorFault::NoMemory(op.place))?;
    let mut out = Vec::with_capacity(count as usize * size);
    gather(s, element(op, first)?, op.stride, count, size, &mut out)?;
    Ok(out)
}

/// The offset of element `i` of `op`.
fn element(op: &Operand, i: u64) -> Result<u64, OutOfBounds> {
    let at = i128::from(op.place.offset) + i128::from(op.stride) * i128::from(i);
    u64::try_from(at).map_err(|_| OutOfBounds {
        offset: op.place.offset,
        len: 0,
        size: 0,
    })
}

impl Source {
    /// Elements `first..first + count`, into `out`.
    fn chunk(
        &self,
        first: u64,
        count: u64,
        size: usize,
        mem: &(impl Memories + ?Sized),
        out: &mut Vec<u8>,
    ) -> Result<(), VectorFault> {
        out.clear();
        match self {
            Source::Live(op) => {
                let s = mem.at(&op.place).ok_or(VectorFault::NoMemory(op.place))?;
                gather(s, element(op, first)?, op.stride, count, size, out)?;
            }
            Source::Held {
                bytes,
                broadcast: true,
            } => {
                for _ in 0..count {
                    out.extend_from_slice(bytes);
                }
            }
            Source::Held {
                bytes,
                broadcast: false,
            } => {
                let from = first as usize * size;
                out.extend_from_slice(&bytes[from..from + count as usize * size]);
            }
        }
        Ok(())
    }
}

/// Computes `op` and writes its result. `Err` only if the memories differ from those `op` was
/// checked against.
pub fn apply(op: &VectorOp, mem: &mut (impl Memories + ?Sized)) -> Result<(), VectorFault> {
    let (n, size, out_size) = (op.n, op.dt.size() as usize, op.out.size() as usize);
    // A reduction writes once, at the end; every other kind writes each chunk as it goes.
    let chunked_writes = !matches!(op.kind, Kind::Reduce(_));
    let d = &op.d;
    let a = match &op.a {
        Some(a) => Some(source(a, n, size, d, out_size, chunked_writes, mem)?),
        None => None,
    };
    let b = match (&op.b, op.kind) {
        (Some(b), Kind::Binary(_) | Kind::Fma) => {
            Some(source(b, n, size, d, out_size, chunked_writes, mem)?)
        }
        (None, Kind::Binary(_) | Kind::Fma) => return Err(VectorFault::OperandMissing),
        _ => None,
    };
    let acc = match op.kind {
        Kind::Fma => Some(source(d, n, size, d, out_size, chunked_writes, mem)?),
        _ => None,
    };
    let mut reduction = match op.kind {
        Kind::Reduce(rop) => Some(Reduction::new(rop, op.dt)),
        _ => None,
    };
    let (mut xa, mut xb, mut result) = (Vec::new(), Vec::new(), Vec::new());
    let mut first = 0;
    while first < n {
        let count = (n - first).min(CHUNK_ELEMENTS);
        if let Some(a) = &a {
            a.chunk(first, count, size, mem, &mut xa)?;
        }
        if let Some(b) = &b {
            b.chunk(first, count, size, mem, &mut xb)?;
        }
        // Element-wise kinds write elements of their sources' size, conversions and fills of
        // the destination's.
        result.clear();
        match op.kind {
            Kind::Binary(_) | Kind::Unary(_) => result.resize(xa.len(), 0),
            Kind::Convert | Kind::Fill(_) => result.resize(count as usize * out_size, 0),
            Kind::Mov | Kind::Fma | Kind::Reduce(_) => {}
        }
        match op.kind {
            Kind::Binary(bop) => numerics::binary(bop, op.dt, &xa, &xb, &mut result)?,
            Kind::Fma => {
                if let Some(acc) = &acc {
                    acc.chunk(first, count, size, mem, &mut result)?;
                }
                numerics::fma(op.dt, &xa, &xb, &mut result)?;
            }
            Kind::Unary(uop) => numerics::unary(uop, op.dt, &xa, &mut result)?,
            Kind::Mov => result.extend_from_slice(&xa),
            Kind::Convert => numerics::convert_slice(op.dt, &xa, op.out, &mut result)?,
            Kind::Fill(bits) => {
                let one = &bits.to_le_bytes()[..out_size];
                for e in result.chunks_exact_mut(out_size) {
                    e.copy_from_slice(one);
                }
            }
            Kind::Reduce(_) => {
                if let Some(r) = &mut reduction {
                    r.feed(&xa)?;
                }
            }
        }
        if chunked_writes {
            write(d, first, out_size, &result, mem)?;
        }
        first += count;
    }
    if let Some(r) = reduction {
        let bits = r.finish()?;
        write(d, 0, out_size, &bits.to_le_bytes()[..out_size], mem)?;
    }
    Ok(())
}

/// Writes `data` as elements `first..` of the destination `d`.
fn write(
    d: &Operand,
    first: u64,
    size: usize,
    data: &[u8],
    mem: &mut (impl Memories + ?Sized),
) -> Result<(), VectorFault> {
    let s = mem.at_mut(&d.place).ok_or(VectorFault::NoMemory(d.place))?;
    scatter(s, element(d, first)?, d.stride, size, data)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use isa::DType;
    use isa::fuzz::SplitMix64;
    use isa::memory_map::Memory;

    use super::*;
    use crate::memory::Storage;
    use crate::numerics::{BinaryOp, ReduceOp, UnaryOp};

    /// One tile's scratchpad.
    struct Spad(Storage);

    impl Memories for Spad {
        fn storage(&self, chip: u32, tile: Option<u32>, memory: Memory) -> Option<&Storage> {
            (chip == 0 && tile == Some(0) && memory == Memory::Spad).then_some(&self.0)
        }

        fn storage_mut(
            &mut self,
            chip: u32,
            tile: Option<u32>,
            memory: Memory,
        ) -> Option<&mut Storage> {
            (chip == 0 && tile == Some(0) && memory == Memory::Spad).then_some(&mut self.0)
        }
    }

    const SPAD: u64 = 4 << 20;

    /// The operation's meaning, computed the obvious way: every source gathered whole, then the
    /// result scattered.
    fn apply_whole(op: &VectorOp, mem: &mut Spad) {
        let (n, size, out_size) = (op.n, op.dt.size() as usize, op.out.size() as usize);
        let gather_all = |o: &Operand, size: usize, mem: &Spad| {
            let mut v = Vec::new();
            gather(&mem.0, o.place.offset, o.stride, n, size, &mut v).unwrap();
            v
        };
        let a = op.a.map(|a| gather_all(&a, size, mem)).unwrap_or_default();
        let result = match op.kind {
            Kind::Binary(bop) => {
                let b = gather_all(&op.b.unwrap(), size, mem);
                let mut d = vec![0u8; a.len()];
                numerics::binary(bop, op.dt, &a, &b, &mut d).unwrap();
                d
            }
            Kind::Fma => {
                let b = gather_all(&op.b.unwrap(), size, mem);
                let mut d = gather_all(&op.d, size, mem);
                numerics::fma(op.dt, &a, &b, &mut d).unwrap();
                d
            }
            Kind::Unary(uop) => {
                let mut d = vec![0u8; a.len()];
                numerics::unary(uop, op.dt, &a, &mut d).unwrap();
                d
            }
            Kind::Mov => a,
            Kind::Reduce(rop) => {
                numerics::reduce(rop, op.dt, &a).unwrap().to_le_bytes()[..out_size].to_vec()
            }
            Kind::Convert => {
                let mut d = vec![0u8; n as usize * out_size];
                numerics::convert_slice(op.dt, &a, op.out, &mut d).unwrap();
                d
            }
            Kind::Fill(bits) => bits.to_le_bytes()[..out_size].repeat(n as usize),
        };
        scatter(
            &mut mem.0,
            op.d.place.offset,
            op.d.stride,
            out_size,
            &result,
        )
        .unwrap();
    }

    fn operand(offset: u64, stride: i64, dt: DType) -> Operand {
        Operand {
            place: Place {
                chip: 0,
                tile: Some(0),
                memory: Memory::Spad,
                offset,
            },
            stride: stride * dt.size() as i64,
        }
    }

    /// A scratchpad of small random values (finite in every float type).
    fn random_spad() -> Spad {
        let mut rng = SplitMix64(7);
        let mut s = Storage::dense(SPAD);
        let bytes: Vec<u8> = (0..SPAD)
            .map(|i| {
                let r = rng.next_u64() as u8;
                // High bytes of 16- and 32-bit elements stay small: no infinities.
                if i % 2 == 1 { r & 0x3f } else { r }
            })
            .collect();
        s.write(0, &bytes).unwrap();
        Spad(s)
    }

    #[test]
    fn chunked_operations_equal_reading_every_source_first() {
        let n = 2 * CHUNK_ELEMENTS + 123;
        let (f, bf, i) = (DType::Fp32, DType::Bf16, DType::I32);
        let op = |kind, dt, out, d: Operand, a: Option<Operand>, b: Option<Operand>| VectorOp {
            kind,
            dt,
            out,
            n,
            d,
            a,
            b,
        };
        let add = Kind::Binary(BinaryOp::Add);
        let cases = [
            // In place, and against a broadcast second source.
            op(
                add,
                f,
                f,
                operand(0, 1, f),
                Some(operand(0, 1, f)),
                Some(operand(8, 0, f)),
            ),
            // The destination a few elements after its source, and before it.
            op(
                add,
                f,
                f,
                operand(16, 1, f),
                Some(operand(0, 1, f)),
                Some(operand(1 << 21, 1, f)),
            ),
            op(
                add,
                f,
                f,
                operand(0, 1, f),
                Some(operand(16, 1, f)),
                Some(operand(4, 1, f)),
            ),
            // Walking backwards over a source walking forwards.
            op(
                Kind::Binary(BinaryOp::Mul),
                bf,
                bf,
                operand(2 * n, -1, bf),
                Some(operand(0, 1, bf)),
                Some(operand(2, 1, bf)),
            ),
            // A broadcast destination: the last element stays.
            op(
                add,
                f,
                f,
                operand(40, 0, f),
                Some(operand(0, 1, f)),
                Some(operand(40, 0, f)),
            ),
            op(
                Kind::Fma,
                f,
                f,
                operand(40, 0, f),
                Some(operand(0, 1, f)),
                Some(operand(1 << 20, 1, f)),
            ),
            op(
                Kind::Fma,
                f,
                f,
                operand(0, 1, f),
                Some(operand(8, 1, f)),
                Some(operand(0, 0, f)),
            ),
            op(
                Kind::Fma,
                i,
                i,
                operand(1 << 20, 2, i),
                Some(operand(1 << 20, 2, i)),
                Some(operand((1 << 20) + 4, 2, i)),
            ),
            op(
                Kind::Unary(UnaryOp::Relu),
                bf,
                bf,
                operand(2, 1, bf),
                Some(operand(0, 1, bf)),
                None,
            ),
            op(
                Kind::Mov,
                f,
                f,
                operand(4 * (n - 1) + 12, -1, f),
                Some(operand(0, 1, f)),
                None,
            ),
            op(
                Kind::Mov,
                bf,
                bf,
                operand(0, 1, bf),
                Some(operand(6, 0, bf)),
                None,
            ),
            // Conversions in place change the element size.
            op(
                Kind::Convert,
                bf,
                f,
                operand(0, 1, f),
                Some(operand(0, 1, bf)),
                None,
            ),
            op(
                Kind::Convert,
                f,
                bf,
                operand(0, 1, bf),
                Some(operand(0, 1, f)),
                None,
            ),
            op(
                Kind::Fill(0x1234_5678),
                f,
                f,
                operand(100, 0, f),
                None,
                None,
            ),
            op(Kind::Fill(0x4049), bf, bf, operand(10, 3, bf), None, None),
            op(
                Kind::Reduce(ReduceOp::Sum),
                f,
                f,
                operand(0, 1, f),
                Some(operand(0, 1, f)),
                None,
            ),
            op(
                Kind::Reduce(ReduceOp::Sum),
                bf,
                bf,
                operand(0, 1, bf),
                Some(operand(2, 0, bf)),
                None,
            ),
            op(
                Kind::Reduce(ReduceOp::Max),
                i,
                i,
                operand(64, 1, i),
                Some(operand(4 * n, -1, i)),
                None,
            ),
        ];
        for (k, op) in cases.iter().enumerate() {
            let (mut chunked, mut whole) = (random_spad(), random_spad());
            apply(op, &mut chunked).unwrap();
            apply_whole(op, &mut whole);
            assert_eq!(chunked.0.digest(), whole.0.digest(), "case {k}: {op:?}");
        }
    }

    #[test]
    fn a_reduction_over_the_most_broadcast_elements_is_exact() {
        // 2^28 copies of 1.0 in bf16 add up, in f32, to 2^24 (where 1.0 stops counting).
        let mut m = Spad(Storage::sram(SPAD));
        m.0.write(0, &0x3f80u16.to_le_bytes()).unwrap();
        let bf = DType::Bf16;
        let op = VectorOp {
            kind: Kind::Reduce(ReduceOp::Sum),
            dt: bf,
            out: bf,
            n: super::super::MAX_ELEMENTS,
            d: operand(64, 1, bf),
            a: Some(operand(0, 0, bf)),
            b: None,
        };
        apply(&op, &mut m).unwrap();
        let mut sum = [0u8; 2];
        m.0.read(64, &mut sum).unwrap();
        assert_eq!(u16::from_le_bytes(sum), 0x4b80, "2^24 in bf16");
    }
}
