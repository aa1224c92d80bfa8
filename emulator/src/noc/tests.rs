//! The mesh against its zero-load formula and a hop-by-hop reference, and under random traffic
//! far past saturation against the checker's rules.

use isa::fuzz::SplitMix64;

use super::check::Checker;
use super::grid::{Blind, Grid, Params};
use super::traffic::{self, Load, Pattern};
use crate::config::Routing;
use crate::time::Cycle;

fn params(cols: u32, rows: u32, stages: u32, link: u32, routing: Routing) -> Params {
    Params {
        cols,
        rows,
        vnets: 2,
        vcs_per_vnet: 2,
        buffer_flits: 4,
        stages,
        link_latency: link,
        routing,
    }
}

/// The latency of a lone packet, walked hop by hop along its dimension-order path: one cycle
/// into the source router, each router's stages, each link's latency, then one cycle per flit
/// after the head (or the sender's lag, if longer).
fn reference(p: &Params, src: u32, dst: u32, flits: u32, lag: u64) -> u64 {
    let (mut x, mut y) = (src % p.cols, src / p.cols);
    let (dx, dy) = (dst % p.cols, dst / p.cols);
    let mut cycles = 1 + u64::from(p.stages);
    loop {
        let x_first = p.routing == Routing::Xy;
        let step_x = x != dx && (x_first || y == dy);
        let step_y = y != dy && (!x_first || x == dx);
        if step_x {
            x = if dx > x { x + 1 } else { x - 1 };
        } else if step_y {
            y = if dy > y { y + 1 } else { y - 1 };
        } else {
            break;
        }
        cycles += u64::from(p.link_latency) + u64::from(p.stages);
    }
    cycles + u64::from(flits - 1).max(lag)
}

/// Sends one packet at `start` into an idle `grid` and runs it until the packet is out.
fn lone(grid: &mut Grid, start: u64, src: u32, dst: u32, vnet: u8, flits: u32, lag: u64) -> u64 {
    assert_eq!(grid.next_wake(Cycle(start)), None, "the mesh is idle");
    grid.send(Cycle(start), 0, 7, src, dst, vnet, flits, lag);
    let mut now = grid.next_wake(Cycle(start)).unwrap();
    assert_eq!(now, Cycle(start + 1));
    let mut out = Vec::new();
    loop {
        grid.step(now, &mut out, &mut Blind);
        if !out.is_empty() {
            assert_eq!(out, [7]);
            return now.get() - start;
        }
        now = grid
            .next_wake(now)
            .expect("a packet in flight keeps the mesh awake");
    }
}

#[test]
fn zero_load_latency_is_the_formula_for_every_pair() {
    for p in [
        params(6, 6, 2, 1, Routing::Xy),
        params(4, 4, 1, 1, Routing::Xy),
        params(5, 3, 3, 2, Routing::Yx),
    ] {
        let mut grid = Grid::new(p);
        let mut start = 3;
        for src in 0..p.nodes() {
            for dst in 0..p.nodes() {
                for (flits, lag, vnet) in [(1, 0, 0), (3, 0, 1), (2, 5, 0)] {
                    let got = lone(&mut grid, start, src, dst, vnet, flits, lag);
                    let formula = p.zero_load_latency(p.hops(src, dst), flits, lag);
                    assert_eq!(got, formula, "{p:?} {src}->{dst}, {flits} flits, lag {lag}");
                    assert_eq!(got, reference(&p, src, dst, flits, lag));
                    start += got + 1;
                }
            }
        }
    }
}

#[test]
fn the_minimum_latency_is_a_one_flit_packet_to_its_own_router() {
    let p = params(4, 4, 2, 1, Routing::Xy);
    let mut grid = Grid::new(p);
    let fastest = (0..p.nodes())
        .flat_map(|s| (0..p.nodes()).map(move |d| (s, d)))
        .map(|(s, d)| lone(&mut grid, 0, s, d, 0, 1, 0))
        .min();
    assert_eq!(fastest, Some(p.zero_load_latency(0, 1, 0)));
    assert_eq!(fastest, Some(3));
}

#[test]
fn a_lone_packet_visits_only_the_routers_on_its_way() {
    let p = params(8, 8, 2, 1, Routing::Xy);
    let mut grid = Grid::new(p);
    let cycles = lone(&mut grid, 0, 0, 63, 0, 4, 0);
    // A router is visited while a flit is in it or on the link to it.
    assert!(
        grid.router_visits <= 15 * 8 + cycles,
        "{} visits in {cycles} cycles",
        grid.router_visits
    );
    assert!(grid.router_visits < u64::from(p.nodes()) * cycles / 4);
}

/// Random traffic at `rate` flits per node per cycle for `cycles`, then none until the mesh is
/// empty; every cycle checked.
fn flood(p: Params, rate_per_256: u64, cycles: u64, seed: u64) -> (Checker, u64) {
    let mut grid = Grid::new(p);
    let mut checker = Checker::new(&grid);
    let mut rng = SplitMix64(seed);
    let mut sent = 0u32;
    let mut out = Vec::new();
    let mut now = 0;
    let limit = cycles + 200_000;
    while now < limit {
        if now < cycles {
            for src in 0..p.nodes() {
                if rng.next_u64() % 256 < rate_per_256 {
                    let dst = (rng.next_u64() % u64::from(p.nodes())) as u32;
                    let flits = 1 + (rng.next_u64() % 6) as u32;
                    let vnet = (rng.next_u64() % 2) as u8;
                    grid.send(Cycle(now), u64::from(src), sent, src, dst, vnet, flits, 0);
                    sent += 1;
                }
            }
        } else if grid.in_flight() == 0 {
            break;
        }
        out.clear();
        grid.step(Cycle(now), &mut out, &mut checker);
        for &id in &out {
            checker.ejected(id);
        }
        checker.buffers(Cycle(now), &grid);
        now += 1;
    }
    let missing = checker.missing(sent);
    assert!(
        missing.is_empty(),
        "{} packets never came out",
        missing.len()
    );
    assert_eq!(grid.next_wake(Cycle(now)), None, "an empty mesh sleeps");
    (checker, now)
}

#[test]
fn random_traffic_far_past_saturation_is_conserved_and_never_deadlocks() {
    for (i, (vcs, depth, routing)) in [
        (1, 1, Routing::Xy),
        (2, 2, Routing::Yx),
        (3, 5, Routing::Xy),
    ]
    .into_iter()
    .enumerate()
    {
        let p = Params {
            vcs_per_vnet: vcs,
            buffer_flits: depth,
            ..params(5, 4, 1 + i as u32, 1 + i as u32 % 2, routing)
        };
        // Every node offers a packet of 3.5 flits on average half the cycles: far past what
        // the mesh can carry.
        let (checker, cycles) = flood(p, 128, 3_000, 42 + i as u64);
        assert!(
            checker.violations.is_empty(),
            "{:?}",
            &checker.violations[..3.min(checker.violations.len())]
        );
        assert!(cycles > 3_000);
        assert!(checker.flits.iter().any(|&f| f > 0));
    }
}

#[test]
fn the_checker_catches_a_link_carrying_two_flits_in_a_cycle() {
    use super::flit::Flit;
    use super::grid::Observer;
    let grid = Grid::new(params(2, 2, 1, 1, Routing::Xy));
    let mut checker = Checker::new(&grid);
    let f = Flit {
        packet: 0,
        dst: (1, 0),
        vnet: 0,
        head: true,
        tail: true,
        ready: Cycle(0),
    };
    checker.flit(Cycle(4), 0, 0, 0, &f);
    checker.flit(Cycle(5), 0, 0, 1, &f);
    assert!(checker.violations.is_empty());
    checker.flit(Cycle(5), 0, 0, 0, &f);
    assert_eq!(checker.violations.len(), 1);
    checker.ejected(3);
    checker.ejected(3);
    assert_eq!(checker.violations.len(), 2);
    assert_eq!(checker.missing(4), [0, 1, 2, 3]);
}

fn load(rate: f64, seed: u64) -> Load {
    Load {
        params: params(4, 4, 2, 1, Routing::Xy),
        pattern: Pattern::Uniform,
        rate,
        packet_flits: 4,
        warmup: 500,
        cycles: 2_000,
        seed,
    }
}

#[test]
fn synthetic_traffic_is_deterministic_and_low_load_latency_is_near_zero_load() {
    let a = traffic::run(&load(0.05, 1));
    let b = traffic::run(&load(0.05, 1));
    assert_eq!(
        (
            a.avg_packet_latency_cycles,
            a.p99_packet_latency_cycles,
            a.packets
        ),
        (
            b.avg_packet_latency_cycles,
            b.p99_packet_latency_cycles,
            b.packets
        )
    );
    // Uniform traffic on 4x4 with self-traffic: 2.5 hops on average.
    let p = load(0.0, 0).params;
    let zero = (0..16)
        .flat_map(|s| (0..16).map(move |d| (s, d)))
        .map(|(s, d)| p.zero_load_latency(p.hops(s, d), 4, 0) as f64)
        .sum::<f64>()
        / 256.0;
    assert!(!a.saturated);
    assert!(
        a.avg_packet_latency_cycles >= zero * 0.9,
        "{} vs {zero}",
        a.avg_packet_latency_cycles
    );
    assert!(
        a.avg_packet_latency_cycles <= zero * 1.3,
        "{} vs {zero}",
        a.avg_packet_latency_cycles
    );
    assert!((a.accepted_flits_per_node_cycle - 0.05).abs() < 0.01);
}

#[test]
fn a_sweep_finds_a_saturation_below_the_bisection_bound() {
    let points = traffic::sweep(&load(0.0, 3), 0.1);
    let sat = traffic::saturation(&points);
    // Uniform traffic on a k×k mesh: the bisection carries at most 4/k flits per node per
    // cycle (k = 4: 1.0); a real router reaches well under it.
    assert!(sat > 0.2 && sat < 1.0, "{sat}");
    let last = points.last().unwrap();
    assert!(
        last.saturated
            || last.accepted_flits_per_node_cycle < 0.95 * last.offered_flits_per_node_cycle
    );
    // Latency grows with load.
    assert!(points[0].avg_packet_latency_cycles < last.avg_packet_latency_cycles);
}
