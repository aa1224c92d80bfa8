//! What every unit needs to know about the machine it is part of, resolved once from the
//! configuration: the memory map, the tile grid, the engines' timers and the core's latencies.

use isa::QueueId;

use crate::config::{ConfigError, Resolved};
use crate::control::pipeline::Latencies;
use crate::dma::DmaTimer;
use crate::matrix::{MatrixTimer, array_config, default_dataflow};
use crate::memory::MemoryMap;
use crate::systolic::{ArrayConfig, Dataflow, Model};
use crate::time::Clock;
use crate::vector::VectorTimer;

/// The machine's constants.
#[derive(Clone, Debug)]
pub struct Env {
    /// The resolved configuration everything here comes from.
    pub config: Resolved,
    /// The core clock.
    pub clock: Clock,
    /// Memory sizes and the machine's shape.
    pub map: MemoryMap,
    /// Columns of the tile grid.
    pub grid_x: u32,
    /// Rows of the tile grid.
    pub grid_y: u32,
    /// Semaphores per tile.
    pub semaphores: u32,
    /// fp32 lanes of the vector unit.
    pub vec_lanes: u64,
    /// The control core's latencies.
    pub core: Latencies,
    /// Waiting items per DMA queue.
    pub dma_queue_depth: usize,
    /// Waiting items per matrix and vector queue.
    pub engine_queue_depth: usize,
    /// Cycles a `sem.signal` takes to reach a tile of the same chip (`noc.ideal_latency_cycles`).
    pub signal_latency: u64,
    /// Extra cycles to reach another chip (`fabric.ideal_latency_ns`).
    pub fabric_latency: u64,
    /// The DMA timing rule.
    pub dma: DmaTimer,
    /// The vector timing rule.
    pub vector: VectorTimer,
    /// The matrix timing rules.
    pub matrix: MatrixTimer,
    /// The systolic array and its default dataflow.
    pub array: ArrayConfig,
    /// The dataflow at reset.
    pub dataflow: Dataflow,
    /// The systolic simulation model.
    pub model: Model,
}

impl Env {
    /// The constants of a resolved configuration.
    pub fn new(config: Resolved) -> Env {
        let dataflow = default_dataflow(&config);
        let model = config.config.systolic.model;
        Env {
            clock: config.clock,
            map: MemoryMap::of(&config),
            grid_x: config.config.chip.tiles_x,
            grid_y: config.config.chip.tiles_y,
            semaphores: config.config.semaphore.count,
            vec_lanes: u64::from(config.vector.bytes / 4),
            core: Latencies::of(&config),
            dma_queue_depth: config.dma.queue_depth.max(1),
            engine_queue_depth: config.core.engine_queue_depth.max(1),
            signal_latency: config.noc.ideal_latency.get().max(1),
            fabric_latency: config.fabric.ideal_latency.get(),
            dma: DmaTimer::of(&config),
            vector: VectorTimer::of(&config),
            matrix: MatrixTimer::of(&config),
            array: array_config(&config, dataflow),
            dataflow,
            model,
            config,
        }
    }

    /// The constants of an unresolved configuration (validated first).
    pub fn from_config(config: &crate::config::Config) -> Result<Env, ConfigError> {
        Ok(Env::new(config.resolve()?))
    }

    /// The depth of queue `q`.
    #[inline]
    pub fn queue_depth(&self, q: QueueId) -> usize {
        match q {
            QueueId::DmaIn | QueueId::DmaOut => self.dma_queue_depth,
            QueueId::Matrix | QueueId::Vector => self.engine_queue_depth,
        }
    }

    /// Cycles for a `sem.signal` from chip `from` to chip `to`.
    pub fn signal_delay(&self, from: u32, to: u32) -> u64 {
        if from == to {
            self.signal_latency
        } else {
            self.signal_latency + self.fabric_latency
        }
    }
}
