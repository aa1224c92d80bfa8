//! What travels between units: DMA requests and their replies, and semaphore increments.
//! Requests carry sizes and timing, not data: a transfer's values move when it completes
//! (docs/timing.md, "DMA transfer").

use isa::QueueId;

/// Where a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A chip's memory system (its L2 and HBM, and its tiles' SRAM ports).
    Memory {
        /// The chip.
        chip: u32,
    },
    /// A tile (its semaphores, or one of its DMA engines).
    Tile {
        /// The chip.
        chip: u32,
        /// The tile.
        tile: u32,
    },
}

impl Endpoint {
    /// The chip it is on.
    pub fn chip(self) -> u32 {
        match self {
            Endpoint::Memory { chip } | Endpoint::Tile { chip, .. } => chip,
        }
    }
}

/// Which memory a request reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The chip's L2.
    L2,
    /// The chip's HBM.
    Hbm,
    /// A tile's scratchpad or accumulator, with its access latency.
    Sram {
        /// Cycles of one access.
        latency: u64,
    },
}

/// A request to a memory system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// Read or write.
    pub write: bool,
    /// The memory.
    pub target: Target,
    /// Bytes read or written.
    pub bytes: u64,
    /// Header hops the request's round trip takes (1 on a chip, 2 across chips): the memory
    /// answers that much sooner, so a round trip costs the memory's configured latency.
    pub hops: u64,
    /// The engine that waits for the reply.
    pub reply_to: Reply,
}

/// Whom a reply goes back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The chip.
    pub chip: u32,
    /// The tile.
    pub tile: u32,
    /// Its DMA queue.
    pub queue: QueueId,
    /// Which of the engine's transfers (they overlap: the next starts while one finishes).
    pub transfer: u32,
}

/// What a message says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// A read request (a header) or a write (carrying its data).
    Access(Access),
    /// Read data coming back, or a write's acknowledgement (a header).
    Done {
        /// The engine.
        to: Reply,
        /// True for a write's acknowledgement.
        write: bool,
    },
    /// `amount` for semaphore `sem` of the destination tile, from the `sem.signal` of tile
    /// `from.1` of chip `from.0` at pc `from.2`.
    Signal {
        /// The semaphore.
        sem: u8,
        /// The amount.
        amount: i64,
        /// The sender.
        from: (u32, u32, u64),
    },
}

/// A message in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    /// Where it goes.
    pub to: Endpoint,
    /// The chip it left.
    pub from_chip: u32,
    /// The component that sent it ([`crate::sim::component`]): orders arrivals of one cycle.
    pub source: u32,
    /// Bytes of data it carries (0 for a header: a read request or an acknowledgement).
    pub bytes: u64,
    /// True for a header, which crosses each network or fabric in one cycle; a message with data
    /// (or a semaphore increment) takes the configured latency.
    pub header: bool,
    /// Cycles its tail trails its head.
    pub lag: u64,
    /// What it says.
    pub body: Body,
}
