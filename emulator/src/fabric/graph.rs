//! The edge-list file of `topology.kind = "graph"` (`topology.graph_file`): one undirected link
//! per line, `A B [GB/s [ns]]`, chips numbered from 0; the bandwidth (each way) and latency
//! default to `fabric.link_gb_per_s` and `fabric.link_latency_ns`. `#` starts a comment; blank
//! lines are skipped.

use std::collections::BTreeSet;

use super::topology::Wire;
use crate::time::Clock;

/// What is wrong with a line (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// The line.
    pub line: usize,
    /// What is wrong, in words.
    pub reason: String,
}

/// One link of the file and the line it is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// One end.
    pub a: u32,
    /// The other end.
    pub b: u32,
    /// Its bandwidth and latency.
    pub wire: Wire,
    /// Its line.
    pub line: usize,
}

/// Bandwidths a file may give, GB/s.
const GB_PER_S: (f64, f64) = (0.001, 100_000.0);
/// Latencies a file may give, ns.
const NS: (f64, f64) = (0.001, 1_000_000.0);

/// The links of `text` among `chips` chips, each chip on at most `ports` of them.
pub fn parse(
    text: &str,
    chips: u32,
    ports: u32,
    default: Wire,
    clock: Clock,
) -> Result<Vec<Edge>, LineError> {
    let mut edges = Vec::new();
    let mut seen = BTreeSet::new();
    let mut degree = vec![0u32; chips as usize];
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let err = |reason: String| LineError { line, reason };
        let fields: Vec<&str> = raw
            .split('#')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if fields.is_empty() {
            continue;
        }
        if !(2..=4).contains(&fields.len()) {
            return Err(err(format!(
                "expected `chip chip [GB/s [latency ns]]`, found `{}`",
                raw.trim()
            )));
        }
        let chip = |s: &str| -> Result<u32, LineError> {
            match s.parse::<u32>() {
                Ok(c) if c < chips => Ok(c),
                Ok(c) => Err(err(format!(
                    "chip {c} is not below topology.chips = {chips}"
                ))),
                Err(_) => Err(err(format!("`{s}` is not a chip number"))),
            }
        };
        let (a, b) = (chip(fields[0])?, chip(fields[1])?);
        if a == b {
            return Err(err(format!(
                "a link joins two different chips, not {a} and {a}"
            )));
        }
        if !seen.insert((a.min(b), a.max(b))) {
            return Err(err(format!("chips {a} and {b} are linked twice")));
        }
        let number = |s: &str, what: &str, (lo, hi): (f64, f64)| -> Result<f64, LineError> {
            match s.parse::<f64>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(v),
                _ => Err(err(format!("{what} `{s}` is not a number in {lo}..={hi}"))),
            }
        };
        let mut wire = default;
        if let Some(s) = fields.get(2) {
            let gb = number(s, "bandwidth (GB/s)", GB_PER_S)?;
            wire.bandwidth = clock
                .bandwidth_from_gb_per_s(gb)
                .map_err(|e| err(format!("bandwidth `{s}`: {e}")))?;
        }
        if let Some(s) = fields.get(3) {
            let ns = number(s, "latency (ns)", NS)?;
            wire.latency = clock
                .cycles_from_ns(ns)
                .map_err(|e| err(format!("latency `{s}`: {e}")))?;
        }
        for c in [a, b] {
            degree[c as usize] += 1;
            if degree[c as usize] > ports {
                return Err(err(format!(
                    "chip {c} would have {} links, and fabric.links = {ports}",
                    degree[c as usize]
                )));
            }
        }
        edges.push(Edge { a, b, wire, line });
    }
    Ok(edges)
}
