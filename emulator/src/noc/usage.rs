//! What the links of a mesh carried: counters for the stats, and utilization sampled for the
//! trace (docs/network.md, "Link counters").

use super::grid::Grid;
use super::router::{EAST, NORTH, SOUTH, WEST};
use crate::stats::{LinkStats, NocStats};
use crate::time::Cycle;
use crate::trace::{TraceSink, Track};

/// The window a trace sample covers, cycles.
pub const SAMPLE_CYCLES: u64 = 1000;

/// The chip-level trace track of the link utilization counters.
pub const TRACK: &str = "noc links";

/// The four directions a link can leave a router in, with their names.
const DIRECTIONS: [(usize, &str); 4] = [
    (EAST, "east"),
    (WEST, "west"),
    (NORTH, "north"),
    (SOUTH, "south"),
];

/// A link between two routers, one way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkId {
    /// The router it leaves.
    pub from: u32,
    /// Its output port there.
    pub port: usize,
    /// The router it enters.
    pub to: u32,
    /// The direction's name.
    pub direction: &'static str,
}

/// Every link of `grid`: by router leaving from, then east, west, north, south.
pub fn links(grid: &Grid) -> Vec<LinkId> {
    let p = grid.params();
    (0..p.nodes())
        .flat_map(|from| {
            DIRECTIONS.iter().filter_map(move |&(port, direction)| {
                p.neighbour(from, port).map(|to| LinkId {
                    from,
                    port,
                    to,
                    direction,
                })
            })
        })
        .collect()
}

/// The counters of every link of `grid` over the cycles before `now`.
pub fn stats(grid: &Grid, now: Cycle) -> NocStats {
    let p = grid.params();
    NocStats {
        cols_routers: p.cols,
        rows_routers: p.rows,
        links: links(grid)
            .into_iter()
            .map(|l| {
                let r = grid.router(l.from);
                LinkStats {
                    from_router: l.from,
                    to_router: l.to,
                    direction: l.direction.to_string(),
                    flits: grid.link_flits(l.from, l.port),
                    busy_cycles: r.reserved_cycles(l.port, now),
                    credit_stall_cycles: r.credit_stall_cycles(l.port),
                }
            })
            .collect(),
    }
}

/// Samples every link's utilization over windows of [`SAMPLE_CYCLES`] for the trace: when a
/// window closes, each link whose utilization (percent of the window's cycles it carried a
/// flit) differs from the window before gets a counter event at the window's start.
#[derive(Clone, Debug)]
pub struct Sampler {
    links: Vec<LinkId>,
    /// The counter name of each link: `(x,y) east %`.
    names: Vec<String>,
    /// The first cycle of the open window.
    start: Cycle,
    /// Each link's flits when the open window began.
    at_start: Vec<u64>,
    /// Each link's last value reported.
    shown: Vec<u64>,
}

impl Sampler {
    /// A sampler of `grid`'s links, its first window starting at cycle 0.
    pub fn new(grid: &Grid) -> Sampler {
        let p = *grid.params();
        let links = links(grid);
        let names = links
            .iter()
            .map(|l| {
                let (x, y) = p.position(l.from);
                format!("({x},{y}) {} %", l.direction)
            })
            .collect();
        let n = links.len();
        Sampler {
            links,
            names,
            start: Cycle::ZERO,
            at_start: vec![0; n],
            shown: vec![0; n],
        }
    }

    /// Reports the windows closed before `now` (`grid`'s counters cover the cycles before it)
    /// to `sink` on chip `chip`'s track.
    pub fn sample(&mut self, grid: &Grid, now: Cycle, chip: u32, sink: &mut dyn TraceSink) {
        let next = self.start + SAMPLE_CYCLES;
        if now < next {
            return;
        }
        self.close(grid, SAMPLE_CYCLES, chip, sink);
        // Windows the mesh never ran in carried nothing.
        let open = Cycle(now.get() - now.get() % SAMPLE_CYCLES);
        if open > next {
            self.start = next;
            self.close(grid, SAMPLE_CYCLES, chip, sink);
        }
        self.start = open;
    }

    /// Reports the open window, cut short at `end` where the run ended.
    pub fn finish(&mut self, grid: &Grid, end: Cycle, chip: u32, sink: &mut dyn TraceSink) {
        self.sample(grid, end, chip, sink);
        let len = end.since(self.start).get();
        if len > 0 {
            self.close(grid, len, chip, sink);
            self.start = end;
        }
    }

    /// Reports the window from `start`, `len` cycles long, and starts the next one.
    fn close(&mut self, grid: &Grid, len: u64, chip: u32, sink: &mut dyn TraceSink) {
        let track = Track::chip(chip, TRACK);
        for (i, l) in self.links.iter().enumerate() {
            let flits = grid.link_flits(l.from, l.port);
            let percent = (flits - self.at_start[i]) * 100 / len;
            self.at_start[i] = flits;
            if percent != self.shown[i] {
                self.shown[i] = percent;
                sink.counter(track, &self.names[i], self.start, percent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use isa::fuzz::SplitMix64;

    use super::*;
    use crate::config::Routing;
    use crate::noc::check::Checker;
    use crate::noc::flit::Flit;
    use crate::noc::grid::{Observer, Params};
    use crate::noc::router::PORTS;
    use crate::trace::{EventKind, VecSink};

    fn params(vcs: u32, depth: u32, stages: u32, link: u32, routing: Routing) -> Params {
        Params {
            cols: 5,
            rows: 4,
            vnets: 2,
            vcs_per_vnet: vcs,
            buffer_flits: depth,
            stages,
            link_latency: link,
            routing,
        }
    }

    /// Random packets for `cycles` cycles, then none until the mesh is empty: the grid, the
    /// checker that watched it, the cycle it emptied at and Σ flits × hops over the packets.
    fn flood(p: Params, rate_per_256: u64, cycles: u64, seed: u64) -> (Grid, Checker, u64, u64) {
        let mut grid = Grid::new(p);
        let mut checker = Checker::new(&grid);
        let mut rng = SplitMix64(seed);
        let (mut sent, mut flit_hops, mut now) = (0u32, 0u64, 0u64);
        let mut out = Vec::new();
        while now < cycles || grid.in_flight() > 0 {
            assert!(now < cycles + 200_000, "the mesh drains");
            if now < cycles {
                for src in 0..p.nodes() {
                    if rng.next_u64() % 256 < rate_per_256 {
                        let dst = (rng.next_u64() % u64::from(p.nodes())) as u32;
                        let flits = 1 + (rng.next_u64() % 6) as u32;
                        let vnet = (rng.next_u64() % 2) as u8;
                        grid.send(Cycle(now), u64::from(src), sent, src, dst, vnet, flits, 0);
                        flit_hops += u64::from(flits) * u64::from(p.hops(src, dst));
                        sent += 1;
                    }
                }
            }
            out.clear();
            grid.step(Cycle(now), &mut out, &mut checker);
            for &id in &out {
                checker.ejected(id);
            }
            now += 1;
        }
        assert!(checker.missing(sent).is_empty() && checker.violations.is_empty());
        (grid, checker, now, flit_hops)
    }

    #[test]
    fn link_flits_sum_to_packets_times_flits_times_hops_and_match_the_checker() {
        let configs = [
            params(1, 1, 1, 1, Routing::Xy),
            params(2, 2, 2, 2, Routing::Yx),
            params(3, 5, 3, 1, Routing::Xy),
        ];
        for (i, p) in configs.into_iter().enumerate() {
            let (grid, checker, now, flit_hops) = flood(p, 40, 2_000, 7 + i as u64);
            let s = stats(&grid, Cycle(now));
            assert_eq!((s.cols_routers, s.rows_routers), (5, 4));
            // 2 × (4 × 4 + 5 × 3) links: each pair of neighbours, both ways.
            assert_eq!(s.links.len(), 62);
            let total: u64 = s.links.iter().map(|l| l.flits).sum();
            assert_eq!(total, flit_hops, "config {i}");
            let mut stalls = 0;
            for l in &s.links {
                let port = DIRECTIONS.iter().find(|d| d.1 == l.direction).unwrap().0;
                assert_eq!(
                    l.flits,
                    checker.flits[l.from_router as usize * PORTS + port]
                );
                assert_eq!(p.hops(l.from_router, l.to_router), 1);
                assert!(
                    l.flits + l.credit_stall_cycles <= l.busy_cycles && l.busy_cycles <= now,
                    "config {i}: {l:?} over {now} cycles"
                );
                stalls += l.credit_stall_cycles;
            }
            if i == 0 {
                // One-flit buffers: every multi-flit packet waits for credits.
                assert!(stalls > 0, "config {i}: no credit stall");
            }
        }
    }

    #[test]
    fn a_lone_packet_holds_each_link_on_its_way_for_its_flits_and_the_router_stages() {
        for (stages, link, flits) in [(1, 1, 1), (2, 1, 4), (3, 2, 5)] {
            let p = params(2, 8, stages, link, Routing::Xy);
            let mut grid = Grid::new(p);
            let (src, dst) = (0, 18); // (0,0) to (3,3)
            grid.send(Cycle(0), 0, 0, src, dst, 0, flits, 0);
            let mut out = Vec::new();
            let mut now = Cycle(1);
            while out.is_empty() {
                grid.step(now, &mut out, &mut Blind);
                now += 1;
            }
            let s = stats(&grid, now);
            let on_path = |l: &LinkStats| {
                let ((fx, fy), (tx, ty)) = (p.position(l.from_router), p.position(l.to_router));
                (fy == 0 && ty == 0 && tx > fx && tx <= 3) || (fx == 3 && tx == 3 && ty > fy)
            };
            let mut used = 0;
            for l in &s.links {
                if on_path(l) {
                    used += 1;
                    assert_eq!(l.flits, u64::from(flits));
                    // The head takes its channel on arrival and crosses stages - 1 later;
                    // the tail crosses flits - 1 after it.
                    assert_eq!(l.busy_cycles, u64::from(stages - 1 + flits), "{l:?}");
                    assert_eq!(l.credit_stall_cycles, 0);
                } else {
                    assert_eq!((l.flits, l.busy_cycles, l.credit_stall_cycles), (0, 0, 0));
                }
            }
            assert_eq!(used, p.hops(src, dst));
        }
    }

    use crate::noc::grid::Blind;

    /// Every flit leaving on a link, with its cycle.
    #[derive(Default)]
    struct Crossings(Vec<(u64, u32, usize)>);

    impl Observer for Crossings {
        fn flit(&mut self, now: Cycle, node: u32, port: usize, _: usize, _: &Flit) {
            self.0.push((now.get(), node, port));
        }
    }

    #[test]
    fn trace_samples_are_each_windows_utilization_reported_when_it_changes() {
        let p = params(2, 4, 2, 1, Routing::Xy);
        let mut grid = Grid::new(p);
        let mut sampler = Sampler::new(&grid);
        let mut sink = VecSink::new();
        let mut crossings = Crossings::default();
        let mut rng = SplitMix64(3);
        // Bursts of traffic with idle stretches of several windows between them, the mesh run
        // only when it asks to be, as a chip runs it.
        let mut sends: Vec<(u64, u32, u32, u32)> = Vec::new();
        for burst in [0u64, 700, 1900, 6300] {
            for k in 0..60 {
                let src = (rng.next_u64() % 20) as u32;
                let dst = (rng.next_u64() % 20) as u32;
                sends.push((burst + 3 * k, src, dst, 1 + (k % 4) as u32));
            }
        }
        let mut out = Vec::new();
        let mut next = 0;
        let mut now = Cycle(0);
        loop {
            while next < sends.len() && sends[next].0 == now.get() {
                let (_, s, d, f) = sends[next];
                grid.send(now, 0, next as u32, s, d, 0, f, 0);
                next += 1;
            }
            let wake = grid.next_wake(now);
            let send = sends.get(next).map(|s| Cycle(s.0));
            let Some(t) = [wake, send].into_iter().flatten().min() else {
                break;
            };
            now = t;
            if wake == Some(t) {
                sampler.sample(&grid, t, 0, &mut sink);
                grid.step(t, &mut out, &mut crossings);
            }
        }
        let end = now + 10;
        sampler.finish(&grid, end, 0, &mut sink);
        // The reference: per window and link, the flits that left in it.
        let all = links(&grid);
        let windows = end.get().div_ceil(SAMPLE_CYCLES);
        let mut expected = Vec::new();
        let mut shown = vec![0; all.len()];
        for w in 0..windows {
            let start = w * SAMPLE_CYCLES;
            let len = SAMPLE_CYCLES.min(end.get() - start);
            for (i, l) in all.iter().enumerate() {
                let flits = crossings
                    .0
                    .iter()
                    .filter(|c| c.0 / SAMPLE_CYCLES == w && (c.1, c.2) == (l.from, l.port))
                    .count() as u64;
                let percent = flits * 100 / len;
                if percent != shown[i] {
                    shown[i] = percent;
                    let (x, y) = p.position(l.from);
                    expected.push((start, format!("({x},{y}) {} %", l.direction), percent));
                }
            }
        }
        let got: Vec<(u64, String, u64)> = sink
            .events
            .iter()
            .map(|e| match e.kind {
                EventKind::Counter { at, value } => {
                    assert_eq!(e.track, Track::chip(0, TRACK));
                    (at.get(), e.name.clone(), value)
                }
                _ => panic!("only counters"),
            })
            .collect();
        assert!(expected.iter().any(|e| e.2 == 0), "some link falls idle");
        assert!(expected.len() > 20);
        assert_eq!(got, expected);
    }
}
