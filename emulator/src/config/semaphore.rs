//! `[semaphore]`: each tile's hardware semaphores.

use serde::{Deserialize, Serialize};

use super::validate::{KeySpec, int};

/// `[semaphore]`: each tile's hardware semaphores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SemaphoreConfig {
    /// Semaphores per tile.
    pub count: u32,
}

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    int!("semaphore.count", "semaphores", 1, 32, |c| c.semaphore.count,
        "ZW-1: 32 hardware semaphores per tile"),
];
