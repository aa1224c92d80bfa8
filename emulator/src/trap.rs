//! Traps: a tile stopping abnormally, reported with the tile, the pc, the disassembled
//! instruction and the cause (docs/isa.md, "Traps").

use core::fmt;

use isa::Cause;
use thiserror::Error;

use crate::dma::DmaFault;
use crate::matrix::MatrixFault;
use crate::semaphore::SemaphoreFault;
use crate::time::Cycle;
use crate::vector::VectorFault;

/// A fault of an engine operation or a semaphore: the unit's own error, which gives the trap its
/// cause and (as text) its detail.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Fault {
    #[error(transparent)]
    Dma(#[from] DmaFault),
    #[error(transparent)]
    Vector(#[from] VectorFault),
    #[error(transparent)]
    Matrix(#[from] MatrixFault),
    #[error(transparent)]
    Semaphore(#[from] SemaphoreFault),
}

impl Fault {
    /// The trap cause the fault raises.
    pub fn cause(&self) -> Cause {
        match self {
            Fault::Dma(_) => Cause::DmaFault,
            Fault::Vector(_) => Cause::VectorFault,
            Fault::Matrix(_) => Cause::MatrixFault,
            Fault::Semaphore(_) => Cause::SemaphoreFault,
        }
    }
}

/// A trap, as reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    /// The chip of the tile that trapped.
    pub chip: u32,
    /// The tile that trapped.
    pub tile: u32,
    /// The address of the instruction at fault.
    pub pc: u64,
    /// That instruction, disassembled.
    pub instruction: String,
    /// The cause.
    pub cause: Cause,
    /// What exactly went wrong (an address, a value, the software trap's code).
    pub detail: String,
    /// The cycle it happened in (0 in the untimed reference interpreter).
    pub cycle: Cycle,
    /// How many other tiles or engines trapped in the same cycle (the run names the first).
    pub others: u32,
}

impl fmt::Display for Trap {
    /// `tile 3 (chip 0) trapped at pc 0x48: lw x5, 4(x6) — misaligned access (address 0x10000000006)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tile {} (chip {}) trapped at pc {:#x}: {} — {}",
            self.tile, self.chip, self.pc, self.instruction, self.cause
        )?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        match self.others {
            0 => {}
            1 => f.write_str("; 1 more trap in the same cycle")?,
            n => write!(f, "; {n} more traps in the same cycle")?,
        }
        Ok(())
    }
}

impl Trap {
    /// Keeps in `slot` the trap that ends the run: the earliest, and among traps of the same
    /// cycle the one of the lowest chip, then tile, so the report never depends on the order in
    /// which the host visits tiles.
    /// The traps of that cycle that are not kept are counted in its `others`.
    pub fn record(slot: &mut Option<Trap>, trap: Trap) {
        let key = |t: &Trap| (t.cycle, t.chip, t.tile);
        match slot {
            Some(kept) if kept.cycle == trap.cycle => {
                let others = kept.others + trap.others + 1;
                if key(&trap) < key(kept) {
                    *kept = trap;
                }
                kept.others = others;
            }
            Some(kept) if kept.cycle < trap.cycle => {}
            _ => *slot = Some(trap),
        }
    }
}

impl std::error::Error for Trap {}
