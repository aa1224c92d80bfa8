//! Synthetic traffic for the mesh benchmark, as network simulators drive it: every node creates a
//! packet each cycle with a fixed probability (Bernoulli injection) for a destination given by a
//! pattern; a packet's latency runs from its creation (queueing at the source included) to its
//! tail leaving the mesh.

use core::fmt;
use std::str::FromStr;
use std::time::Instant;

use isa::fuzz::SplitMix64;
use serde::{Deserialize, Serialize};

use super::grid::{Blind, Grid, Observer, Params};
use crate::time::Cycle;

/// Where each node sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    /// Any node (itself included), uniformly.
    Uniform,
    /// (x, y) to (y, x) (square meshes).
    Transpose,
    /// (x, y) to (cols-1-x, rows-1-y).
    BitComplement,
    /// A fifth of the packets to the centre node, the rest uniform.
    Hotspot,
    /// (x, y) to (x+1 mod cols, y).
    Neighbor,
}

impl Pattern {
    /// Every pattern, by name.
    pub const ALL: [(&'static str, Pattern); 5] = [
        ("uniform", Pattern::Uniform),
        ("transpose", Pattern::Transpose),
        ("bit-complement", Pattern::BitComplement),
        ("hotspot", Pattern::Hotspot),
        ("neighbor", Pattern::Neighbor),
    ];

    /// The destination of a packet from `src`.
    pub fn destination(self, p: &Params, src: u32, rng: &mut SplitMix64) -> u32 {
        let n = p.nodes();
        let (x, y) = p.position(src);
        let uniform = |rng: &mut SplitMix64| (rng.next_u64() % u64::from(n)) as u32;
        match self {
            Pattern::Uniform => uniform(rng),
            Pattern::Transpose => (x % p.rows) * p.cols + (y % p.cols),
            Pattern::BitComplement => n - 1 - src,
            Pattern::Hotspot => {
                if rng.next_u64().is_multiple_of(5) {
                    (p.rows / 2) * p.cols + p.cols / 2
                } else {
                    uniform(rng)
                }
            }
            Pattern::Neighbor => y * p.cols + (x + 1) % p.cols,
        }
    }
}

impl FromStr for Pattern {
    type Err = String;
    fn from_str(s: &str) -> Result<Pattern, String> {
        Pattern::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|&(_, p)| p)
            .ok_or_else(|| {
                let names: Vec<&str> = Pattern::ALL.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown traffic pattern `{s}` (one of: {})",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Pattern::ALL
            .iter()
            .find(|(_, p)| p == self)
            .map_or("?", |(n, _)| n);
        f.write_str(name)
    }
}

/// One run of synthetic traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Load {
    /// The mesh.
    pub params: Params,
    /// Destinations.
    pub pattern: Pattern,
    /// Offered load, flits per node per cycle.
    pub rate: f64,
    /// Flits per packet.
    pub packet_flits: u32,
    /// Cycles before measuring.
    pub warmup: u64,
    /// Cycles measured: packets created then are timed.
    pub cycles: u64,
    /// The seed of the generator.
    pub seed: u64,
}

/// What a run measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Offered load, flits per node per cycle.
    pub offered_flits_per_node_cycle: f64,
    /// Mean latency of the packets created while measuring, cycles.
    pub avg_packet_latency_cycles: f64,
    /// Their 99th-percentile latency, cycles.
    pub p99_packet_latency_cycles: u64,
    /// Flits that left the mesh while measuring, per node per cycle.
    pub accepted_flits_per_node_cycle: f64,
    /// Packets timed.
    pub packets: u64,
    /// True when some timed packets had not left after the drain allowance (past saturation:
    /// the latency is then a lower bound).
    pub saturated: bool,
    /// Simulated cycles.
    pub simulated_cycles: u64,
    /// Routers visited (router-cycles actually evaluated).
    pub router_visits: u64,
    /// Host time, seconds.
    pub host_seconds: f64,
    /// Simulated router-cycles (routers × cycles) per host second.
    pub router_cycles_per_host_second: f64,
}

/// Runs `load`.
pub fn run(load: &Load) -> Measured {
    run_observed(load, &mut Blind)
}

/// Runs `load`, showing every flit that crosses a switch to `observer`.
pub fn run_observed(load: &Load, observer: &mut impl Observer) -> Measured {
    let p = load.params;
    let n = p.nodes();
    let mut grid = Grid::new(p);
    let mut rng = SplitMix64(load.seed);
    let flits = load.packet_flits.max(1);
    // Probability of a new packet per node per cycle, in 2^-32 units.
    let chance = ((load.rate / f64::from(flits)).clamp(0.0, 1.0) * 4_294_967_296.0) as u64;
    let start = load.warmup;
    let end = load.warmup + load.cycles;
    // Timed packets may take this long to leave once creation of timed packets stops.
    let drain = end + 10 * load.cycles.max(1000);
    // Per packet number: its creation cycle, and whether it is timed.
    let mut created: Vec<(u64, bool)> = Vec::new();
    let mut latencies = Vec::new();
    let mut pending_timed = 0u64;
    let mut accepted = 0u64;
    let mut out = Vec::new();
    let host = Instant::now();
    let mut now = 0u64;
    while now < end || (pending_timed > 0 && now < drain) {
        let t = Cycle(now);
        for src in 0..n {
            if rng.next_u64() >> 32 < chance {
                let dst = load.pattern.destination(&p, src, &mut rng);
                let id = created.len() as u32;
                let timed = (start..end).contains(&now);
                created.push((now, timed));
                pending_timed += u64::from(timed);
                grid.send(t, u64::from(src), id, src, dst, 0, flits, 0);
            }
        }
        out.clear();
        grid.step(t, &mut out, observer);
        for &id in &out {
            let (at, timed) = created[id as usize];
            if (start..end).contains(&now) {
                accepted += u64::from(flits);
            }
            if timed {
                latencies.push(now - at);
                pending_timed -= 1;
            }
        }
        now += 1;
    }
    let host_seconds = host.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let count = latencies.len() as u64;
    let avg = if count == 0 {
        0.0
    } else {
        latencies.iter().sum::<u64>() as f64 / count as f64
    };
    let p99 = if count == 0 {
        0
    } else {
        latencies[((count as f64 * 0.99).ceil() as usize).clamp(1, count as usize) - 1]
    };
    let router_cycles = u64::from(n) * now;
    Measured {
        offered_flits_per_node_cycle: load.rate,
        avg_packet_latency_cycles: avg,
        p99_packet_latency_cycles: p99,
        accepted_flits_per_node_cycle: accepted as f64 / (f64::from(n) * load.cycles.max(1) as f64),
        packets: count,
        saturated: pending_timed > 0,
        simulated_cycles: now,
        router_visits: grid.router_visits,
        host_seconds,
        router_cycles_per_host_second: router_cycles as f64 / host_seconds.max(1e-9),
    }
}

/// A latency-versus-load curve: offered loads from `step` up in steps of `step`, until the mesh
/// saturates (it accepts less than 95% of what is offered, or timed packets do not drain).
pub fn sweep(load: &Load, step: f64) -> Vec<Measured> {
    let mut points = Vec::new();
    let mut k = 1;
    loop {
        let rate = step * f64::from(k);
        if rate > 1.0 + 1e-9 {
            break;
        }
        let m = run(&Load { rate, ..*load });
        let done = m.saturated || m.accepted_flits_per_node_cycle < 0.95 * rate;
        points.push(m);
        if done {
            break;
        }
        k += 1;
    }
    points
}

/// The saturation throughput of a sweep: the most it accepted, flits per node per cycle.
pub fn saturation(points: &[Measured]) -> f64 {
    points
        .iter()
        .map(|m| m.accepted_flits_per_node_cycle)
        .fold(0.0, f64::max)
}

/// Checks `load`'s values, naming the flag of `zw bench noc` that is out of range.
pub fn check(load: &Load) -> Result<(), crate::config::ConfigError> {
    let p = &load.params;
    let range = |key: &str, value: u64, min: u64, max: u64| {
        if (min..=max).contains(&value) {
            Ok(())
        } else {
            Err(crate::config::ConfigError::OutOfRange {
                key: key.to_string(),
                value: value.to_string(),
                allowed: format!("{min}..={max}"),
            })
        }
    };
    range("--mesh (columns)", u64::from(p.cols), 1, 64)?;
    range("--mesh (rows)", u64::from(p.rows), 1, 64)?;
    range("--vcs", u64::from(p.vcs_per_vnet), 1, 8)?;
    range("--vc-buffers", u64::from(p.buffer_flits), 1, 64)?;
    range("--router-stages", u64::from(p.stages), 1, 16)?;
    range("--link-latency", u64::from(p.link_latency), 1, 16)?;
    range("--packet-flits", u64::from(load.packet_flits), 1, 64)?;
    range("--cycles", load.cycles, 1, 1 << 40)?;
    if !(0.0..=1.0).contains(&load.rate) {
        return Err(crate::config::ConfigError::OutOfRange {
            key: "--rate".to_string(),
            value: load.rate.to_string(),
            allowed: "0.0..=1.0 flits per node per cycle".to_string(),
        });
    }
    if load.pattern == Pattern::Transpose && p.cols != p.rows {
        return Err(crate::config::ConfigError::Inconsistent {
            key: "--traffic".to_string(),
            value: "transpose".to_string(),
            reason: format!("transpose needs a square mesh, not {}x{}", p.cols, p.rows),
        });
    }
    Ok(())
}
