//! Blocks of engine work: DMA transfers (every type pair and flag, up to four dimensions, to and
//! from the scratchpad, accumulator, L2 and HBM), the matrix unit, the vector unit, fences, and
//! hand-offs between tiles through another tile's scratchpad and semaphores.

use isa::format::*;
use isa::operand::*;
use isa::{DType, Operation, Reg};

use super::state::{DMA_IN, DMA_OUT, DMA_SEM0, DMA_SEMS, Gen, MX, Res, VEC, r};
use super::*;

/// Semaphore the next tile's transfer into this tile's inbox signals (DMA flag 4).
const INBOX_FULL: u8 = 24;
/// Semaphore the next tile signals once it has consumed this tile's transfer.
const INBOX_FREE: u8 = 25;

/// `x[rd]` = the address of byte `offset` of `res`. Scratchpad and accumulator addresses are
/// sometimes written naming this tile explicitly (spaces 5 and 6), which reaches the same bytes.
fn address(g: &mut Gen, rd: u8, res: Res, offset: u64) {
    let within = buffer_offset(res) + offset;
    let named = g.chance(1, 4);
    match res {
        Res::Spad(_) | Res::Inbox | Res::Acc(_) if named => {
            let space = if matches!(res, Res::Acc(_)) { 6 } else { 5 };
            g.emit(Operation::Slli(Shift {
                rd: r(R_ADDR),
                rs1: r(R_TID),
                shamt: Shamt::new(i64::from(isa::memory_map::TILE_SHIFT))
                    .unwrap_or_else(|| unreachable!()),
            }));
            g.li(rd, (space << isa::memory_map::SPACE_SHIFT) | within);
            g.emit(Operation::Or(Reg3 {
                rd: r(rd),
                rs1: r(rd),
                rs2: r(R_ADDR),
            }));
        }
        Res::Spad(_) | Res::Inbox => g.li(rd, isa::memory_map::SPAD_BASE + within),
        Res::Acc(_) => g.li(rd, isa::memory_map::ACC_BASE + within),
        Res::L2(_) | Res::Hbm(_) => {
            let base = if matches!(res, Res::L2(_)) {
                R_L2
            } else {
                R_HBM
            };
            g.emit(Operation::Addi(RegImm {
                rd: r(rd),
                rs1: r(base),
                imm: imm(within as i64),
            }));
        }
    }
}

/// A buffer of this tile's scratchpad or accumulator.
fn local_buffer(g: &mut Gen) -> Res {
    if g.chance(2, 3) {
        Res::Spad(g.below(u64::from(SPAD_BUFS)) as u8)
    } else {
        Res::Acc(g.below(u64::from(ACC_BUFS)) as u8)
    }
}

/// A buffer a DMA reaches: local ones, and this tile's regions of L2 and HBM.
fn dma_buffer(g: &mut Gen) -> Res {
    match g.below(4) {
        0 => Res::L2(g.below(u64::from(FAR_BUFS)) as u8),
        1 => Res::Hbm(g.below(u64::from(FAR_BUFS)) as u8),
        _ => local_buffer(g),
    }
}

/// An offset, a multiple of `align`, at which `[offset - below, offset + above)` fits in
/// `room` bytes.
fn place(g: &mut Gen, align: u64, below: u64, above: u64, room: u64) -> u64 {
    let first = below.div_ceil(align);
    let last = (room - above) / align;
    (first + g.below(last - first + 1)) * align
}

fn dma_flags(f: u8) -> DmaFlags {
    DmaFlags::new(i64::from(f)).unwrap_or_else(|| unreachable!())
}

/// Sets the DMA descriptor to `cfg` and `dims`, emitting only what differs from what the
/// program has set.
fn descriptor(g: &mut Gen, cfg: (DType, DType, u8), dims: [(u64, i64, i64); 4]) {
    if g.dma_cfg != Some(cfg) || g.chance(1, 8) {
        let any = |t| AnyType::new(t).unwrap_or_else(|| unreachable!());
        g.emit(Operation::DmaCfg(DmaCfg {
            src: any(cfg.0),
            dst: any(cfg.1),
            flags: dma_flags(cfg.2),
        }));
        g.dma_cfg = Some(cfg);
    }
    for (d, &dim) in dims.iter().enumerate() {
        if g.dma_dims[d] == Some(dim) {
            continue;
        }
        g.li(TEMP, dim.0);
        g.li(TEMP + 1, dim.1 as u64);
        g.li(TEMP + 2, dim.2 as u64);
        g.emit(Operation::DmaDim(DmaDim {
            dim: Dim::new(d as i64).unwrap_or_else(|| unreachable!()),
            rcount: r(TEMP),
            rsrc_stride: r(TEMP + 1),
            rdst_stride: r(TEMP + 2),
        }));
        g.dma_dims[d] = Some(dim);
    }
}

/// Byte strides laying out `count` elements of `size` bytes: each dimension after the last,
/// with a little padding, dimension `first` innermost.
fn layout(g: &mut Gen, count: [u64; 4], size: u64, swap01: bool) -> [i64; 4] {
    let mut strides = [0i64; 4];
    let order = if swap01 { [1, 0, 2, 3] } else { [0, 1, 2, 3] };
    let mut span = size * g.pick(&[0, 1, 1, 1, 2]);
    let mut extent = size;
    for (k, &d) in order.iter().enumerate() {
        if k > 0 {
            span = extent + size * g.below(3);
        }
        strides[d] = span as i64;
        extent = (count[d] - 1) * span + size.max(span);
    }
    strides
}

/// The bytes `[0, extent)` a walk of `count` with byte strides `stride_of` touches.
fn extent(count: [u64; 4], stride_of: impl Fn(usize) -> i64, size: u64) -> u64 {
    (0..4)
        .map(|d| (count[d] - 1) * stride_of(d).unsigned_abs())
        .sum::<u64>()
        + size
}

/// Sets up a transfer of random shape, types and flags from `src` into `room` bytes at `dst_at`
/// (a callback that loads the destination address, given its offset). `signal_destination`
/// sets or clears flag 4; `None` draws it.
fn transfer(
    g: &mut Gen,
    src: Res,
    room: u64,
    signal_destination: Option<bool>,
    dst_at: &mut dyn FnMut(&mut Gen, u64),
) {
    let st = g.pick(&DType::ALL);
    let dt = if g.chance(1, 2) {
        st
    } else {
        g.pick(&DType::ALL)
    };
    let signal = signal_destination.unwrap_or_else(|| g.chance(1, 4));
    let flags = g.pick(&[0, 0, 1, 2, 3]) | if signal { 4 } else { 0 };
    let mut count = [1 + g.below(16), 1, 1, 1];
    if g.chance(2, 3) {
        count[1] = 1 + g.below(4);
    }
    if g.chance(1, 3) {
        count[2] = 1 + g.below(2);
        count[3] = 1 + g.below(2);
    }
    let (ssize, dsize) = (st.size(), dt.size());
    let src_stride = layout(g, count, ssize, false);
    // With flag 1 the destination walks index 0 with stride 1 and index 1 with stride 0: lay
    // the destination out with dimension 1 innermost, a true transpose.
    let dst_stride = layout(g, count, dsize, flags & 1 != 0);
    let dst_of = |d: usize| match (flags & 1 != 0, d) {
        (true, 0) => dst_stride[1],
        (true, 1) => dst_stride[0],
        _ => dst_stride[d],
    };
    let (sext, dext) = (
        extent(count, |d| src_stride[d], ssize),
        extent(count, dst_of, dsize),
    );
    let dims = [0, 1, 2, 3].map(|d| (count[d], src_stride[d], dst_stride[d]));
    descriptor(g, (st, dt, flags), dims);
    let src_room = if src == Res::Inbox { INBOX_BYTES } else { BUF };
    let soff = place(g, ssize, 0, sext, src_room);
    address(g, TEMP + 4, src, soff);
    let doff = place(g, dsize, 0, dext, room);
    dst_at(g, doff);
}

/// A DMA transfer on either engine; sometimes the core then waits for it.
pub(super) fn dma(g: &mut Gen) {
    let q = g.pick(&[DMA_IN, DMA_OUT]);
    let (src, dst) = (dma_buffer(g), dma_buffer(g));
    transfer(g, src, BUF, None, &mut |g, off| {
        address(g, TEMP + 3, dst, off)
    });
    let s = DMA_SEM0 + g.below(u64::from(DMA_SEMS)) as u8;
    let x = DmaXfer {
        rdst: r(TEMP + 3),
        rsrc: r(TEMP + 4),
        sem: sem(s),
    };
    let op = if q == DMA_IN {
        Operation::DmaIn(x)
    } else {
        Operation::DmaOut(x)
    };
    g.engine_op(q, vec![src], vec![dst], Some(s), &[op]);
    if g.chance(1, 3) {
        let take = g.chance(1, 2);
        g.await_dma(s, take);
    }
}

/// The core waits for the transfers that signal one DMA semaphore.
pub(super) fn await_transfers(g: &mut Gen) {
    let s = DMA_SEM0 + g.below(u64::from(DMA_SEMS)) as u8;
    if g.dma_sem(s).1 > 0 {
        let take = g.chance(1, 2);
        g.await_dma(s, take);
    }
}

/// A fence of a random kind, needed or not.
pub(super) fn fence(g: &mut Gen) {
    let q = g.below(4) as usize;
    g.fence_for(q);
}

const MATRIX_TYPES: [DType; 6] = [
    DType::I8,
    DType::E4M3,
    DType::E5M2,
    DType::Bf16,
    DType::Fp16,
    DType::Fp32,
];

fn mx_cfg(g: &mut Gen) {
    let dataflow = g.pick(Dataflow::ALL);
    let dt = g.pick(&MATRIX_TYPES);
    g.emit(Operation::MxCfg(MxCfg {
        dataflow,
        dtype: MatType::new(dt).unwrap_or_else(|| unreachable!()),
    }));
    g.mx_cfg = Some((dataflow, dt));
}

fn mx_ldw(g: &mut Gen) {
    let Some((_, dt)) = g.mx_cfg else {
        return mx_cfg(g);
    };
    let (k, n) = (1 + g.below(32), 1 + g.below(32));
    let res = local_buffer(g);
    let off = place(g, dt.size(), 0, k * n * dt.size(), BUF);
    address(g, TEMP, res, off);
    g.li(TEMP + 1, k);
    g.li(TEMP + 2, n);
    let op = Operation::MxLdw(MxLoad {
        rsrc: r(TEMP),
        rk: r(TEMP + 1),
        rn: r(TEMP + 2),
    });
    g.engine_op(MX, vec![res], vec![], None, &[op]);
    g.weights = Some((k, n, dt));
}

fn mx_mul(g: &mut Gen) {
    let Some((_, dt)) = g.mx_cfg else {
        return mx_cfg(g);
    };
    let (k, n) = match g.weights {
        Some((k, n, w)) if w == dt => (k, n),
        _ => return mx_ldw(g),
    };
    let m = 1 + g.below(16);
    let a = local_buffer(g);
    let acc = Res::Acc(g.below(u64::from(ACC_BUFS)) as u8);
    let a_off = place(g, dt.size(), 0, m * k * dt.size(), BUF);
    let c_off = place(g, 4, 0, m * n * 4, BUF);
    address(g, TEMP, acc, c_off);
    address(g, TEMP + 1, a, a_off);
    g.li(TEMP + 2, m);
    let f = MxMul {
        racc: r(TEMP),
        rsrc: r(TEMP + 1),
        rm: r(TEMP + 2),
    };
    let op = if g.chance(1, 2) {
        Operation::MxMm(f)
    } else {
        Operation::MxMma(f)
    };
    g.engine_op(MX, vec![a, acc], vec![acc], None, &[op]);
}

fn mx_post(g: &mut Gen) {
    let act = g.pick(Activation::ALL);
    let odt = g.pick(&[
        DType::I8,
        DType::I32,
        DType::E4M3,
        DType::E5M2,
        DType::Bf16,
        DType::Fp16,
        DType::Fp32,
    ]);
    let scale = g.pick(&[1.0f32, 0.5, 2.0, -1.0, 0.125, 3.0e-3]).to_bits();
    g.li(TEMP, u64::from(scale));
    let bias = if g.chance(1, 2) {
        let res = local_buffer(g);
        let off = place(g, 4, 0, 32 * 4, BUF);
        address(g, TEMP + 1, res, off);
        Some((res, off))
    } else {
        g.li(TEMP + 1, 0);
        None
    };
    g.emit(Operation::MxPost(MxPost {
        act,
        odt: OutType::new(odt).unwrap_or_else(|| unreachable!()),
        rscale: r(TEMP),
        rbias: r(TEMP + 1),
    }));
    g.post = Some((odt, bias));
}

fn mx_out(g: &mut Gen) {
    let Some((odt, bias)) = g.post else {
        return mx_post(g);
    };
    let (m, n) = (1 + g.below(16), 1 + g.below(32));
    let acc = Res::Acc(g.below(u64::from(ACC_BUFS)) as u8);
    let dst = local_buffer(g);
    let c_off = place(g, 4, 0, m * n * 4, BUF);
    let d_off = place(g, odt.size(), 0, m * n * odt.size(), BUF);
    address(g, TEMP, dst, d_off);
    address(g, TEMP + 1, acc, c_off);
    g.li(TEMP + 2, m);
    g.li(TEMP + 3, n);
    let op = Operation::MxOut(MxOut {
        rdst: r(TEMP),
        racc: r(TEMP + 1),
        rm: r(TEMP + 2),
        rn: r(TEMP + 3),
    });
    let mut reads = vec![acc];
    reads.extend(bias.map(|(res, _)| res));
    // The output stage runs on the vector queue.
    g.engine_op(VEC, reads, vec![dst], None, &[op]);
}

/// One matrix-unit instruction: configuration, weights, a multiplication or a read-out.
pub(super) fn matrix(g: &mut Gen) {
    match g.below(7) {
        0 => mx_cfg(g),
        1 => mx_ldw(g),
        2 => mx_post(g),
        3 | 4 => mx_out(g),
        _ => mx_mul(g),
    }
}

fn vstride(g: &mut Gen) {
    let s = [0, 1, 2].map(|_| g.pick(&[1i64, 1, 1, 2, 0, -1]));
    for (i, v) in s.iter().enumerate() {
        g.li(TEMP + i as u8, *v as u64);
    }
    g.emit(Operation::VStride(VStride {
        rsd: r(TEMP),
        rsa: r(TEMP + 1),
        rsb: r(TEMP + 2),
    }));
    g.strides = Some((s[0], s[1], s[2]));
}

/// A vector operand of `n` elements of `size` bytes, `stride` elements apart, into `rd`.
fn operand(g: &mut Gen, rd: u8, n: u64, stride: i64, size: u64) -> Res {
    let res = local_buffer(g);
    let step = stride.unsigned_abs() * size * n.max(1).saturating_sub(1);
    let (below, above) = if stride < 0 {
        (step, size)
    } else {
        (0, step + size)
    };
    let off = place(g, size, below, above, BUF);
    address(g, rd, res, off);
    res
}

const VEC_TYPES: [DType; 5] = [DType::I8, DType::I32, DType::Bf16, DType::Fp16, DType::Fp32];
const FLOAT_TYPES: [DType; 3] = [DType::Bf16, DType::Fp16, DType::Fp32];

/// One vector-unit instruction: strides, or an operation of every kind.
pub(super) fn vector(g: &mut Gen) {
    let Some((sd, sa, sb)) = g.strides.filter(|_| !g.chance(1, 6)) else {
        return vstride(g);
    };
    let n = if g.chance(1, 16) { 0 } else { 1 + g.below(64) };
    let (vd, va, vb, rlen) = (r(TEMP), r(TEMP + 1), r(TEMP + 2), r(TEMP + 3));
    let vt = |t| VecType::new(t).unwrap_or_else(|| unreachable!());
    let (op, reads, writes) = match g.below(6) {
        0 | 1 => {
            let dt = g.pick(&VEC_TYPES);
            let d = operand(g, TEMP, n, sd, dt.size());
            let a = operand(g, TEMP + 1, n, sa, dt.size());
            let b = operand(g, TEMP + 2, n, sb, dt.size());
            let forms: [fn(VBinary) -> Operation; 6] = [
                Operation::Vadd,
                Operation::Vsub,
                Operation::Vmul,
                Operation::Vmax,
                Operation::Vmin,
                Operation::Vfma,
            ];
            let make = g.pick(&forms);
            let f = VBinary {
                dt: vt(dt),
                vd,
                va,
                vb,
                rlen,
            };
            (make(f), vec![a, b, d], vec![d])
        }
        2 => {
            let dt = g.pick(&FLOAT_TYPES);
            let d = operand(g, TEMP, n, sd, dt.size());
            let a = operand(g, TEMP + 1, n, sa, dt.size());
            let forms: [fn(VFloat) -> Operation; 5] = [
                Operation::Vexp,
                Operation::Vrecip,
                Operation::Vrsqrt,
                Operation::Vtanh,
                Operation::Vgelu,
            ];
            let make = g.pick(&forms);
            let dt = FloatType::new(dt).unwrap_or_else(|| unreachable!());
            (make(VFloat { dt, vd, va, rlen }), vec![a], vec![d])
        }
        3 => {
            let dt = g.pick(&VEC_TYPES);
            let forms: [fn(VUnary) -> Operation; 4] = [
                Operation::Vrelu,
                Operation::Vmov,
                Operation::Vredsum,
                Operation::Vredmax,
            ];
            let make = g.pick(&forms);
            let f = VUnary {
                dt: vt(dt),
                vd,
                va,
                rlen,
            };
            let op = make(f);
            let reduce = matches!(op, Operation::Vredsum(_) | Operation::Vredmax(_));
            // A maximum of no elements is a vector fault: reduce at least one.
            let n = if reduce { n.max(1) } else { n };
            let d = operand(g, TEMP, if reduce { 1 } else { n }, sd, dt.size());
            let a = operand(g, TEMP + 1, n, sa, dt.size());
            g.li(TEMP + 3, n);
            g.engine_op(VEC, vec![a], vec![d], None, &[op]);
            return;
        }
        4 => {
            let (from, to) = (g.pick(&DType::ALL), g.pick(&DType::ALL));
            let d = operand(g, TEMP, n, sd, to.size());
            let a = operand(g, TEMP + 1, n, sa, from.size());
            let any = |t| AnyType::new(t).unwrap_or_else(|| unreachable!());
            let f = VConvert {
                from: any(from),
                to: any(to),
                vd,
                va,
                rlen,
            };
            (Operation::Vcvt(f), vec![a], vec![d])
        }
        _ => {
            let dt = g.pick(&VEC_TYPES);
            let d = operand(g, TEMP, n, sd, dt.size());
            let rs = r(g.below(16) as u8);
            let f = VFill {
                dt: vt(dt),
                vd,
                rs,
                rlen,
            };
            (Operation::Vfill(f), vec![], vec![d])
        }
    };
    g.li(TEMP + 3, n);
    g.engine_op(VEC, reads, writes, None, &[op]);
}

/// This tile sends a transfer into the next tile's inbox (the DMA signals that tile), waits
/// for its own inbox to fill from the previous tile, consumes it, and tells the previous tile
/// the inbox is free again. With one tile, the next and previous tiles are this one.
pub(super) fn cross_tile(g: &mut Gen) {
    if g.sends > 0 {
        g.sem_op(Operation::SemTake, INBOX_FREE, 0, 1);
    }
    let src = local_buffer(g);
    let q = g.pick(&[DMA_IN, DMA_OUT]);
    // The transfer signals the next tile itself (flag 4), or this tile, which then publishes
    // the data with `sem.signal` once the transfer has completed.
    let by_flag = g.chance(1, 2);
    transfer(g, src, INBOX_BYTES, Some(by_flag), &mut |g, off| {
        // The next tile's scratchpad (space 5), at its inbox.
        g.emit(Operation::Slli(Shift {
            rd: r(R_ADDR),
            rs1: r(R_NEXT),
            shamt: Shamt::new(i64::from(isa::memory_map::TILE_SHIFT))
                .unwrap_or_else(|| unreachable!()),
        }));
        g.li(
            TEMP + 3,
            (5 << isa::memory_map::SPACE_SHIFT) | (buffer_offset(Res::Inbox) + off),
        );
        g.emit(Operation::Or(Reg3 {
            rd: r(TEMP + 3),
            rs1: r(TEMP + 3),
            rs2: r(R_ADDR),
        }));
    });
    let local = DMA_SEM0 + g.below(u64::from(DMA_SEMS)) as u8;
    let x = DmaXfer {
        rdst: r(TEMP + 3),
        rsrc: r(TEMP + 4),
        sem: sem(if by_flag { INBOX_FULL } else { local }),
    };
    let op = if q == DMA_IN {
        Operation::DmaIn(x)
    } else {
        Operation::DmaOut(x)
    };
    if by_flag {
        // The completion signal goes to the other tile: nothing here to wait for.
        g.engine_op(q, vec![src], vec![], None, &[op]);
    } else {
        g.engine_op(q, vec![src], vec![], Some(local), &[op]);
        let take = g.chance(1, 2);
        g.await_dma(local, take);
        g.emit(Operation::SemSignal(SemSignal {
            rchip: Reg::ZERO,
            rtile: r(R_NEXT),
            sem: sem(INBOX_FULL),
            imm: imm(1),
        }));
    }
    g.sends += 1;
    g.sem_op(Operation::SemTake, INBOX_FULL, 0, 1);
    consume_inbox(g);
    // Every engine done with the inbox before the previous tile may write it again.
    g.core_access(&[], &[Res::Inbox]);
    g.emit(Operation::SemSignal(SemSignal {
        rchip: Reg::ZERO,
        rtile: r(R_PREV),
        sem: sem(INBOX_FREE),
        imm: imm(1),
    }));
}

/// Reads the inbox: with loads, a vector copy, or a local DMA into a buffer.
fn consume_inbox(g: &mut Gen) {
    match g.below(3) {
        0 => {
            g.core_access(&[Res::Inbox], &[]);
            for _ in 0..1 + g.below(4) {
                let off = g.below(INBOX_BYTES / 8) * 8;
                let rd = r(1 + g.below(u64::from(SCRATCH)) as u8);
                g.emit(Operation::Ld(Load {
                    rd,
                    imm: imm((buffer_offset(Res::Inbox) + off) as i64),
                    rs1: r(R_SPAD),
                }));
            }
        }
        1 => {
            // vmov.i32 with unit strides.
            if g.strides != Some((1, 1, 1)) {
                for i in 0..3 {
                    g.li(TEMP + i, 1);
                }
                g.emit(Operation::VStride(VStride {
                    rsd: r(TEMP),
                    rsa: r(TEMP + 1),
                    rsb: r(TEMP + 2),
                }));
                g.strides = Some((1, 1, 1));
            }
            let n = 1 + g.below(INBOX_BYTES / 4);
            let dst = local_buffer(g);
            let off = place(g, 4, 0, n * 4, BUF);
            address(g, TEMP, dst, off);
            let from = 4 * g.below(INBOX_BYTES / 4 - n + 1);
            address(g, TEMP + 1, Res::Inbox, from);
            g.li(TEMP + 3, n);
            let op = Operation::Vmov(VUnary {
                dt: VecType::new(DType::I32).unwrap_or_else(|| unreachable!()),
                vd: r(TEMP),
                va: r(TEMP + 1),
                rlen: r(TEMP + 3),
            });
            g.engine_op(VEC, vec![Res::Inbox], vec![dst], None, &[op]);
        }
        _ => {
            let dst = dma_buffer(g);
            transfer(g, Res::Inbox, BUF, None, &mut |g, off| {
                address(g, TEMP + 3, dst, off)
            });
            let s = DMA_SEM0 + g.below(u64::from(DMA_SEMS)) as u8;
            let x = DmaXfer {
                rdst: r(TEMP + 3),
                rsrc: r(TEMP + 4),
                sem: sem(s),
            };
            g.engine_op(
                DMA_IN,
                vec![Res::Inbox],
                vec![dst],
                Some(s),
                &[Operation::DmaIn(x)],
            );
        }
    }
}
