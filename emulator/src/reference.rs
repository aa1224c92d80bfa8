//! The untimed reference interpreter: the same decoded program, the same instruction semantics
//! ([`crate::control::execute`]) and the same engine effects, without time. Engine work happens
//! the moment it can (an operation when it is enqueued behind nothing, a `q.take` when its
//! semaphore allows), signals arrive at once, and queues never fill. Tiles take turns in a
//! fixed order, each running until it waits.
//!
//! For a program whose engines and tiles are ordered by its semaphores and fences (docs/isa.md,
//! "Ordering model"), registers, semaphores and memories end equal to a cycle-accurate run's;
//! tests check that. The `cycle` CSR reads the tile's retired-instruction count here.

use isa::{Cause, QueueId};

use crate::control::{Block, State, Step, execute};
use crate::dma::{DmaFault, transfer};
use crate::machine::Machine;
use crate::program::IssueRule;
use crate::queue::{EngineOp, Entry, Item};
use crate::semaphore::SemaphoreFault;
use crate::sim::Exit;
use crate::sim::tile::engine_trap;
use crate::time::Cycle;
use crate::trap::{Fault, Trap};

/// Instructions a tile runs per turn before the next tile's turn.
const TURN: u64 = 4096;

/// Runs every item of the tile's queues that can run. Returns whether any did.
fn drain(m: &mut Machine, chip: usize, tile: usize) -> Result<bool, Trap> {
    let mut any = false;
    loop {
        let mut progress = false;
        for q in QueueId::ALL.map(QueueId::index) {
            let tl = &mut m.chips[chip].tiles[tile];
            let Some(Entry { item, pc }) = tl.queues[q].items.front().cloned() else {
                continue;
            };
            let fault = |m: &Machine, fault: Fault| {
                engine_trap(
                    &m.program,
                    &m.chips[chip].tiles[tile],
                    pc,
                    fault,
                    Cycle::ZERO,
                )
            };
            match item {
                Item::Take { sem, n } => {
                    if !tl.sems.reaches(sem, n) {
                        continue;
                    }
                    if let Err(e) = tl.sems.add(sem, n.wrapping_neg()) {
                        return Err(fault(m, Fault::Semaphore(e)));
                    }
                }
                Item::Signal { sem, amount } => {
                    if let Err(e) = tl.sems.add(sem, amount) {
                        return Err(fault(m, Fault::Semaphore(e)));
                    }
                }
                Item::Op(EngineOp::Dma(t)) => {
                    let (sc, st, sem) = t.signal;
                    let r = transfer::apply(&t, &mut m.chips[..]).and_then(|()| {
                        m.chips[sc as usize].tiles[st as usize]
                            .sems
                            .add(sem, 1)
                            .map(|_| ())
                            .map_err(DmaFault::from)
                    });
                    if let Err(e) = r {
                        return Err(fault(m, Fault::Dma(e)));
                    }
                }
                Item::Op(EngineOp::Vector(v)) => {
                    if let Err(e) = crate::vector::exec::apply(&v, &mut tl.local()) {
                        return Err(fault(m, Fault::Vector(e)));
                    }
                }
                Item::Op(EngineOp::Matrix(op)) => {
                    let (slot, mut local) = tl.split_matrix();
                    if let Err(e) = slot.apply(&op, &mut local) {
                        return Err(fault(m, Fault::Matrix(e)));
                    }
                }
            }
            let tl = &mut m.chips[chip].tiles[tile];
            tl.queues[q].items.pop_front();
            tl.queues[q].counters.operations += 1;
            progress = true;
        }
        if !progress {
            return Ok(any);
        }
        any = true;
    }
}

/// Runs one turn of a tile: its queues, then up to `budget` instructions. Returns the
/// instructions retired and whether anything changed.
fn turn(m: &mut Machine, chip: usize, tile: usize, budget: u64) -> Result<(u64, bool), Trap> {
    let mut changed = drain(m, chip, tile)?;
    let text_end = m.program.text_bytes();
    let mut retired = 0;
    while retired < budget {
        let Machine {
            env,
            program,
            chips,
            ..
        } = m;
        let tl = &mut chips[chip].tiles[tile];
        if matches!(tl.core.state, State::Halted { .. } | State::Trapped) {
            break;
        }
        let pc = tl.core.pc;
        let Some(slot) = program.slot(pc) else {
            tl.core.state = State::Trapped;
            return Err(Trap {
                chip: chip as u32,
                tile: tile as u32,
                pc,
                instruction: "(no instruction)".to_string(),
                cause: Cause::FetchFault,
                detail: format!("pc {pc:#x} is outside the text (0..{text_end:#x})"),
                cycle: Cycle(0),
                others: 0,
            });
        };
        let mask = match slot.rule {
            IssueRule::Drain(set) => Some(set),
            _ => None,
        };
        if let Some(set) = mask
            && !tl.drained(set)
        {
            tl.core.state = State::Blocked {
                on: Block::Drain(set),
                since: 0,
            };
            break;
        }
        let cycle = tl.core.instret;
        let step = execute(tl, slot, env, cycle, text_end);
        let rule = slot.rule;
        match step {
            Step::Blocked { sem, n } => {
                tl.core.state = State::Blocked {
                    on: Block::Semaphore { sem, n },
                    since: 0,
                };
                break;
            }
            Step::Trap { cause, detail } => {
                tl.core.state = State::Trapped;
                return Err(Trap {
                    chip: chip as u32,
                    tile: tile as u32,
                    pc,
                    instruction: program.disassemble(pc),
                    cause,
                    detail,
                    cycle: Cycle(0),
                    others: 0,
                });
            }
            _ => {}
        }
        tl.core.state = State::Running;
        tl.core.instret += 1;
        retired += 1;
        changed = true;
        match step {
            Step::Enqueue(item) => {
                let IssueRule::Enqueue(q) = rule else {
                    unreachable!("only an instruction with a queue enqueues")
                };
                tl.queues[q.index()].items.push_back(Entry { item, pc });
                drain(m, chip, tile)?;
            }
            Step::SemChanged => {
                drain(m, chip, tile)?;
            }
            Step::Signal {
                chip: c,
                tile: t,
                sem,
                amount,
            } => {
                let target = &mut m.chips[c as usize].tiles[t as usize];
                if let Err(e) = target.sems.add(sem, amount) {
                    let fault = SemaphoreFault::Arriving {
                        chip: c,
                        tile: t,
                        fault: Box::new(e),
                    };
                    let sender = &m.chips[chip].tiles[tile];
                    return Err(engine_trap(&m.program, sender, pc, fault, Cycle::ZERO));
                }
            }
            Step::Halt => {
                let tl = &mut m.chips[chip].tiles[tile];
                tl.core.state = State::Halted { at: 0 };
                break;
            }
            _ => {}
        }
    }
    Ok((retired, changed))
}

/// Runs `m` untimed until every tile halts, one traps, no tile can go on (a deadlock), or
/// `max_instructions` have been executed ([`Exit::MaxCycles`]).
pub fn run(m: &mut Machine, max_instructions: u64) -> Exit {
    let tiles = m.env.map.tiles as usize;
    let chips = m.chips.len();
    let mut total = 0u64;
    loop {
        let mut changed = false;
        for chip in 0..chips {
            for tile in 0..tiles {
                let budget = TURN.min(max_instructions.saturating_sub(total));
                match turn(m, chip, tile, budget) {
                    Ok((n, c)) => {
                        total += n;
                        changed |= c;
                    }
                    Err(trap) => return Exit::Trapped(trap),
                }
            }
        }
        let all_halted = m
            .tiles()
            .all(|t| matches!(t.core.state, State::Halted { .. }));
        if all_halted {
            return Exit::Halted;
        }
        if total >= max_instructions {
            return Exit::MaxCycles;
        }
        if !changed {
            return Exit::Deadlock(crate::sim::deadlock_waiters(m));
        }
    }
}
