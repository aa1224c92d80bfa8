//! A checker for the mesh's rules, watching it cycle by cycle: no link carries more than one flit
//! in a cycle, no buffer holds more flits than its depth, no credit count exceeds it, and every
//! packet sent comes out exactly once.

use super::flit::Flit;
use super::grid::{Grid, Observer};
use super::router::{LOCAL, PORTS};
use crate::time::Cycle;

/// What the checker saw go wrong, and the traffic it counted.
#[derive(Debug, Default)]
pub struct Checker {
    /// Per link (router × port): the last cycle a flit left on it.
    last: Vec<Option<Cycle>>,
    /// Per link: flits it carried.
    pub flits: Vec<u64>,
    /// Per packet number: times it came out.
    out: Vec<u32>,
    /// Broken rules, in words.
    pub violations: Vec<String>,
}

impl Checker {
    /// A checker for `grid`.
    pub fn new(grid: &Grid) -> Checker {
        let links = grid.params().nodes() as usize * PORTS;
        Checker {
            last: vec![None; links],
            flits: vec![0; links],
            ..Checker::default()
        }
    }

    /// Records packet `packet` coming out.
    pub fn ejected(&mut self, packet: u32) {
        let i = packet as usize;
        if self.out.len() <= i {
            self.out.resize(i + 1, 0);
        }
        self.out[i] += 1;
        if self.out[i] > 1 {
            self.violations
                .push(format!("packet {packet} came out twice"));
        }
    }

    /// Packets `0..sent` that have not come out, and any that came out more than once.
    pub fn missing(&self, sent: u32) -> Vec<u32> {
        (0..sent)
            .filter(|&p| self.out.get(p as usize).copied().unwrap_or(0) != 1)
            .collect()
    }

    /// Checks every buffer and credit count of `grid` against the buffer depth.
    pub fn buffers(&mut self, now: Cycle, grid: &Grid) {
        let p = grid.params();
        let depth = p.buffer_flits;
        let vcs = (p.vnets * p.vcs_per_vnet) as usize;
        for n in 0..p.nodes() {
            let r = grid.router(n);
            for port in 0..PORTS {
                for vc in 0..vcs {
                    let held = r.occupancy(port, vc);
                    if held > depth as usize {
                        self.violations.push(format!(
                            "cycle {now}: router {n} port {port} vc {vc} holds {held} flits"
                        ));
                    }
                    if port != LOCAL && r.credit(port, vc) > depth {
                        self.violations.push(format!(
                            "cycle {now}: router {n} port {port} vc {vc} has {} credits",
                            r.credit(port, vc)
                        ));
                    }
                }
            }
        }
    }
}

impl Observer for Checker {
    fn flit(&mut self, now: Cycle, node: u32, port: usize, _vc: usize, _flit: &Flit) {
        let link = node as usize * PORTS + port;
        if self.last[link] == Some(now) {
            self.violations.push(format!(
                "cycle {now}: two flits on the link of router {node} port {port}"
            ));
        }
        self.last[link] = Some(now);
        self.flits[link] += 1;
    }
}
