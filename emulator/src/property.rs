//! Properties of the emulator as library functions, so that `cargo test` runs each for about a
//! second and `cargo fuzz` for hours from the same code.
//!
//! [`reference_matches_cycle_accurate`] builds a random but well-synchronized SPMD program from
//! bytes (scalar arithmetic, loads and stores, forward branches, semaphores, vector operations
//! and DMA transfers, each engine operation fenced before its results are used) and checks that
//! the untimed reference interpreter ends it in the same architectural state, with the same kind
//! of exit, as the cycle-accurate run.

use isa::Operation;
use isa::format::*;
use isa::fuzz::SplitMix64;
use isa::memory_map::SPAD_BASE;
use isa::operand::*;
use isa::{DType, Reg};

use crate::config::Config;
use crate::engine::Exit;
use crate::machine::Machine;
use crate::program::Program;

/// Registers the generator may write (x1..x15); x16..x19 hold buffer addresses, x20 a length.
const WRITABLE: u8 = 15;

fn r(n: u8) -> Reg {
    Reg::new(n).unwrap_or(Reg::ZERO)
}

fn imm(v: i64) -> Imm32 {
    Imm32::new(v).unwrap_or_else(|| unreachable!("{v} fits 32 bits"))
}

fn li(rd: u8, value: u64) -> [Operation; 2] {
    [
        Operation::Lui(Upper {
            rd: r(rd),
            imm: imm(i64::from(isa::abi::hi32(value) as i32)),
        }),
        Operation::Addi(RegImm {
            rd: r(rd),
            rs1: r(rd),
            imm: imm(i64::from(value as u32 as i32)),
        }),
    ]
}

/// A random program of about `len` instructions from `rng`.
pub fn random_program(rng: &mut SplitMix64, len: usize) -> Program {
    let mut text = Vec::new();
    for (reg, addr) in [
        (16, SPAD_BASE),
        (17, SPAD_BASE + 1024),
        (18, SPAD_BASE + 2048),
        (19, SPAD_BASE + 3072),
    ] {
        text.extend(li(reg, addr));
    }
    text.extend(li(20, 16));
    let any = |rng: &mut SplitMix64| r((rng.next_u64() % 21) as u8);
    let dst = |rng: &mut SplitMix64| r(1 + (rng.next_u64() % u64::from(WRITABLE)) as u8);
    let base = |rng: &mut SplitMix64| r(16 + (rng.next_u64() % 4) as u8);
    while text.len() < len {
        let choice = rng.next_u64() % 16;
        let (rd, rs1, rs2) = (dst(rng), any(rng), any(rng));
        let small = imm((rng.next_u64() % 200) as i64 - 100);
        let offset = imm(((rng.next_u64() % 128) * 8) as i64);
        match choice {
            0 => text.push(Operation::Add(Reg3 { rd, rs1, rs2 })),
            1 => text.push(Operation::Sub(Reg3 { rd, rs1, rs2 })),
            2 => text.push(Operation::Mul(Reg3 { rd, rs1, rs2 })),
            3 => text.push(Operation::Divu(Reg3 { rd, rs1, rs2 })),
            4 => text.push(Operation::Xor(Reg3 { rd, rs1, rs2 })),
            5 => text.push(Operation::Addi(RegImm {
                rd,
                rs1,
                imm: small,
            })),
            6 => text.push(Operation::Ld(Load {
                rd,
                imm: offset,
                rs1: base(rng),
            })),
            7 => text.push(Operation::Sd(Store {
                rs2: rs1,
                imm: offset,
                rs1: base(rng),
            })),
            8 => {
                // A forward branch over up to three instructions.
                let skip = 2 + (rng.next_u64() % 3) as i32;
                text.push(Operation::Bltu(Branch {
                    rs1,
                    rs2,
                    target: Target::from_words(skip),
                }));
            }
            9 => text.push(Operation::Csrr(CsrRead {
                rd,
                csr: isa::Csr::TileId,
            })),
            10 => {
                let sem = Sem::new((rng.next_u64() % 4) as i64).unwrap_or_else(|| unreachable!());
                text.push(Operation::SemAdd(SemOp {
                    sem,
                    rs1: Reg::ZERO,
                    imm: imm(1 + (rng.next_u64() % 3) as i64),
                }));
                text.push(Operation::SemGet(SemRead { rd, sem }));
            }
            11 | 12 => {
                let dt = [DType::Fp32, DType::Bf16, DType::I32][(rng.next_u64() % 3) as usize];
                let f = VBinary {
                    dt: VecType::new(dt).unwrap_or_else(|| unreachable!()),
                    vd: base(rng),
                    va: base(rng),
                    vb: base(rng),
                    rlen: r(20),
                };
                text.push(match rng.next_u64() % 4 {
                    0 => Operation::Vadd(f),
                    1 => Operation::Vmul(f),
                    2 => Operation::Vmax(f),
                    _ => Operation::Vfma(f),
                });
                text.push(Operation::FenceVec(NoOperands {}));
            }
            13 => {
                let sem = Sem::new(4).unwrap_or_else(|| unreachable!());
                text.push(Operation::DmaCfg(DmaCfg {
                    src: AnyType::new(DType::Bf16).unwrap_or_else(|| unreachable!()),
                    dst: AnyType::new(DType::Fp32).unwrap_or_else(|| unreachable!()),
                    flags: DmaFlags::new((rng.next_u64() % 2) as i64 * 2)
                        .unwrap_or_else(|| unreachable!()),
                }));
                text.extend(li(21, 2));
                text.extend(li(22, 4));
                text.push(Operation::DmaDim(DmaDim {
                    dim: Dim::new(0).unwrap_or_else(|| unreachable!()),
                    rcount: r(20),
                    rsrc_stride: r(21),
                    rdst_stride: r(22),
                }));
                text.push(Operation::DmaIn(DmaXfer {
                    rdst: base(rng),
                    rsrc: base(rng),
                    sem,
                }));
                text.push(Operation::SemTake(SemOp {
                    sem,
                    rs1: Reg::ZERO,
                    imm: imm(1),
                }));
            }
            14 => {
                // The vector engine hands a token to DMA-out through a semaphore.
                let sem = Sem::new(5).unwrap_or_else(|| unreachable!());
                let vec_q = Queue::Vec;
                text.push(Operation::QSignal(QueueSem {
                    queue: vec_q,
                    sem,
                    imm: imm(1),
                }));
                text.push(Operation::QTake(QueueSem {
                    queue: Queue::DmaOut,
                    sem,
                    imm: imm(1),
                }));
                text.push(Operation::Fence(NoOperands {}));
            }
            _ => text.push(Operation::Srli(isa::format::Shift {
                rd,
                rs1,
                shamt: Shamt::new((rng.next_u64() % 64) as i64).unwrap_or_else(|| unreachable!()),
            })),
        }
    }
    text.push(Operation::Fence(NoOperands {}));
    text.push(Operation::Halt(NoOperands {}));
    Program::from_instructions(&text)
}

/// The property: for the program `bytes` seed, the reference interpreter and the cycle-accurate
/// run end in the same state with the same kind of exit. `Err` describes a difference.
pub fn reference_matches_cycle_accurate(bytes: &[u8]) -> Result<(), String> {
    let mut seed = 0u64;
    for (i, b) in bytes.iter().take(8).enumerate() {
        seed |= u64::from(*b) << (8 * i);
    }
    let len = 20 + bytes.get(8).map_or(0, |b| usize::from(*b));
    let tiles = 1 + bytes.get(9).map_or(0, |b| u32::from(*b % 3));
    let program = random_program(&mut SplitMix64(seed), len);
    let mut config = Config::zw1();
    config
        .set("chip.tiles_x", &tiles.to_string())
        .and_then(|()| config.set("chip.tiles_y", "1"))
        .map_err(|e| e.to_string())?;
    let mut timed = Machine::new(&config, program.clone()).map_err(|e| e.to_string())?;
    let mut reference = Machine::new(&config, program).map_err(|e| e.to_string())?;
    let exit = timed.run(Some(10_000_000)).exit;
    let ref_exit = reference.run_reference(10_000_000);
    let same_kind = match (&exit, &ref_exit) {
        // With several tiles, which one traps first is a matter of time, which the untimed
        // interpreter does not model: then only the cause must agree.
        (Exit::Trapped(a), Exit::Trapped(b)) if tiles > 1 => a.cause == b.cause,
        (Exit::Trapped(a), Exit::Trapped(b)) => {
            (a.tile, a.pc, a.cause, &a.detail) == (b.tile, b.pc, b.cause, &b.detail)
        }
        (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
    };
    if !same_kind {
        return Err(format!(
            "seed {seed:#x}: exits differ: {exit} vs {ref_exit}"
        ));
    }
    if matches!(exit, Exit::Trapped(_)) {
        return Ok(());
    }
    let (a, b) = (timed.architectural_state(), reference.architectural_state());
    if a != b {
        return Err(format!("seed {seed:#x}: states differ:\n{a:?}\n{b:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_interpreter_matches_the_cycle_accurate_run_on_random_programs() {
        let mut rng = SplitMix64(7);
        for _ in 0..40 {
            let bytes: Vec<u8> = (0..10).map(|_| rng.next_u64() as u8).collect();
            if let Err(e) = reference_matches_cycle_accurate(&bytes) {
                panic!("{e}");
            }
        }
    }
}
