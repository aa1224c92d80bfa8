//! Blocks of control-core instructions: integer arithmetic, loads and stores, branches and
//! jumps, CSR reads, the core's own semaphores, and bounded loops.

use isa::Operation;
use isa::format::*;
use isa::operand::*;
use isa::{Csr, Reg};

use super::state::{CORE_SEMS, DMA_SEM0, DMA_SEMS, Gen, Res, r};
use super::*;

/// A register the random arithmetic may write.
fn dst(g: &mut Gen) -> Reg {
    r(1 + g.below(u64::from(SCRATCH)) as u8)
}

/// Any register: reading one never disturbs the program.
fn src(g: &mut Gen) -> Reg {
    r(g.below(32) as u8)
}

/// A small or a large immediate.
fn any_imm(g: &mut Gen) -> Imm32 {
    let v = if g.chance(1, 3) {
        g.rng.next_u64() as i32 as i64
    } else {
        g.below(200) as i64 - 100
    };
    imm(v)
}

/// One register-only instruction: any ALU, multiply, divide, shift or compare.
pub(super) fn alu(g: &mut Gen) {
    let (rd, rs1, rs2) = (dst(g), src(g), src(g));
    let f = Reg3 { rd, rs1, rs2 };
    let reg3: [fn(Reg3) -> Operation; 22] = [
        Operation::Add,
        Operation::Sub,
        Operation::Mul,
        Operation::Mulh,
        Operation::Mulhu,
        Operation::Div,
        Operation::Divu,
        Operation::Rem,
        Operation::Remu,
        Operation::And,
        Operation::Or,
        Operation::Xor,
        Operation::Sll,
        Operation::Srl,
        Operation::Sra,
        Operation::Slt,
        Operation::Sltu,
        Operation::Min,
        Operation::Max,
        Operation::Minu,
        Operation::Maxu,
        Operation::Add,
    ];
    let with_imm: [fn(RegImm) -> Operation; 6] = [
        Operation::Addi,
        Operation::Andi,
        Operation::Ori,
        Operation::Xori,
        Operation::Slti,
        Operation::Sltiu,
    ];
    let shifts: [fn(Shift) -> Operation; 3] = [Operation::Slli, Operation::Srli, Operation::Srai];
    match g.below(10) {
        0..=4 => {
            let make = g.pick(&reg3);
            g.emit(make(f));
        }
        5 | 6 => {
            let make = g.pick(&with_imm);
            let imm = any_imm(g);
            g.emit(make(RegImm { rd, rs1, imm }));
        }
        7 | 8 => {
            let make = g.pick(&shifts);
            let shamt = Shamt::new(g.below(64) as i64).unwrap_or_else(|| unreachable!());
            g.emit(make(Shift { rd, rs1, shamt }));
        }
        _ => {
            let imm = any_imm(g);
            g.emit(Operation::Lui(Upper { rd, imm }));
        }
    }
}

/// A load or a store of this tile's scratchpad or accumulator, naturally aligned.
pub(super) fn load_store(g: &mut Gen) {
    let (res, base) = if g.chance(3, 4) {
        (Res::Spad(g.below(u64::from(SPAD_BUFS)) as u8), R_SPAD)
    } else {
        (Res::Acc(g.below(u64::from(ACC_BUFS)) as u8), R_ACC)
    };
    let size = 1u64 << g.below(4);
    let offset = buffer_offset(res) + g.below(BUF / size) * size;
    let (imm, rs1) = (imm(offset as i64), r(base));
    type MakeLoad = fn(Load) -> Operation;
    let loads: [[MakeLoad; 2]; 4] = [
        [Operation::Lb, Operation::Lbu],
        [Operation::Lh, Operation::Lhu],
        [Operation::Lw, Operation::Lwu],
        [Operation::Ld, Operation::Ld],
    ];
    let stores: [fn(Store) -> Operation; 4] =
        [Operation::Sb, Operation::Sh, Operation::Sw, Operation::Sd];
    let i = size.trailing_zeros() as usize;
    if g.chance(1, 2) {
        g.core_access(&[res], &[]);
        let make = g.pick(&loads[i]);
        let rd = dst(g);
        g.emit(make(Load { rd, imm, rs1 }));
    } else {
        g.core_access(&[], &[res]);
        let rs2 = src(g);
        g.emit(stores[i](Store { rs2, imm, rs1 }));
    }
}

/// `n` register-only instructions, which a branch or jump may skip.
fn skippable(g: &mut Gen, n: u64) {
    (0..n).for_each(|_| alu(g));
}

/// A forward conditional branch over a few register-only instructions.
pub(super) fn branch(g: &mut Gen) {
    let forms: [fn(Branch) -> Operation; 6] = [
        Operation::Beq,
        Operation::Bne,
        Operation::Blt,
        Operation::Bge,
        Operation::Bltu,
        Operation::Bgeu,
    ];
    let skip = 1 + g.below(4);
    let make = g.pick(&forms);
    let (rs1, rs2) = (src(g), src(g));
    g.emit(make(Branch {
        rs1,
        rs2,
        target: Target::from_words(skip as i32 + 1),
    }));
    skippable(g, skip);
}

/// A forward `jal` over a few instructions, or a `jalr` through an address a `jal` linked.
pub(super) fn jump(g: &mut Gen) {
    let skip = 1 + g.below(3);
    let rd = if g.chance(1, 2) { dst(g) } else { r(R_LINK) };
    if g.chance(1, 2) {
        g.emit(Operation::Jal(Jump {
            rd,
            target: Target::from_words(skip as i32 + 1),
        }));
    } else {
        // x[link] = the jalr's own address; it jumps `skip + 1` instructions on from there.
        g.emit(Operation::Jal(Jump {
            rd: r(R_LINK),
            target: Target::from_words(1),
        }));
        g.emit(Operation::Jalr(RegImm {
            rd,
            rs1: r(R_LINK),
            imm: imm(8 * (skip as i64 + 1)),
        }));
    }
    skippable(g, skip);
}

/// A CSR read. `cycle` differs between the timed run (cycles) and the interpreter (retired
/// instructions), so it is read only to check that it does not go backwards, and cleared.
pub(super) fn csr(g: &mut Gen) {
    let csr = g.pick(Csr::ALL);
    let rd = dst(g);
    if csr != Csr::Cycle {
        g.csrr(rd.index() as u8, csr);
        return;
    }
    let other = r(1 + (rd.index() as u8 % SCRATCH));
    g.csrr(rd.index() as u8, Csr::Cycle);
    g.csrr(other.index() as u8, Csr::Cycle);
    // rd = (later < earlier) = 0; other = (other < 0) = 0.
    g.emit(Operation::Sltu(Reg3 {
        rd,
        rs1: other,
        rs2: rd,
    }));
    g.emit(Operation::Sltu(Reg3 {
        rd: other,
        rs1: other,
        rs2: Reg::ZERO,
    }));
}

/// An operation on the semaphores only the core touches (their values are known, so every
/// wait is satisfied), a read of a DMA semaphore no transfer will change, or a `sem.signal`
/// to this tile that the core then waits for.
pub(super) fn core_sem(g: &mut Gen) {
    let s = g.below(u64::from(CORE_SEMS)) as u8;
    let value = g.core_sems[usize::from(s)];
    let rd = dst(g).index() as u8;
    match g.below(7) {
        0 => {
            let v = g.below(50);
            // x[rs1] + imm, with rs1 a temporary of known value.
            let k = g.below(4);
            g.li(TEMP, k);
            g.sem_op(Operation::SemSet, s, TEMP, v as i64 - k as i64);
            g.core_sems[usize::from(s)] = v as u32;
        }
        1 => {
            let d = g.below(20) as i64 - i64::from(value.min(10));
            g.sem_op(Operation::SemAdd, s, 0, d);
            g.core_sems[usize::from(s)] = (i64::from(value) + d) as u32;
        }
        2 => {
            let n = g.below(u64::from(value) + 1);
            g.sem_op(Operation::SemWait, s, 0, n as i64);
        }
        3 => {
            let n = g.below(u64::from(value) + 1);
            g.sem_op(Operation::SemTake, s, 0, n as i64);
            g.core_sems[usize::from(s)] = value - n as u32;
        }
        4 => {
            let d = DMA_SEM0 + g.below(u64::from(DMA_SEMS)) as u8;
            if g.dma_sem(d).1 == 0 {
                g.emit(Operation::SemGet(SemRead {
                    rd: r(rd),
                    sem: sem(d),
                }));
            }
        }
        5 => {
            // To this tile (chip 0, tile x[tid]); it arrives after the network's latency.
            let amount = 1 + g.below(5);
            g.emit(Operation::SemSignal(SemSignal {
                rchip: Reg::ZERO,
                rtile: r(R_TID),
                sem: sem(s),
                imm: imm(amount as i64),
            }));
            let total = value + amount as u32;
            g.sem_op(Operation::SemWait, s, 0, i64::from(total));
            g.core_sems[usize::from(s)] = total;
        }
        _ => g.emit(Operation::SemGet(SemRead {
            rd: r(rd),
            sem: sem(s),
        })),
    }
}

/// A loop of 1..=4 iterations: a counter register the body never writes and a backward
/// branch. The body starts and ends with the engines idle and the DMA semaphores at zero, and
/// sets every engine configuration it relies on, so each iteration does the same.
pub(super) fn counted_loop(g: &mut Gen, body_blocks: usize) {
    g.quiesce();
    g.zero_dma_sems();
    let n = 1 + g.below(4) as i64;
    let (cnt, lim) = (r(R_CNT), r(R_LIM));
    let down = g.chance(1, 2);
    // Counting down: cnt = n - 1 .. 0 (bge) or n .. 1 (bne x0); up: 0 .. n - 1 (blt, bltu, bne).
    let form = g.below(3);
    let start = match (down, form) {
        (true, 0) => n - 1,
        (true, _) => n,
        (false, _) => 0,
    };
    g.li(R_CNT, start as u64);
    g.li(R_LIM, n as u64);
    let top = g.text.len();
    g.forget_config();
    g.in_loop = true;
    for _ in 0..body_blocks {
        super::block(g);
    }
    g.in_loop = false;
    g.quiesce();
    g.zero_dma_sems();
    let step = if down { -1 } else { 1 };
    g.emit(Operation::Addi(RegImm {
        rd: cnt,
        rs1: cnt,
        imm: imm(step),
    }));
    let back = Target::from_words(top as i32 - g.text.len() as i32);
    let branch = match (down, form) {
        (true, 0) => Operation::Bge(Branch {
            rs1: cnt,
            rs2: Reg::ZERO,
            target: back,
        }),
        (true, _) => Operation::Bne(Branch {
            rs1: cnt,
            rs2: Reg::ZERO,
            target: back,
        }),
        (false, 0) => Operation::Blt(Branch {
            rs1: cnt,
            rs2: lim,
            target: back,
        }),
        (false, 1) => Operation::Bltu(Branch {
            rs1: cnt,
            rs2: lim,
            target: back,
        }),
        (false, _) => Operation::Bne(Branch {
            rs1: cnt,
            rs2: lim,
            target: back,
        }),
    };
    g.emit(branch);
}
