//! `[host]`: the link to the host: its keys, rows and timing.

use serde::{Deserialize, Serialize};

use super::resolve::Units;
use super::validate::{KeySpec, float, unread};
use super::{Config, ConfigError};
use crate::time::{Bandwidth, Cycle};

/// `[host]`: the link to the host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// Bandwidth each way, GB/s.
    pub gb_per_s: f64,
    /// One-way latency, ns.
    pub latency_ns: f64,
}

/// Why nothing reads the host keys.
const NOT_SIMULATED: &str =
    "the host link is not simulated (loads and dumps take no simulated time)";

/// The rows of this table's keys, in docs order.
#[rustfmt::skip]
pub(super) const KEYS: &[KeySpec] = &[
    unread(float!("host.gb_per_s", "GB/s", 1.0, 512.0, |c| c.host.gb_per_s,
        "ZW-1: PCIe 5.0 x16, ~64 GB/s each way (Zhenwu 810E)"), NOT_SIMULATED),
    unread(float!("host.latency_ns", "ns", 1.0, 1_000_000.0, |c| c.host.latency_ns,
        "PCIe round trips are about 1–2 µs"), NOT_SIMULATED),
];

/// The host link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostTiming {
    /// Peak bandwidth, each way.
    pub bandwidth: Bandwidth,
    /// One-way latency.
    pub latency: Cycle,
}

/// Converts this table's values.
pub(super) fn resolve(c: &Config, u: &Units) -> Result<HostTiming, ConfigError> {
    Ok(HostTiming {
        bandwidth: u.gb(c.host.gb_per_s, "host.gb_per_s")?,
        latency: u.ns(c.host.latency_ns, "host.latency_ns")?,
    })
}
