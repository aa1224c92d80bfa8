//! What travels between units: DMA requests and their replies, semaphore increments, and the
//! commit of a transfer to the unit that owns its destination. Requests carry sizes and timing;
//! a transfer's values move in one step when it is done, at the unit that owns its destination
//! (docs/timing.md, "DMA transfer").

use isa::QueueId;

/// Where a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A chip's memory system (its L2 and HBM).
    Memory {
        /// The chip.
        chip: u32,
    },
    /// A tile (its semaphores, its SRAM port).
    Tile {
        /// The chip.
        chip: u32,
        /// The tile.
        tile: u32,
    },
    /// One of a tile's DMA engines (the replies to its requests).
    Engine {
        /// The chip.
        chip: u32,
        /// The tile.
        tile: u32,
        /// Its queue.
        queue: QueueId,
    },
}

impl Endpoint {
    /// The chip it is on.
    pub fn chip(self) -> u32 {
        match self {
            Endpoint::Memory { chip }
            | Endpoint::Tile { chip, .. }
            | Endpoint::Engine { chip, .. } => chip,
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// Read or write.
    pub write: bool,
    /// The memory.
    pub target: Target,
    /// Bytes read or written.
    pub bytes: u64,
    /// The byte offset of the first of them in the target memory.
    pub addr: u64,
    /// Header hops the request's round trip takes (1 on a chip, 2 across chips): the memory
    /// answers that much sooner, so a round trip costs the memory's configured latency.
    pub hops: u64,
    /// The engine that waits for the reply.
    pub reply_to: Reply,
    /// On a transfer's last write: the transfer, which the destination then commits.
    pub commit: Option<Box<Commit>>,
}

/// A transfer to be applied by the unit that owns its destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The transfer.
    pub transfer: Box<crate::dma::Transfer>,
    /// Who issued it: chip, tile, and the pc of its `dma.in` or `dma.out` (for a fault).
    pub by: (u32, u32, u64),
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Apply the transfer now: read its source, write its destination (owned by the receiver),
    /// and with flag 4 increment the destination tile's semaphore.
    Commit(Box<Commit>),
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
#[derive(Clone, Debug, PartialEq, Eq)]
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

impl Packet {
    /// The reply to a request of engine `to`: its read data (`bytes` of it, the tail `lag`
    /// cycles behind the head), or a write's acknowledgement (a header).
    pub fn done(
        from_chip: u32,
        source: u32,
        to: Reply,
        write: bool,
        bytes: u64,
        lag: u64,
    ) -> Packet {
        Packet {
            to: Endpoint::Engine {
                chip: to.chip,
                tile: to.tile,
                queue: to.queue,
            },
            from_chip,
            source,
            bytes: if write { 0 } else { bytes },
            header: write,
            lag,
            body: Body::Done { to, write },
        }
    }
}
