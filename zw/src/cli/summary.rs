//! The summary `zw run` prints: how the run ended, its simulated time, how busy each unit was, and
//! the host's speed; as text, or as one JSON object for scripts (`--json`).

use emulator::stats::{EngineStats, MachineStats, TileStats, exit_name};
use emulator::{Exit, Machine, RunReport};
use serde::Serialize;

/// The units of a tile, in the order the summary lists them.
const UNITS: [&str; 5] = ["control", "dma-in", "dma-out", "matrix", "vector"];

/// A run's summary.
#[derive(Serialize)]
pub struct Summary {
    program: String,
    config: String,
    tiles_per_chip: u32,
    chips: u32,
    clock_ghz: f64,
    /// `halted`, `trapped`, `max-cycles` or `deadlock`.
    exit: &'static str,
    /// How the run ended, in words.
    ended: String,
    simulated_cycles: u64,
    simulated_ns: f64,
    retired_instructions: u64,
    instructions_per_cycle_per_tile: f64,
    /// Share of the cycles the tiles ran (each up to its halt) that each unit was busy, and
    /// stalled, in percent.
    units: Vec<UnitShare>,
    /// The same per tile (with `-v`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    per_tile: Vec<TileShare>,
    /// Each chip's command-level HBM, when it runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hbm: Vec<HbmShare>,
    /// Races found, with `--check races`.
    #[serde(skip_serializing_if = "Option::is_none")]
    races: Option<usize>,
    host_seconds: f64,
    simulated_cycles_per_host_second: f64,
    instructions_per_host_second: f64,
}

/// How busy one unit was.
#[derive(Serialize)]
struct UnitShare {
    unit: &'static str,
    busy_percent: f64,
    stalled_percent: f64,
}

/// What one chip's HBM delivered.
#[derive(Serialize)]
struct HbmShare {
    chip: u32,
    /// Over the run's simulated time.
    achieved_gbps: f64,
    peak_gbps: f64,
    bytes: u64,
    row_hit_rate: f64,
    refreshes: u64,
}

/// How busy the units of one tile were.
#[derive(Serialize)]
struct TileShare {
    chip: u32,
    tile: u32,
    ran_cycles: u64,
    units: Vec<UnitShare>,
}

/// The cycles a tile ran: up to its halt, or to the run's end.
fn ran(t: &TileStats) -> u64 {
    t.control.busy_cycles + t.control.stalled_cycles
}

/// Busy and stalled cycles of each unit of `t`.
fn units(t: &TileStats) -> [(u64, u64); 5] {
    let e = |e: &EngineStats| (e.busy_cycles, e.stalled_cycles);
    [
        (t.control.busy_cycles, t.control.stalled_cycles),
        e(&t.dma_in),
        e(&t.dma_out),
        e(&t.matrix),
        e(&t.vector),
    ]
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn shares(cycles: [(u64, u64); 5], whole: u64) -> Vec<UnitShare> {
    UNITS
        .iter()
        .zip(cycles)
        .map(|(&unit, (busy, stalled))| UnitShare {
            unit,
            busy_percent: percent(busy, whole),
            stalled_percent: percent(stalled, whole),
        })
        .collect()
}

impl Summary {
    /// The summary of a run of `m`; `per_tile` adds each tile's shares.
    pub fn of(
        m: &Machine,
        report: &RunReport,
        stats: &MachineStats,
        program: &str,
        per_tile: bool,
    ) -> Summary {
        let env = m.env();
        let cycles = report.cycles.get();
        let tiles = stats.chips.iter().flat_map(|c| &c.tiles);
        let mut sum = [(0u64, 0u64); 5];
        let mut whole = 0;
        for t in tiles.clone() {
            for (s, (b, st)) in sum.iter_mut().zip(units(t)) {
                s.0 += b;
                s.1 += st;
            }
            whole += ran(t);
        }
        let per_tile = if per_tile {
            stats
                .chips
                .iter()
                .flat_map(|c| c.tiles.iter().map(move |t| (c.chip, t)))
                .map(|(chip, t)| TileShare {
                    chip,
                    tile: t.tile,
                    ran_cycles: ran(t),
                    units: shares(units(t), ran(t)),
                })
                .collect()
        } else {
            Vec::new()
        };
        let all_tiles = u64::from(env.map.tiles) * u64::from(env.map.chips);
        Summary {
            program: program.to_string(),
            config: stats.config_name.clone(),
            tiles_per_chip: env.map.tiles,
            chips: env.map.chips,
            clock_ghz: env.clock.hz() as f64 / 1e9,
            exit: exit_name(&report.exit),
            ended: match &report.exit {
                Exit::Halted => "every tile halted".to_string(),
                Exit::Trapped(t) => format!("trap: {t}"),
                Exit::MaxCycles => "stopped at --max-cycles".to_string(),
                Exit::Deadlock(w) => format!("deadlock ({} waiting)", count(w.len(), "tile")),
            },
            simulated_cycles: cycles,
            simulated_ns: env.clock.microseconds_f64(report.cycles) * 1e3,
            retired_instructions: report.retired_instructions,
            instructions_per_cycle_per_tile: report.retired_instructions as f64
                / cycles.max(1) as f64
                / all_tiles.max(1) as f64,
            units: shares(sum, whole),
            per_tile,
            hbm: stats
                .chips
                .iter()
                .filter_map(|c| {
                    let h = c.hbm.as_ref()?;
                    let seconds = env.clock.seconds_f64(report.cycles).max(1e-18);
                    Some(HbmShare {
                        chip: c.chip,
                        achieved_gbps: h.bytes() as f64 / seconds / 1e9,
                        peak_gbps: h.peak_bytes_per_s as f64 / 1e9,
                        bytes: h.bytes(),
                        row_hit_rate: h.row_hit_rate(),
                        refreshes: h.channels.iter().map(|ch| ch.refresh_commands).sum(),
                    })
                })
                .collect(),
            races: None,
            host_seconds: report.host_seconds,
            simulated_cycles_per_host_second: report.cycles_per_second(),
            instructions_per_host_second: report.instructions_per_second(),
        }
    }

    /// With the count of races a `--check races` run found.
    pub fn with_races(mut self, races: Option<usize>) -> Summary {
        self.races = races;
        self
    }

    /// The summary as one line of JSON.
    pub fn json(&self) -> String {
        let mut s =
            serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        s.push('\n');
        s
    }

    /// The summary as text.
    pub fn text(&self) -> String {
        let mut s = format!(
            "program   {} on {}: {} x {}, {:.3} GHz\n",
            self.program,
            self.config,
            count(self.tiles_per_chip as usize, "tile"),
            count(self.chips as usize, "chip"),
            self.clock_ghz
        );
        s += &format!("ended     {}\n", self.ended);
        s += &format!(
            "simulated {} = {}\n",
            count(self.simulated_cycles as usize, "cycle"),
            duration(self.simulated_ns)
        );
        s += &format!(
            "retired   {} ({:.3} per cycle per tile)\n",
            count(self.retired_instructions as usize, "instruction"),
            self.instructions_per_cycle_per_tile
        );
        s += "busy      (share of the cycles the tiles ran, each up to its halt; stalled in brackets)\n";
        s += &unit_lines(&self.units, "  ");
        for t in &self.per_tile {
            s += &format!(
                "  tile {} (chip {}), {}:\n",
                t.tile,
                t.chip,
                count(t.ran_cycles as usize, "cycle")
            );
            s += &unit_lines(&t.units, "    ");
        }
        for h in &self.hbm {
            s += &format!(
                "hbm       chip {}: {:.1} GB/s of {:.1} GB/s peak ({:.2}%), {} bytes, row hit rate \
                 {:.3}, {}\n",
                h.chip,
                h.achieved_gbps,
                h.peak_gbps,
                100.0 * h.achieved_gbps / h.peak_gbps.max(1e-9),
                h.bytes,
                h.row_hit_rate,
                count(h.refreshes as usize, "refresh")
            );
        }
        if let Some(n) = self.races {
            s += &format!("races     {} found\n", count(n, "race"));
        }
        s += &format!(
            "host      {}: {:.2} M simulated cycles/s, {:.2} M instructions/s\n",
            duration(self.host_seconds * 1e9),
            self.simulated_cycles_per_host_second / 1e6,
            self.instructions_per_host_second / 1e6
        );
        s
    }
}

fn unit_lines(units: &[UnitShare], indent: &str) -> String {
    units
        .iter()
        .map(|u| {
            format!(
                "{indent}{:<8} {:6.2}%  ({:.2}% stalled)\n",
                u.unit, u.busy_percent, u.stalled_percent
            )
        })
        .collect()
}

/// `1 tile`, `16 tiles`, `2 refreshes`.
pub fn count(n: usize, noun: &str) -> String {
    let plural = if ["s", "sh", "ch", "x"].iter().any(|e| noun.ends_with(e)) {
        "es"
    } else {
        "s"
    };
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}{plural}")
    }
}

/// A duration in the unit that fits it: `850.000 ns`, `12.000 us`, `3.250 ms`, `1.200 s`.
pub fn duration(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "us")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    format!("{value:.3} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_the_unit_that_fits() {
        assert_eq!(duration(850.0), "850.000 ns");
        assert_eq!(duration(12_000.0), "12.000 us");
        assert_eq!(duration(12_000_000.0), "12.000 ms");
        assert_eq!(duration(3.5e9), "3.500 s");
    }

    #[test]
    fn counts_take_their_plural() {
        assert_eq!(count(1, "tile"), "1 tile");
        assert_eq!(count(0, "chip"), "0 chips");
        assert_eq!(count(16, "tile"), "16 tiles");
        assert_eq!(count(2, "refresh"), "2 refreshes");
    }
}
