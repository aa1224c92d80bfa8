//! The emulator's own benchmarks, shared by `zw bench` and the criterion benches: a tight scalar
//! loop (host speed of the control core), a long wait (cost of skipping idle time) and DMA
//! streams from HBM (requests the memory system serves per host second).

use isa::DType;
use isa::Operation;
use isa::Reg;
use isa::format::{Branch, DmaCfg, DmaDim, DmaXfer, MxLoad, NoOperands, Reg3, RegImm, Upper};
use isa::operand::{AnyType, Dim, DmaFlags, Imm32, Sem, Target};
use serde::{Deserialize, Serialize};

use crate::config::{Config, ConfigError};
use crate::machine::Machine;
use crate::program::Program;
use crate::sim::Exit;

fn r(n: u8) -> Reg {
    Reg::new(n).unwrap_or(Reg::ZERO)
}

fn imm(v: i32) -> Imm32 {
    // Every i32 is a valid 32-bit immediate.
    Imm32::new(i64::from(v)).unwrap_or_else(|| unreachable!("{v} fits 32 bits"))
}

/// `x[rd] = value` in two instructions (`lui` + `addi`).
fn li(rd: u8, value: u64) -> [Operation; 2] {
    let (hi, lo) = (isa::abi::hi32(value), value as u32);
    [
        Operation::Lui(Upper {
            rd: r(rd),
            imm: imm(hi as i32),
        }),
        Operation::Addi(RegImm {
            rd: r(rd),
            rs1: r(rd),
            imm: imm(lo as i32),
        }),
    ]
}

/// The tight loop: five instructions per iteration (three ALU operations, a counter decrement,
/// a taken branch), `iterations` times, then `halt`.
pub fn core_loop(iterations: u64) -> Program {
    let mut text: Vec<Operation> = li(5, iterations.max(1)).to_vec();
    let body = [
        Operation::Addi(RegImm {
            rd: r(6),
            rs1: r(6),
            imm: imm(1),
        }),
        Operation::Addi(RegImm {
            rd: r(7),
            rs1: r(7),
            imm: imm(3),
        }),
        Operation::Xor(Reg3 {
            rd: r(8),
            rs1: r(6),
            rs2: r(7),
        }),
        Operation::Addi(RegImm {
            rd: r(5),
            rs1: r(5),
            imm: imm(-1),
        }),
    ];
    text.extend(body);
    text.push(Operation::Bne(Branch {
        rs1: r(5),
        rs2: Reg::ZERO,
        target: Target::from_words(-(body.len() as i32)),
    }));
    text.push(Operation::Halt(isa::format::NoOperands {}));
    Program::from_instructions(&text)
}

/// `x6 -= 1`, then back to the instruction before these two while `x6 != 0`.
fn count_down_x6_and_repeat_one() -> [Operation; 2] {
    [
        Operation::Addi(RegImm {
            rd: r(6),
            rs1: r(6),
            imm: imm(-1),
        }),
        Operation::Bne(Branch {
            rs1: r(6),
            rs2: Reg::ZERO,
            target: Target::from_words(-2),
        }),
    ]
}

/// `ops` matrix-weight loads of a 1×1 tile from address 0 of the scratchpad in a loop: with
/// `systolic.impl = "ideal"`, each keeps the tile waiting `systolic.ideal_latency_cycles`.
pub fn wait_loop(ops: u64) -> Program {
    let mut text: Vec<Operation> = li(20, isa::memory_map::SPAD_BASE).to_vec();
    text.extend(li(5, 1));
    text.extend(li(6, ops.max(1)));
    text.push(Operation::MxLdw(MxLoad {
        rsrc: r(20),
        rk: r(5),
        rn: r(5),
    }));
    text.extend(count_down_x6_and_repeat_one());
    text.push(Operation::Halt(isa::format::NoOperands {}));
    Program::from_instructions(&text)
}

/// `transfers` DMA transfers of `bytes` bytes each from the chip's HBM into the tile's scratchpad,
/// queued back to back (the queue stalls issue when full), then `fence.dma` and `halt`.
pub fn dma_loop(transfers: u64, bytes: u64) -> Program {
    let mut text: Vec<Operation> = li(20, isa::memory_map::SPAD_BASE).to_vec();
    text.extend(li(21, isa::memory_map::HBM_BASE));
    text.extend(li(11, bytes.max(1)));
    text.extend(li(10, 1));
    text.extend(li(6, transfers.max(1)));
    let u8_type = AnyType::new(DType::U8).unwrap_or_else(|| unreachable!("u8 is any type"));
    text.push(Operation::DmaCfg(DmaCfg {
        src: u8_type,
        dst: u8_type,
        flags: DmaFlags::new(0).unwrap_or_else(|| unreachable!("0 is a flag set")),
    }));
    text.push(Operation::DmaDim(DmaDim {
        dim: Dim::new(0).unwrap_or_else(|| unreachable!("dimension 0 exists")),
        rcount: r(11),
        rsrc_stride: r(10),
        rdst_stride: r(10),
    }));
    text.push(Operation::DmaIn(DmaXfer {
        rdst: r(20),
        rsrc: r(21),
        sem: Sem::new(0).unwrap_or_else(|| unreachable!("s0 exists")),
    }));
    text.extend(count_down_x6_and_repeat_one());
    text.push(Operation::FenceDma(NoOperands {}));
    text.push(Operation::Halt(NoOperands {}));
    Program::from_instructions(&text)
}

/// What a benchmark measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    /// Which benchmark.
    pub bench: String,
    /// Tiles simulated.
    pub tiles: u32,
    /// How the run ended.
    pub exit: String,
    /// Instructions retired, in all.
    pub retired_instructions: u64,
    /// Simulated cycles.
    pub simulated_cycles: u64,
    /// Host time of the run, seconds.
    pub host_seconds: f64,
    /// Retired instructions per host second.
    pub instructions_per_second: f64,
    /// Simulated cycles per host second.
    pub cycles_per_second: f64,
    /// DMA requests issued (the DMA benchmark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<u64>,
    /// DMA requests served per host second (the DMA benchmark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_host_second: Option<f64>,
}

fn measure(name: &str, config: &Config, program: Program) -> Result<BenchReport, ConfigError> {
    let mut m = Machine::new(config, program).map_err(|e| match e {
        crate::machine::MachineError::Config(c) => c,
        other => ConfigError::BadValue {
            message: other.to_string(),
        },
    })?;
    let r = m.run(None);
    let requests: u64 = m
        .tiles()
        .flat_map(|t| t.engines.iter())
        .map(|e| e.requests)
        .sum();
    let requests = (requests > 0).then_some(requests);
    Ok(BenchReport {
        bench: name.to_string(),
        tiles: config.tiles() * config.topology.chips,
        exit: crate::stats::exit_name(&r.exit).to_string(),
        retired_instructions: r.retired_instructions,
        simulated_cycles: r.cycles.get(),
        host_seconds: r.host_seconds,
        instructions_per_second: r.instructions_per_second(),
        cycles_per_second: r.cycles_per_second(),
        requests,
        requests_per_host_second: requests.map(|n| n as f64 / r.host_seconds.max(1e-9)),
    })
}

/// Runs the tight loop for `iterations` on every tile of `config`.
pub fn bench_core(config: &Config, iterations: u64) -> Result<BenchReport, ConfigError> {
    measure("core", config, core_loop(iterations))
}

/// Runs `ops` waits of `systolic.ideal_latency_cycles` each (the config's systolic unit is
/// made ideal) on every tile of `config`.
pub fn bench_wait(config: &Config, ops: u64) -> Result<BenchReport, ConfigError> {
    let mut c = config.clone();
    c.set("systolic.impl", "ideal")?;
    measure("wait", &c, wait_loop(ops))
}

/// Runs `transfers` DMA transfers of `bytes` each from HBM on every tile of `config`.
pub fn bench_dma(config: &Config, transfers: u64, bytes: u64) -> Result<BenchReport, ConfigError> {
    measure("dma", config, dma_loop(transfers, bytes))
}

/// True when a benchmark ran to its end.
pub fn completed(r: &BenchReport) -> bool {
    r.exit == crate::stats::exit_name(&Exit::Halted)
}
