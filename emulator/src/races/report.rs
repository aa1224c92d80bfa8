//! Races as reported: both accesses (who, which instruction, when), the bytes they share, and
//! how often the same pair of instructions raced again.

use std::collections::HashMap;
use std::fmt;

use isa::QueueId;
use isa::memory_map::Memory;

use super::shadow::Conflict;
use super::{MemoryKey, Record};
use crate::program::Program;
use crate::time::Cycle;

/// The unit that made an access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Agent {
    /// The control core (a load or a store).
    Core,
    /// An engine, running an operation of its queue.
    Engine(QueueId),
}

/// One of the two accesses of a race.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaceAccess {
    /// The chip of the tile that made it.
    pub chip: u32,
    /// The tile.
    pub tile: u32,
    /// Its core, or which of its engines.
    pub agent: Agent,
    /// The instruction: its address.
    pub pc: u64,
    /// The instruction, disassembled.
    pub instruction: String,
    /// True for a write.
    pub write: bool,
    /// The cycle it happened (a load or store: it issued; an engine operation: it started).
    pub start: Cycle,
    /// An engine operation's completion (`None` for the core, or if the run ended first).
    pub end: Option<Cycle>,
}

/// Two accesses to the same bytes, at least one a write, that no synchronization orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Race {
    /// The access the checker saw first.
    pub earlier: RaceAccess,
    /// The one it saw second.
    pub later: RaceAccess,
    /// The memory's chip.
    pub chip: u32,
    /// Its tile, for a tile's scratchpad or accumulator.
    pub tile: Option<u32>,
    /// The memory.
    pub memory: Memory,
    /// The first byte the two share (the first time this pair raced).
    pub offset: u64,
    /// How many bytes from there (the first byte to the last they share).
    pub bytes: u64,
    /// How many times the same two instructions raced (at least 1).
    pub occurrences: u64,
}

impl fmt::Display for RaceAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.write { "write" } else { "read " };
        let unit = match self.agent {
            Agent::Core => "core".to_string(),
            Agent::Engine(q) => format!("{} engine", q.name()),
        };
        write!(
            f,
            "{what} by chip {} tile {} {unit}: pc {:#x} `{}`",
            self.chip, self.tile, self.pc, self.instruction
        )?;
        match (self.agent, self.end) {
            (Agent::Core, _) => write!(f, ", cycle {}", self.start.get()),
            (_, Some(end)) => write!(f, ", cycles {}..{}", self.start.get(), end.get()),
            (_, None) => write!(f, ", started at cycle {}", self.start.get()),
        }
    }
}

impl fmt::Display for Race {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "race on chip {} ", self.chip)?;
        if let Some(t) = self.tile {
            write!(f, "tile {t} ")?;
        }
        writeln!(
            f,
            "{} {:#x}..{:#x} ({} byte{}):",
            self.memory.name(),
            self.offset,
            self.offset + self.bytes,
            self.bytes,
            if self.bytes == 1 { "" } else { "s" }
        )?;
        writeln!(f, "  {}", self.earlier)?;
        write!(f, "  {}", self.later)?;
        if self.occurrences > 1 {
            let more = self.occurrences - 1;
            write!(
                f,
                "\n  (the same two instructions raced {more} more time{})",
                if more == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// A race as found: the access numbers, the bytes of its first occurrence, how often.
#[derive(Clone, Copy, Debug)]
struct Found1 {
    earlier: u32,
    later: u32,
    key: MemoryKey,
    lo: u64,
    hi: u64,
    occurrences: u64,
}

/// The races found, one per pair of instructions (by thread, pc and direction).
#[derive(Debug, Default)]
pub(crate) struct Found {
    list: Vec<Found1>,
    index: HashMap<PairKey, usize>,
}

type PairKey = ((u32, u32, u8, u64, bool), (u32, u32, u8, u64, bool));

fn who(r: &Record) -> (u32, u32, u8, u64, bool) {
    (r.chip, r.tile, r.unit, r.pc, r.write)
}

impl Found {
    /// Access `later` to memory `key` races with each conflict's earlier access.
    pub(crate) fn add(
        &mut self,
        key: MemoryKey,
        later: u32,
        conflicts: &[Conflict],
        records: &[Record],
    ) {
        // The bytes shared with each earlier access: from its first to its last.
        let mut by: Vec<(u32, u64, u64)> = Vec::new();
        for c in conflicts {
            match by.iter_mut().find(|b| b.0 == c.earlier) {
                Some(b) => {
                    b.1 = b.1.min(c.lo);
                    b.2 = b.2.max(c.hi);
                }
                None => by.push((c.earlier, c.lo, c.hi)),
            }
        }
        for (earlier, lo, hi) in by {
            let pair = (
                who(&records[earlier as usize]),
                who(&records[later as usize]),
            );
            match self.index.get(&pair) {
                Some(&i) => self.list[i].occurrences += 1,
                None => {
                    self.index.insert(pair, self.list.len());
                    self.list.push(Found1 {
                        earlier,
                        later,
                        key,
                        lo,
                        hi,
                        occurrences: 1,
                    });
                }
            }
        }
    }

    /// The races, with their instructions disassembled.
    pub(crate) fn races(&self, records: &[Record], program: &Program) -> Vec<Race> {
        let access = |id: u32| {
            let r = &records[id as usize];
            RaceAccess {
                chip: r.chip,
                tile: r.tile,
                agent: match r.unit {
                    0 => Agent::Core,
                    u => Agent::Engine(QueueId::ALL[usize::from(u - 1) & 3]),
                },
                pc: r.pc,
                instruction: program.disassemble(r.pc),
                write: r.write,
                start: r.start,
                end: r.end,
            }
        };
        self.list
            .iter()
            .map(|f| Race {
                earlier: access(f.earlier),
                later: access(f.later),
                chip: f.key.0,
                tile: (f.key.1 != u32::MAX).then_some(f.key.1),
                memory: f.key.2,
                offset: f.lo,
                bytes: f.hi - f.lo,
                occurrences: f.occurrences,
            })
            .collect()
    }
}
