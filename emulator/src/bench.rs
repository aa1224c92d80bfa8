//! The emulator's own benchmarks, shared by `zw bench` and the criterion benches: a tight scalar
//! loop (host speed of the control core), a long wait (cost of skipping idle time), DMA
//! streams from HBM (requests the memory system serves per host second) and synthetic traffic
//! on the command-level HBM (its bandwidth, latency and host speed).

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

/// What `zw bench hbm` runs: a speed bin, its shape, and the traffic.
#[derive(Clone, Debug, PartialEq)]
pub struct HbmBench {
    /// `hbm2`, `hbm2e` or `hbm3` ([`crate::config::SPEED_BINS`]).
    pub preset: String,
    /// Stacks.
    pub stacks: u32,
    /// Channels per stack (each as wide as the preset's).
    pub channels: Option<u32>,
    /// The traffic (its `span` is filled in from the configuration).
    pub traffic: crate::hbm::traffic::Traffic,
    /// Whether refresh runs.
    pub refresh: bool,
    /// `open` or `closed`.
    pub page: String,
}

/// What `zw bench hbm` measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HbmBenchReport {
    /// `hbm`.
    pub bench: String,
    /// The speed bin.
    pub preset: String,
    /// Stacks.
    pub stacks: u32,
    /// Channels per stack.
    pub channels_per_stack: u32,
    /// `seq`, `random` or `strided`.
    pub pattern: String,
    /// Share of reads.
    pub read_ratio: f64,
    /// Requests served.
    pub requests: u64,
    /// Bytes per request.
    pub request_bytes: u64,
    /// Requests in flight at most.
    pub outstanding: usize,
    /// Simulated core cycles until the last reply.
    pub simulated_cycles: u64,
    /// Achieved bandwidth, GB/s (10^9 bytes per second).
    pub bandwidth_gbps: f64,
    /// Theoretical peak of the stacks simulated, GB/s.
    pub peak_gbps: f64,
    /// Achieved over peak, percent.
    pub percent_of_peak: f64,
    /// Mean latency from arrival at the memory system to the reply leaving it, ns.
    pub latency_ns_mean: f64,
    /// Median latency, ns.
    pub latency_ns_p50: f64,
    /// 99th percentile latency, ns.
    pub latency_ns_p99: f64,
    /// Mean latency, core cycles.
    pub latency_cycles_mean: f64,
    /// Median latency, core cycles.
    pub latency_cycles_p50: u64,
    /// 99th percentile latency, core cycles.
    pub latency_cycles_p99: u64,
    /// Bursts served from an open row over all bursts.
    pub row_hit_rate: f64,
    /// Bytes of the least loaded channel over the most loaded one's (1: balanced).
    pub channel_balance: f64,
    /// Host time of the run, seconds.
    pub host_seconds: f64,
    /// Requests simulated per host second.
    pub requests_per_host_second: f64,
}

/// Runs `b` on the HBM of `base` with the bench's preset and shape applied.
pub fn bench_hbm(base: &Config, b: &HbmBench) -> Result<HbmBenchReport, ConfigError> {
    use crate::hbm::traffic::{Pattern, drive};
    let mut c = base.clone();
    let bin = crate::config::SPEED_BINS
        .iter()
        .find(|(name, _)| *name == b.preset)
        .ok_or_else(|| ConfigError::BadValue {
            message: format!("unknown HBM preset `{}` (hbm2, hbm2e, hbm3)", b.preset),
        })?;
    for (k, v) in bin.1 {
        c.set(k, v)?;
    }
    c.set("hbm.stacks", &b.stacks.to_string())?;
    if let Some(ch) = b.channels {
        // Fewer channels of the same width: the stack's bus narrows with them.
        let width = c.hbm.bus_bits_per_stack / c.hbm.channels_per_stack.max(1);
        c.set("hbm.channels_per_stack", &ch.to_string())?;
        c.set("hbm.bus_bits_per_stack", &(width * ch).to_string())?;
    }
    c.set("hbm.refresh", if b.refresh { "all-bank" } else { "off" })?;
    c.set("hbm.page_policy", &b.page)?;
    let r = c.resolve()?;
    let mut mem = crate::hbm::Hbm::new(&r, 0, 1);
    let mut t = b.traffic;
    t.span = r.hbm.capacity_bytes;
    if t.request_bytes == 0 || t.requests == 0 || t.outstanding == 0 {
        return Err(ConfigError::BadValue {
            message: "--requests, --request-bytes and --outstanding must be at least 1".into(),
        });
    }
    let start = std::time::Instant::now();
    let out = drive(&mut mem, &t);
    let host_seconds = start.elapsed().as_secs_f64();
    let stats = crate::memsys::MemorySystem::hbm_stats(&mem)
        .unwrap_or_else(|| unreachable!("the command-level HBM has stats"));
    let mut sorted = out.latencies.clone();
    sorted.sort_unstable();
    let pick = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let ns = |cycles: f64| cycles * 1e9 / r.clock.hz() as f64;
    let mean = sorted.iter().sum::<u64>() as f64 / sorted.len() as f64;
    let seconds = r.clock.seconds_f64(out.last).max(1e-18);
    let bandwidth = out.bytes as f64 / seconds / 1e9;
    let peak = stats.peak_bytes_per_s as f64 / 1e9;
    let per_channel: Vec<u64> = stats
        .channels
        .iter()
        .map(|c| c.read_bytes + c.written_bytes)
        .collect();
    let (lo, hi) = (
        per_channel.iter().min().copied().unwrap_or(0),
        per_channel.iter().max().copied().unwrap_or(0),
    );
    Ok(HbmBenchReport {
        bench: "hbm".into(),
        preset: b.preset.clone(),
        stacks: b.stacks,
        channels_per_stack: r.config.hbm.channels_per_stack,
        pattern: match t.pattern {
            Pattern::Sequential => "seq",
            Pattern::Random => "random",
            Pattern::Strided(_) => "strided",
        }
        .into(),
        read_ratio: t.read_ratio,
        requests: out.requests,
        request_bytes: t.request_bytes,
        outstanding: t.outstanding,
        simulated_cycles: out.last.get(),
        bandwidth_gbps: bandwidth,
        peak_gbps: peak,
        percent_of_peak: 100.0 * bandwidth / peak,
        latency_ns_mean: ns(mean),
        latency_ns_p50: ns(pick(0.5) as f64),
        latency_ns_p99: ns(pick(0.99) as f64),
        latency_cycles_mean: mean,
        latency_cycles_p50: pick(0.5),
        latency_cycles_p99: pick(0.99),
        row_hit_rate: stats.row_hit_rate(),
        channel_balance: if hi == 0 { 1.0 } else { lo as f64 / hi as f64 },
        host_seconds,
        requests_per_host_second: out.requests as f64 / host_seconds.max(1e-9),
    })
}
