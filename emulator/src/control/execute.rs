//! What each instruction does to the architectural state (docs/isa.md, "Instruction reference").
//! The one definition shared by the cycle-accurate run loop and the reference interpreter; the
//! callers decide *when* (timing, blocking) and carry out the [`Step`]s that reach beyond the
//! core (engine queues, signals, halting).

use isa::memory_map::{ACC_BASE, SPACE_SHIFT, SPAD_BASE};
use isa::{Cause, Csr, Operation};

use crate::dma;
use crate::env::Env;
use crate::matrix::{self, MatrixFault, Post, dataflow_of};
use crate::memory::Storage;
use crate::numerics::{BinaryOp, ReduceOp, UnaryOp};
use crate::program::Slot;
use crate::queue::{EngineOp, Item};
use crate::semaphore::SemaphoreFault;
use crate::tile::Tile;
use crate::trap::Fault;
use crate::vector::{self, Kind, Request, Strides};

/// The outcome of executing one instruction. (`repr(u8)`: a plain tag byte, cheap to test on
/// the hot path, rather than a niche-packed layout.)
#[derive(Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum Step {
    /// Retired; execution continues with the next instruction.
    Next,
    /// Retired, and this tile's semaphores changed (queued `q.take`s may now proceed).
    SemChanged,
    /// Retired; a branch or jump was taken (the pc is its target).
    Taken,
    /// Retired; `item` goes on the engine queue of the instruction's issue rule.
    Enqueue(Item),
    /// Retired; `amount` is to be added to semaphore `sem` of tile `tile` of chip `chip`.
    Signal {
        /// Destination chip.
        chip: u32,
        /// Destination tile.
        tile: u32,
        /// The semaphore.
        sem: u8,
        /// The amount.
        amount: i64,
    },
    /// Retired; the tile stops.
    Halt,
    /// Not retired: `sem.wait`/`sem.take` waits until `S[sem] >= n`.
    Blocked {
        /// The semaphore.
        sem: u8,
        /// The value awaited.
        n: i64,
    },
    /// Not retired: the instruction traps.
    Trap {
        /// The cause.
        cause: Cause,
        /// The particulars (an address, a value).
        detail: String,
    },
}

// Traps are rare: kept out of line so that `execute` stays small enough to inline into the run
// loop (building the message inline made it twice as slow).
#[cold]
#[inline(never)]
fn trap(cause: Cause, detail: impl Into<String>) -> Step {
    Step::Trap {
        cause,
        detail: detail.into(),
    }
}

/// The trap of a unit's fault: its cause, and its message as the detail.
#[cold]
#[inline(never)]
fn fault(f: impl Into<Fault>) -> Step {
    let f = f.into();
    trap(f.cause(), f.to_string())
}

/// The scratchpad or accumulator byte offset a scalar access of `size` bytes at `addr` reaches.
#[inline]
fn place(spad: u64, acc: u64, addr: u64, size: u64) -> Result<(bool, usize), Step> {
    if !addr.is_multiple_of(size) {
        return Err(trap(Cause::MisalignedAccess, format!("address {addr:#x}")));
    }
    let (is_acc, offset, limit) = if addr >> SPACE_SHIFT == SPAD_BASE >> SPACE_SHIFT {
        (false, addr - SPAD_BASE, spad)
    } else if addr >> SPACE_SHIFT == ACC_BASE >> SPACE_SHIFT {
        (true, addr - ACC_BASE, acc)
    } else {
        return Err(trap(
            Cause::AccessFault,
            format!("address {addr:#x} is not in this tile's scratchpad or accumulator"),
        ));
    };
    if offset + size > limit {
        return Err(trap(
            Cause::AccessFault,
            format!("address {addr:#x} is beyond the end of the memory ({limit:#x} bytes)"),
        ));
    }
    Ok((is_acc, offset as usize))
}

#[inline]
fn load(tile: &Tile, addr: u64, size: u64) -> Result<u64, Step> {
    let (is_acc, o) = place(tile.spad.size(), tile.acc.size(), addr, size)?;
    let mem = if is_acc { &tile.acc } else { &tile.spad };
    let mut b = [0u8; 8];
    match mem.dense_bytes() {
        Some(bytes) => b[..size as usize].copy_from_slice(&bytes[o..o + size as usize]),
        None => mem
            .read(o as u64, &mut b[..size as usize])
            .map_err(|e| trap(Cause::AccessFault, e.to_string()))?,
    }
    Ok(u64::from_le_bytes(b))
}

#[inline]
fn store(
    spad: &mut Storage,
    acc: &mut Storage,
    addr: u64,
    size: u64,
    value: u64,
) -> Result<(), Step> {
    let (is_acc, o) = place(spad.size(), acc.size(), addr, size)?;
    let mem = if is_acc { acc } else { spad };
    let b = value.to_le_bytes();
    match mem.dense_bytes_mut() {
        Some(bytes) => bytes[o..o + size as usize].copy_from_slice(&b[..size as usize]),
        None => mem
            .write(o as u64, &b[..size as usize])
            .map_err(|e| trap(Cause::AccessFault, e.to_string()))?,
    }
    Ok(())
}

fn csr(tile: &Tile, c: Csr, env: &Env, cycle: u64) -> u64 {
    let (x, y) = tile.position(env);
    match c {
        Csr::TileId => u64::from(tile.id),
        Csr::ChipId => u64::from(tile.chip),
        Csr::NumTiles => u64::from(env.map.tiles),
        Csr::NumChips => u64::from(env.map.chips),
        Csr::TileX => u64::from(x),
        Csr::TileY => u64::from(y),
        Csr::GridX => u64::from(env.grid_x),
        Csr::GridY => u64::from(env.grid_y),
        Csr::Cycle => cycle,
        Csr::Instret => tile.core.instret,
        Csr::SpadBytes => env.map.spad_bytes,
        Csr::AccBytes => env.map.acc_bytes,
        Csr::MxRows => u64::from(env.array.rows),
        Csr::MxCols => u64::from(env.array.cols),
        Csr::VecLanes => env.vec_lanes,
    }
}

fn sem_exists(tile: &Tile, sem: u8) -> Result<(), Step> {
    tile.sems.check(sem).map_err(fault)
}

/// A vector operation with one source (`va`), in and out of type `dt`: `n` elements, `d` and `a`
/// the addresses.
fn one_source(tile: &Tile, env: &Env, kind: Kind, dt: isa::DType, n: u64, d: u64, a: u64) -> Step {
    let request = Request {
        kind,
        dt,
        out: dt,
        n,
        d,
        a,
        b: 0,
        strides: tile.strides,
    };
    vector_op(tile, env, request)
}

fn vector_op(tile: &Tile, env: &Env, r: Request) -> Step {
    match vector::capture(&r, &env.map, (tile.chip, tile.id)) {
        Ok(op) => Step::Enqueue(Item::Op(EngineOp::Vector(op))),
        Err(e) => fault(e),
    }
}

fn matrix_op(result: Result<matrix::MatrixOp, MatrixFault>) -> Step {
    match result {
        Ok(op) => Step::Enqueue(Item::Op(EngineOp::Matrix(op))),
        Err(e) => fault(e),
    }
}

/// `jal`/`jalr` at `pc`: link into `rd` and go to `target`, which must be an instruction of the text.
fn jump(tile: &mut Tile, rd: isa::Reg, pc: u64, target: u64, text_end: u64) -> Step {
    if !target.is_multiple_of(8) || target >= text_end {
        return trap(
            Cause::FetchFault,
            format!("target {target:#x} is outside the text"),
        );
    }
    if rd.index() != 0 {
        tile.core.x[rd.index() & 31] = pc.wrapping_add(8);
    }
    tile.core.pc = target;
    Step::Taken
}

/// Executes the instruction in `slot` (at the core's pc) on `tile`. `cycle` is what the `cycle`
/// CSR reads; `text_end` bounds valid branch targets. Updates registers, memory, semaphores,
/// engine state and the pc of a retired instruction; leaves them untouched when it blocks or
/// traps.
// Inlined into the run loop, where the dispatch on the opcode merges with the issue logic.
#[inline(always)]
pub fn execute(tile: &mut Tile, slot: &Slot, env: &Env, cycle: u64, text_end: u64) -> Step {
    use Operation as I;
    let inst = match slot.decoded {
        Ok(i) => i,
        Err(e) => return trap(Cause::IllegalInstruction, e.to_string()),
    };
    let pc = tile.core.pc;
    let x = &tile.core.x;
    let r = |reg: isa::Reg| x[reg.index() & 31];
    let imm = |i: isa::operand::Imm32| i64::from(i.get()) as u64;
    // Register results: (destination, value).
    let result: (isa::Reg, u64) = match inst {
        I::Add(f) => (f.rd, r(f.rs1).wrapping_add(r(f.rs2))),
        I::Sub(f) => (f.rd, r(f.rs1).wrapping_sub(r(f.rs2))),
        I::Mul(f) => (f.rd, r(f.rs1).wrapping_mul(r(f.rs2))),
        I::Mulh(f) => {
            let p = i128::from(r(f.rs1) as i64) * i128::from(r(f.rs2) as i64);
            (f.rd, (p >> 64) as u64)
        }
        I::Mulhu(f) => {
            let p = u128::from(r(f.rs1)) * u128::from(r(f.rs2));
            (f.rd, (p >> 64) as u64)
        }
        I::Div(f) => {
            let (a, b) = (r(f.rs1) as i64, r(f.rs2) as i64);
            let q = if b == 0 { -1 } else { a.wrapping_div(b) };
            (f.rd, q as u64)
        }
        I::Divu(f) => {
            let (a, b) = (r(f.rs1), r(f.rs2));
            (f.rd, a.checked_div(b).unwrap_or(u64::MAX))
        }
        I::Rem(f) => {
            let (a, b) = (r(f.rs1) as i64, r(f.rs2) as i64);
            let m = if b == 0 { a } else { a.wrapping_rem(b) };
            (f.rd, m as u64)
        }
        I::Remu(f) => {
            let (a, b) = (r(f.rs1), r(f.rs2));
            (f.rd, if b == 0 { a } else { a % b })
        }
        I::And(f) => (f.rd, r(f.rs1) & r(f.rs2)),
        I::Or(f) => (f.rd, r(f.rs1) | r(f.rs2)),
        I::Xor(f) => (f.rd, r(f.rs1) ^ r(f.rs2)),
        I::Sll(f) => (f.rd, r(f.rs1) << (r(f.rs2) & 63)),
        I::Srl(f) => (f.rd, r(f.rs1) >> (r(f.rs2) & 63)),
        I::Sra(f) => (f.rd, ((r(f.rs1) as i64) >> (r(f.rs2) & 63)) as u64),
        I::Slt(f) => (f.rd, u64::from((r(f.rs1) as i64) < (r(f.rs2) as i64))),
        I::Sltu(f) => (f.rd, u64::from(r(f.rs1) < r(f.rs2))),
        I::Min(f) => (f.rd, (r(f.rs1) as i64).min(r(f.rs2) as i64) as u64),
        I::Max(f) => (f.rd, (r(f.rs1) as i64).max(r(f.rs2) as i64) as u64),
        I::Minu(f) => (f.rd, r(f.rs1).min(r(f.rs2))),
        I::Maxu(f) => (f.rd, r(f.rs1).max(r(f.rs2))),
        I::Addi(f) => (f.rd, r(f.rs1).wrapping_add(imm(f.imm))),
        I::Andi(f) => (f.rd, r(f.rs1) & imm(f.imm)),
        I::Ori(f) => (f.rd, r(f.rs1) | imm(f.imm)),
        I::Xori(f) => (f.rd, r(f.rs1) ^ imm(f.imm)),
        I::Slti(f) => (f.rd, u64::from((r(f.rs1) as i64) < i64::from(f.imm.get()))),
        I::Sltiu(f) => (f.rd, u64::from(r(f.rs1) < imm(f.imm))),
        I::Slli(f) => (f.rd, r(f.rs1) << f.shamt.get()),
        I::Srli(f) => (f.rd, r(f.rs1) >> f.shamt.get()),
        I::Srai(f) => (f.rd, ((r(f.rs1) as i64) >> f.shamt.get()) as u64),
        I::Lui(f) => (f.rd, (u64::from(f.imm.get() as u32)) << 32),
        I::Lb(f) | I::Lbu(f) | I::Lh(f) | I::Lhu(f) | I::Lw(f) | I::Lwu(f) | I::Ld(f) => {
            let addr = r(f.rs1).wrapping_add(imm(f.imm));
            let (size, signed) = match inst {
                I::Lb(_) => (1, true),
                I::Lbu(_) => (1, false),
                I::Lh(_) => (2, true),
                I::Lhu(_) => (2, false),
                I::Lw(_) => (4, true),
                I::Lwu(_) => (4, false),
                _ => (8, false),
            };
            let v = match load(tile, addr, size) {
                Ok(v) => v,
                Err(step) => return step,
            };
            let v = if signed {
                let shift = 64 - 8 * size;
                (((v << shift) as i64) >> shift) as u64
            } else {
                v
            };
            (f.rd, v)
        }
        I::Csrr(f) => (f.rd, csr(tile, f.csr, env, cycle)),
        I::SemGet(f) => match tile.sems.get(f.sem.get()) {
            Some(v) => (f.rd, u64::from(v)),
            None => {
                return match sem_exists(tile, f.sem.get()) {
                    Err(step) => step,
                    Ok(()) => Step::Next,
                };
            }
        },
        I::Jal(f) => return jump(tile, f.rd, pc, f.target.resolve(pc), text_end),
        I::Jalr(f) => {
            let target = r(f.rs1).wrapping_add(imm(f.imm));
            return jump(tile, f.rd, pc, target, text_end);
        }
        I::Sb(f) | I::Sh(f) | I::Sw(f) | I::Sd(f) => {
            let size = match inst {
                I::Sb(_) => 1,
                I::Sh(_) => 2,
                I::Sw(_) => 4,
                _ => 8,
            };
            let addr = r(f.rs1).wrapping_add(imm(f.imm));
            let value = r(f.rs2);
            if let Err(step) = store(&mut tile.spad, &mut tile.acc, addr, size, value) {
                return step;
            }
            tile.core.pc = pc.wrapping_add(8);
            return Step::Next;
        }
        I::Beq(f) | I::Bne(f) | I::Blt(f) | I::Bge(f) | I::Bltu(f) | I::Bgeu(f) => {
            let (a, b) = (r(f.rs1), r(f.rs2));
            let taken = match inst {
                I::Beq(_) => a == b,
                I::Bne(_) => a != b,
                I::Blt(_) => (a as i64) < (b as i64),
                I::Bge(_) => (a as i64) >= (b as i64),
                I::Bltu(_) => a < b,
                _ => a >= b,
            };
            if !taken {
                tile.core.pc = pc.wrapping_add(8);
                return Step::Next;
            }
            let target = f.target.resolve(pc);
            if !target.is_multiple_of(8) || target >= text_end {
                return trap(
                    Cause::FetchFault,
                    format!("target {target:#x} is outside the text"),
                );
            }
            tile.core.pc = target;
            return Step::Taken;
        }
        _ => return execute_other(tile, inst, env),
    };
    if result.0.index() != 0 {
        tile.core.x[result.0.index() & 31] = result.1;
    }
    tile.core.pc = pc.wrapping_add(8);
    Step::Next
}

/// Everything but register results, stores and branches: system, semaphores, engines.
fn execute_other(tile: &mut Tile, inst: Operation, env: &Env) -> Step {
    use Operation as I;
    let pc = tile.core.pc;
    let x = &tile.core.x;
    let r = |reg: isa::Reg| x[reg.index() & 31];
    let simm = |i: isa::operand::Imm32| i64::from(i.get());
    let issuer = (tile.chip, tile.id);
    let step = match inst {
        I::Halt(_) => Step::Halt,
        I::Trap(f) => return trap(Cause::SoftwareTrap, format!("code {}", f.code.get())),
        I::Fence(_) | I::FenceDma(_) | I::FenceMx(_) | I::FenceVec(_) => Step::Next,
        I::SemSet(f) | I::SemAdd(f) | I::SemWait(f) | I::SemTake(f) => {
            let s = f.sem.get();
            if let Err(step) = sem_exists(tile, s) {
                return step;
            }
            let v = r(f.rs1).wrapping_add(simm(f.imm) as u64) as i64;
            let outcome = match inst {
                I::SemSet(_) => tile.sems.set(s, v).map(|_| Step::SemChanged),
                I::SemAdd(_) => tile.sems.add(s, v).map(|_| Step::SemChanged),
                I::SemWait(_) if tile.sems.reaches(s, v) => Ok(Step::Next),
                I::SemTake(_) if tile.sems.reaches(s, v) => {
                    tile.sems.add(s, v.wrapping_neg()).map(|_| Step::SemChanged)
                }
                _ => return Step::Blocked { sem: s, n: v },
            };
            match outcome {
                Ok(step) => step,
                Err(e) => return fault(e),
            }
        }
        I::SemSignal(f) => {
            let (chip, t, s) = (r(f.rchip), r(f.rtile), f.sem.get());
            if chip >= u64::from(env.map.chips) || t >= u64::from(env.map.tiles) {
                return fault(SemaphoreFault::NoSuchTile {
                    chip,
                    tile: t,
                    chips: env.map.chips,
                    tiles: env.map.tiles,
                });
            }
            if let Err(step) = sem_exists(tile, s) {
                return step;
            }
            Step::Signal {
                chip: chip as u32,
                tile: t as u32,
                sem: s,
                amount: simm(f.imm),
            }
        }
        I::QSignal(f) | I::QTake(f) => {
            let s = f.sem.get();
            if let Err(step) = sem_exists(tile, s) {
                return step;
            }
            let item = match inst {
                I::QSignal(_) => Item::Signal {
                    sem: s,
                    amount: simm(f.imm),
                },
                _ => Item::Take {
                    sem: s,
                    n: simm(f.imm),
                },
            };
            Step::Enqueue(item)
        }
        I::DmaDim(f) => {
            let d = f.dim.get() as usize;
            tile.dma.count[d] = r(f.rcount);
            tile.dma.src_stride[d] = r(f.rsrc_stride) as i64;
            tile.dma.dst_stride[d] = r(f.rdst_stride) as i64;
            Step::Next
        }
        I::DmaCfg(f) => {
            tile.dma.src_type = f.src.get();
            tile.dma.dst_type = f.dst.get();
            tile.dma.flags = f.flags.get();
            Step::Next
        }
        I::DmaIn(f) | I::DmaOut(f) => {
            match dma::capture(
                &tile.dma,
                r(f.rdst),
                r(f.rsrc),
                f.sem.get(),
                issuer,
                &env.map,
                env.semaphores,
            ) {
                Ok(t) => Step::Enqueue(Item::Op(EngineOp::Dma(Box::new(t)))),
                Err(e) => return fault(e),
            }
        }
        I::MxCfg(f) => {
            tile.mx.dataflow = dataflow_of(f.dataflow);
            tile.mx.dtype = f.dtype.get();
            Step::Next
        }
        I::MxPost(f) => {
            tile.mx.post = Post {
                act: f.act,
                out: f.odt.get(),
                scale: r(f.rscale) as u32,
                bias: r(f.rbias),
            };
            Step::Next
        }
        I::MxLdw(f) => matrix_op(matrix::capture_load(
            &mut tile.mx,
            r(f.rsrc),
            r(f.rk),
            r(f.rn),
            &env.map,
            issuer,
        )),
        I::MxMm(f) | I::MxMma(f) => matrix_op(matrix::capture_multiply(
            &tile.mx,
            r(f.racc),
            r(f.rsrc),
            r(f.rm),
            matches!(inst, I::MxMma(_)),
            &env.map,
            issuer,
        )),
        I::MxOut(f) => matrix_op(matrix::capture_out(
            &tile.mx,
            r(f.rdst),
            r(f.racc),
            r(f.rm),
            r(f.rn),
            &env.map,
            issuer,
        )),
        I::VStride(f) => {
            tile.strides = Strides {
                d: r(f.rsd) as i64,
                a: r(f.rsa) as i64,
                b: r(f.rsb) as i64,
            };
            Step::Next
        }
        I::Vadd(f) | I::Vsub(f) | I::Vmul(f) | I::Vmax(f) | I::Vmin(f) | I::Vfma(f) => {
            let kind = match inst {
                I::Vadd(_) => Kind::Binary(BinaryOp::Add),
                I::Vsub(_) => Kind::Binary(BinaryOp::Sub),
                I::Vmul(_) => Kind::Binary(BinaryOp::Mul),
                I::Vmax(_) => Kind::Binary(BinaryOp::Max),
                I::Vmin(_) => Kind::Binary(BinaryOp::Min),
                _ => Kind::Fma,
            };
            let dt = f.dt.get();
            vector_op(
                tile,
                env,
                Request {
                    kind,
                    dt,
                    out: dt,
                    n: r(f.rlen),
                    d: r(f.vd),
                    a: r(f.va),
                    b: r(f.vb),
                    strides: tile.strides,
                },
            )
        }
        I::Vexp(f) | I::Vrecip(f) | I::Vrsqrt(f) | I::Vtanh(f) | I::Vgelu(f) => {
            let op = match inst {
                I::Vexp(_) => UnaryOp::Exp,
                I::Vrecip(_) => UnaryOp::Recip,
                I::Vrsqrt(_) => UnaryOp::Rsqrt,
                I::Vtanh(_) => UnaryOp::Tanh,
                _ => UnaryOp::Gelu,
            };
            one_source(
                tile,
                env,
                Kind::Unary(op),
                f.dt.get(),
                r(f.rlen),
                r(f.vd),
                r(f.va),
            )
        }
        I::Vrelu(f) | I::Vmov(f) | I::Vredsum(f) | I::Vredmax(f) => {
            let kind = match inst {
                I::Vrelu(_) => Kind::Unary(UnaryOp::Relu),
                I::Vmov(_) => Kind::Mov,
                I::Vredsum(_) => Kind::Reduce(ReduceOp::Sum),
                _ => Kind::Reduce(ReduceOp::Max),
            };
            one_source(tile, env, kind, f.dt.get(), r(f.rlen), r(f.vd), r(f.va))
        }
        I::Vcvt(f) => vector_op(
            tile,
            env,
            Request {
                kind: Kind::Convert,
                dt: f.from.get(),
                out: f.to.get(),
                n: r(f.rlen),
                d: r(f.vd),
                a: r(f.va),
                b: 0,
                strides: tile.strides,
            },
        ),
        I::Vfill(f) => {
            let dt = f.dt.get();
            let bits = (r(f.rs) & (u64::MAX >> (64 - 8 * dt.size()))) as u32;
            vector_op(
                tile,
                env,
                Request {
                    kind: Kind::Fill(bits),
                    dt,
                    out: dt,
                    n: r(f.rlen),
                    d: r(f.vd),
                    a: 0,
                    b: 0,
                    strides: tile.strides,
                },
            )
        }
        // Register-result instructions are handled by `execute`.
        _ => return trap(Cause::IllegalInstruction, "not executable here"),
    };
    if matches!(step, Step::Trap { .. }) {
        return step;
    }
    tile.core.pc = pc.wrapping_add(8);
    step
}
