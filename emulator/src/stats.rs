//! Run statistics: plain serializable structs per unit, gathered per tile, chip and machine.
//!
//! Versioned by [`SCHEMA_VERSION`]; every field's name ends in its unit (`_cycles`, `_bytes`,
//! `_instructions`, ...). For every unit, `busy_cycles + stalled_cycles + idle_cycles ==
//! total_cycles`, the run's length: a control core is busy in a cycle it issues an instruction,
//! stalled in a cycle it cannot (with the reason), idle after it halts; an engine is busy while
//! it runs an operation, stalled while it waits in a `q.take` for its semaphore, idle
//! otherwise. Stats hold simulated quantities only, so a run's stats are identical on every host.

use isa::QueueId;
use serde::{Deserialize, Serialize};

use crate::control::pipeline::class_index;
use crate::control::{Block, Stall, State};
use crate::machine::Machine;
use crate::queue::Queue;
use crate::sim::Exit;
use crate::tile::Tile;

/// The version of this schema; it changes whenever a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 2;

/// Stats of a whole run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineStats {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The configuration's name.
    pub config_name: String,
    /// The core clock, hertz.
    pub clock_hz: u64,
    /// How the run ended: `halted`, `trapped`, `max-cycles` or `deadlock`.
    pub exit: String,
    /// Length of the run, cycles.
    pub total_cycles: u64,
    /// Length of the run, picoseconds of simulated time.
    pub simulated_time_ps: u64,
    /// Instructions retired by every control core.
    pub retired_instructions: u64,
    /// Per chip.
    pub chips: Vec<ChipStats>,
}

/// Stats of one chip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipStats {
    /// The chip's number.
    pub chip: u32,
    /// The command-level HBM (`hbm.impl` other than `"ideal"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hbm: Option<HbmStats>,
    /// Per tile.
    pub tiles: Vec<TileStats>,
    /// The links of its mesh network, when `noc.impl = "mesh"` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noc: Option<NocStats>,
}

/// Traffic over a chip's mesh network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NocStats {
    /// Routers per row, routers.
    pub cols_routers: u32,
    /// Rows of routers, routers.
    pub rows_routers: u32,
    /// Every link between two routers, each way: by router leaving from, then east, west,
    /// north, south.
    pub links: Vec<LinkStats>,
}

/// Traffic over one link, one way. For every link, `flits + credit_stall_cycles <= busy_cycles
/// <= total_cycles` (docs/network.md, "Link counters").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkStats {
    /// The router it leaves, numbered row by row from the north-west corner.
    pub from_router: u32,
    /// The router it enters.
    pub to_router: u32,
    /// `east`, `west`, `north` or `south`.
    pub direction: String,
    /// Flits it carried, flits.
    pub flits: u64,
    /// Cycles a packet held one of its virtual channels (from the head's allocation up to and
    /// including the tail's crossing), cycles.
    pub busy_cycles: u64,
    /// Cycles it carried no flit while a flit ready to cross it waited for a credit, cycles.
    pub credit_stall_cycles: u64,
}

/// Stats of a chip's command-level HBM: its clock, its peak, and each channel's counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HbmStats {
    /// The memory clock (tCK), hertz.
    pub memory_clock_hz: u64,
    /// Memory clock cycles simulated, tCK.
    pub simulated_tck: u64,
    /// Peak bandwidth of every stack together, bytes per second.
    pub peak_bytes_per_s: u64,
    /// Bytes per burst, bytes.
    pub burst_bytes: u64,
    /// Per channel (over every stack).
    pub channels: Vec<HbmChannelStats>,
}

/// Stats of one HBM channel (both its pseudo-channels).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HbmChannelStats {
    /// The channel's number (stack × channels per stack + channel).
    pub channel: u32,
    /// RD commands, bursts.
    pub read_bursts: u64,
    /// WR commands, bursts.
    pub write_bursts: u64,
    /// Bytes read, bytes.
    pub read_bytes: u64,
    /// Bytes written, bytes.
    pub written_bytes: u64,
    /// Bursts served from an open row, bursts.
    pub row_hit_bursts: u64,
    /// Bursts that found their bank closed, bursts.
    pub row_miss_bursts: u64,
    /// Bursts that found another row open, bursts.
    pub row_conflict_bursts: u64,
    /// ACT commands, commands.
    pub activate_commands: u64,
    /// PRE and PREA commands, commands.
    pub precharge_commands: u64,
    /// REF commands, commands.
    pub refresh_commands: u64,
    /// Bursts in the read queues summed over memory cycles (divide by `simulated_tck` for the
    /// mean occupancy), burst·tCK.
    pub read_queue_burst_tck: u64,
    /// Bursts in the write queues summed over memory cycles, burst·tCK.
    pub write_queue_burst_tck: u64,
    /// Cycles the data buses of its pseudo-channels carried data, summed over them, tCK.
    pub data_bus_busy_tck: u64,
}

impl HbmStats {
    /// Bytes read and written, every channel.
    pub fn bytes(&self) -> u64 {
        self.channels
            .iter()
            .map(|c| c.read_bytes + c.written_bytes)
            .sum()
    }

    /// Bursts served from an open row over all bursts (0 with none).
    pub fn row_hit_rate(&self) -> f64 {
        let hits: u64 = self.channels.iter().map(|c| c.row_hit_bursts).sum();
        let all: u64 = self
            .channels
            .iter()
            .map(|c| c.read_bursts + c.write_bursts)
            .sum();
        if all == 0 {
            0.0
        } else {
            hits as f64 / all as f64
        }
    }
}

/// Stats of one tile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TileStats {
    /// The tile's number on its chip.
    pub tile: u32,
    /// The control core.
    pub control: ControlStats,
    /// The DMA-in engine.
    pub dma_in: EngineStats,
    /// The DMA-out engine.
    pub dma_out: EngineStats,
    /// The matrix engine.
    pub matrix: EngineStats,
    /// The vector engine.
    pub vector: EngineStats,
}

/// Stats of a control core.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlStats {
    /// Length of the run, cycles.
    pub total_cycles: u64,
    /// Cycles an instruction issued in, cycles.
    pub busy_cycles: u64,
    /// Cycles no instruction could issue in, cycles.
    pub stalled_cycles: u64,
    /// Cycles after the core halted, cycles.
    pub idle_cycles: u64,
    /// The stalled cycles by reason.
    pub stalls: StallStats,
    /// Instructions retired.
    pub retired_instructions: u64,
    /// Instructions retired by timing class.
    pub by_class: ClassStats,
}

/// Stalled cycles of a control core by reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StallStats {
    /// Waiting for a register operand, cycles.
    pub dependency_cycles: u64,
    /// Taken-branch and jump penalties, cycles.
    pub branch_cycles: u64,
    /// Waiting for the divider, cycles.
    pub divider_cycles: u64,
    /// Store occupancy (and the ideal core's issue interval), cycles.
    pub structural_cycles: u64,
    /// Waiting for a slot in a full engine queue, cycles.
    pub queue_full_cycles: u64,
    /// Fences and `halt` waiting for engines to drain, cycles.
    pub fence_cycles: u64,
    /// `sem.wait`/`sem.take` waiting, cycles.
    pub semaphore_cycles: u64,
}

/// Instructions retired by timing class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ClassStats {
    pub alu_instructions: u64,
    pub mul_instructions: u64,
    pub div_instructions: u64,
    pub load_instructions: u64,
    pub store_instructions: u64,
    pub branch_instructions: u64,
    pub jump_instructions: u64,
    pub csr_instructions: u64,
    pub sem_instructions: u64,
    pub fence_instructions: u64,
    pub system_instructions: u64,
    pub dma_instructions: u64,
    pub matrix_instructions: u64,
    pub vector_instructions: u64,
}

/// Stats of one engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineStats {
    /// Length of the run, cycles.
    pub total_cycles: u64,
    /// Cycles running an operation, cycles.
    pub busy_cycles: u64,
    /// Cycles waiting in a `q.take` for its semaphore, cycles.
    pub stalled_cycles: u64,
    /// Other cycles, cycles.
    pub idle_cycles: u64,
    /// Operations completed.
    pub completed_operations: u64,
    /// `q.signal` and `q.take` items passed.
    pub semaphore_items: u64,
    /// Bytes read by completed operations, bytes.
    pub read_bytes: u64,
    /// Bytes written by completed operations, bytes.
    pub written_bytes: u64,
    /// Elements moved or computed (DMA, vector), or multiply-accumulates (matrix), elements.
    pub work_elements: u64,
}

fn engine(q: &Queue, total: u64) -> EngineStats {
    let c = &q.counters;
    let mut busy = c.busy_cycles;
    if let (Some(first), Some(last)) = (q.running.front(), q.running.back()) {
        let from = first.start.max(q.busy_until).get();
        busy += total.min(last.end.get()).saturating_sub(from);
    }
    let mut stalled = c.stalled_cycles;
    if let Some(since) = q.take_since {
        stalled += total.saturating_sub(since.get());
    }
    let busy = busy.min(total);
    let stalled = stalled.min(total - busy);
    EngineStats {
        total_cycles: total,
        busy_cycles: busy,
        stalled_cycles: stalled,
        idle_cycles: total - busy - stalled,
        completed_operations: c.operations,
        semaphore_items: c.semaphore_items,
        read_bytes: c.bytes_read,
        written_bytes: c.bytes_written,
        work_elements: c.work,
    }
}

fn control(t: &Tile, total: u64) -> ControlStats {
    let core = &t.core;
    let mut stalled = core.stalled;
    // Cycles between the last issue and the end of the run, for a core still waiting.
    let pending = match core.state {
        State::Blocked { on, .. } => Some(match on {
            Block::Semaphore { .. } => Stall::Semaphore,
            Block::QueueFull(_) => Stall::QueueFull,
            Block::Drain(_) => Stall::Fence,
        }),
        State::Running => Some(core.next_reason),
        State::Halted { .. } | State::Trapped => None,
    };
    if let Some(reason) = pending {
        stalled[reason.index()] += total.saturating_sub(core.last_end);
    }
    let busy = core.busy_cycles().min(total);
    let stalled_sum: u64 = stalled.iter().sum::<u64>().min(total - busy);
    let s = |r: Stall| stalled[r.index()];
    let c = |class| core.issued[class_index(class)];
    use isa::TimingClass as T;
    ControlStats {
        total_cycles: total,
        busy_cycles: busy,
        stalled_cycles: stalled_sum,
        idle_cycles: total - busy - stalled_sum,
        stalls: StallStats {
            dependency_cycles: s(Stall::Dependency),
            branch_cycles: s(Stall::Branch),
            divider_cycles: s(Stall::Divider),
            structural_cycles: s(Stall::Structural),
            queue_full_cycles: s(Stall::QueueFull),
            fence_cycles: s(Stall::Fence),
            semaphore_cycles: s(Stall::Semaphore),
        },
        retired_instructions: core.instret,
        by_class: ClassStats {
            alu_instructions: c(T::Alu),
            mul_instructions: c(T::Mul),
            div_instructions: c(T::Div),
            load_instructions: c(T::Load),
            store_instructions: c(T::Store),
            branch_instructions: c(T::Branch),
            jump_instructions: c(T::Jump),
            csr_instructions: c(T::Csr),
            sem_instructions: c(T::Sem),
            fence_instructions: c(T::Fence),
            system_instructions: c(T::System),
            dma_instructions: c(T::Dma),
            matrix_instructions: c(T::Matrix),
            vector_instructions: c(T::Vector),
        },
    }
}

/// The name of an exit in stats.
pub fn exit_name(exit: &Exit) -> &'static str {
    match exit {
        Exit::Halted => "halted",
        Exit::Trapped(_) => "trapped",
        Exit::MaxCycles => "max-cycles",
        Exit::Deadlock(_) => "deadlock",
    }
}

/// The stats of `m` after a run that ended with `exit`.
pub fn collect(m: &Machine, exit: &Exit) -> MachineStats {
    let total = m.cycles();
    MachineStats {
        schema_version: SCHEMA_VERSION,
        config_name: m.env().config.config.name.clone(),
        clock_hz: m.env().clock.hz(),
        exit: exit_name(exit).to_string(),
        total_cycles: total,
        simulated_time_ps: u64::try_from(m.env().clock.picoseconds(crate::time::Cycle(total)))
            .unwrap_or(u64::MAX),
        retired_instructions: m.tiles().map(|t| t.core.instret).sum(),
        chips: m
            .chips()
            .iter()
            .map(|c| ChipStats {
                chip: c.id,
                hbm: m.runs[c.id as usize].memory.hbm_stats(),
                tiles: c
                    .tiles
                    .iter()
                    .map(|t| TileStats {
                        tile: t.id,
                        control: control(t, total),
                        dma_in: engine(&t.queues[QueueId::DmaIn.index()], total),
                        dma_out: engine(&t.queues[QueueId::DmaOut.index()], total),
                        matrix: engine(&t.queues[QueueId::Matrix.index()], total),
                        vector: engine(&t.queues[QueueId::Vector.index()], total),
                    })
                    .collect(),
                noc: m.runs[c.id as usize]
                    .network
                    .link_stats(crate::time::Cycle(total)),
            })
            .collect(),
    }
}

impl MachineStats {
    /// Every unit's `(name, busy, stalled, idle, total)`, for checks and summaries.
    pub fn units(&self) -> Vec<(String, u64, u64, u64, u64)> {
        let mut out = Vec::new();
        for c in &self.chips {
            for t in &c.tiles {
                let k = &t.control;
                out.push((
                    format!("chip {} tile {} control", c.chip, t.tile),
                    k.busy_cycles,
                    k.stalled_cycles,
                    k.idle_cycles,
                    k.total_cycles,
                ));
                for (name, e) in [
                    ("dma-in", &t.dma_in),
                    ("dma-out", &t.dma_out),
                    ("matrix", &t.matrix),
                    ("vector", &t.vector),
                ] {
                    out.push((
                        format!("chip {} tile {} {name}", c.chip, t.tile),
                        e.busy_cycles,
                        e.stalled_cycles,
                        e.idle_cycles,
                        e.total_cycles,
                    ));
                }
            }
        }
        out
    }
}
