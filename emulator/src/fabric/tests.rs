//! The link model against its formula and a cycle-by-cycle reference; sharing, credits, routes
//! and the graph file.

use std::collections::VecDeque;
use std::sync::Arc;

use super::graph::{self, LineError};
use super::route::{Hop, Routes, cycle_among, dependency_cycle};
use super::topology::{Topology, Wire};
use super::{LinkFabric, Params};
use crate::network::Fabric;
use crate::sim::message::{Body, Endpoint, Packet};
use crate::time::{Bandwidth, Clock, Cycle};

/// A wire of `bytes / cycles` bytes per cycle and `latency` cycles.
fn wire(bytes: u64, cycles: u64, latency: u64) -> Wire {
    Wire {
        bandwidth: Bandwidth::new(bytes, cycles).unwrap(),
        latency: Cycle(latency),
    }
}

const PARAMS: Params = Params {
    max_message: 4096,
    overhead: 24,
    buffer: 65536,
};

fn packet(from: u32, to: u32, bytes: u64) -> Packet {
    Packet {
        to: Endpoint::Tile { chip: to, tile: 0 },
        from_chip: from,
        source: 0,
        bytes,
        header: bytes == 0,
        lag: 0,
        body: Body::Signal {
            sem: 0,
            amount: 1,
            from: (from, 0, 0),
        },
    }
}

/// Runs `f` until nothing is in flight: each packet's arrival cycle and destination chip.
fn drain(f: &mut LinkFabric) -> Vec<(Cycle, u32)> {
    let mut got = Vec::new();
    let mut out = Vec::new();
    while let Some(t) = f.next_wake() {
        f.evaluate(t, &mut out);
        got.extend(out.drain(..).map(|p| (t, p.to.chip())));
    }
    got
}

/// Every topology kind, small, with wires whose bandwidths are fractions of a byte per cycle.
fn topologies() -> Vec<(&'static str, Topology)> {
    let w = wire(100, 3, 7);
    let slow = wire(5, 2, 4);
    let file = "\
# a ring of 5 with a chord, and a tail: links of their own speeds
0 1 40 9
1 2
2 3 60 3
3 4 25
4 0
1 3 100 2
4 5 30 11
5 6
";
    let edges = graph::parse(file, 7, 4, w, Clock::from_ghz(1.0).unwrap()).unwrap();
    let edges: Vec<_> = edges.iter().map(|e| (e.a, e.b, e.wire)).collect();
    vec![
        ("ring one way", Topology::ring(5, false, w)),
        ("ring both ways", Topology::ring(6, true, w)),
        ("ring of 2", Topology::ring(2, true, w)),
        ("torus 4x3", Topology::torus(&[4, 3], true, w)),
        ("torus 2x3x2", Topology::torus(&[2, 3, 2], true, w)),
        ("torus 3x3 one way", Topology::torus(&[3, 3], false, w)),
        ("all-to-all", Topology::all_to_all(5, w)),
        ("server", Topology::server(19, 8, w, slow, Cycle(3))),
        ("switch", Topology::switch(6, w, Cycle(3))),
        ("graph", Topology::graph(7, &edges)),
    ]
}

/// The fewest links from `src` to `dst`, by a search of the link list alone.
fn distance(t: &Topology, src: u32, dst: u32) -> usize {
    let mut dist = vec![usize::MAX; t.nodes() as usize];
    dist[src as usize] = 0;
    let mut queue = VecDeque::from([src]);
    while let Some(n) = queue.pop_front() {
        for l in &t.links {
            if l.from == n && dist[l.to as usize] == usize::MAX {
                dist[l.to as usize] = dist[n as usize] + 1;
                queue.push_back(l.to);
            }
        }
    }
    dist[dst as usize]
}

/// The formula: every link's latency, every switch passed, and the slowest link's
/// serialization of the message's bytes on the wire.
fn formula(t: &Topology, route: &[Hop], wire_bytes: u64) -> Cycle {
    let mut total = Cycle::ZERO;
    let mut slowest = Cycle::ZERO;
    for h in route {
        let l = t.links[h.link as usize];
        total += l.latency + t.hop_latency(l.to);
        slowest = slowest.max(l.bandwidth.cycles_for(wire_bytes));
    }
    total + slowest
}

/// The same time, stepped cycle by cycle: in each cycle a link's sender has moved as many
/// whole bytes as its bandwidth allows since the head reached it, and no more than have
/// reached it. The message is in when all its bytes have crossed the last link.
fn stepped(t: &Topology, route: &[Hop], wire_bytes: u64) -> Cycle {
    let k = route.len();
    // The head reaches link i's sender at head[i]; each byte then takes delay[i] to the next.
    let mut head = vec![0u64; k];
    let mut delay = vec![0u64; k];
    for (i, h) in route.iter().enumerate() {
        let l = t.links[h.link as usize];
        delay[i] = (l.latency + t.hop_latency(l.to)).get();
        if i + 1 < k {
            head[i + 1] = head[i] + delay[i];
        }
    }
    let mut crossed: Vec<Vec<u64>> = vec![Vec::new(); k];
    for now in 0u64.. {
        for i in 0..k {
            let b = t.links[route[i].link as usize].bandwidth;
            let here = if i == 0 {
                wire_bytes
            } else {
                now.checked_sub(delay[i - 1])
                    .map_or(0, |s| crossed[i - 1][s as usize])
            };
            let pace = now.checked_sub(head[i]).map_or(0, |d| {
                (u128::from(d) * u128::from(b.bytes()) / u128::from(b.cycles())) as u64
            });
            crossed[i].push(here.min(pace));
        }
        if crossed[k - 1][now as usize] == wire_bytes {
            return Cycle(now + delay[k - 1]);
        }
    }
    unreachable!()
}

#[test]
fn an_idle_path_takes_the_formula_for_every_pair_on_every_topology() {
    let t0 = Cycle(10);
    for (name, t) in topologies() {
        assert_eq!(t.unreachable(), None, "{name}");
        let routes = Routes::new(&t);
        for src in 0..t.chips {
            for dst in (0..t.chips).filter(|&d| d != src) {
                let route = routes.route(&t, src, dst);
                // A connected walk of the fewest links.
                assert_eq!(route.len(), distance(&t, src, dst), "{name} {src}->{dst}");
                let ends: Vec<_> = route.iter().map(|h| t.links[h.link as usize]).collect();
                assert_eq!(ends[0].from, src, "{name}");
                assert_eq!(ends[ends.len() - 1].to, dst, "{name}");
                assert!(ends.windows(2).all(|w| w[0].to == w[1].from), "{name}");
                for bytes in [0, 1, 256, 4096 - 24, 4096] {
                    let w = bytes + PARAMS.overhead;
                    let expected = formula(&t, &route, w);
                    assert_eq!(
                        stepped(&t, &route, w),
                        expected,
                        "{name} {src}->{dst} {bytes}"
                    );
                    let mut f = LinkFabric::new(Arc::new(t.clone()), PARAMS);
                    f.send(t0, packet(src, dst, bytes));
                    assert_eq!(
                        drain(&mut f),
                        [(t0 + expected, dst)],
                        "{name} {src}->{dst} {bytes} B"
                    );
                }
            }
        }
    }
}

#[test]
fn a_packet_larger_than_a_message_streams_as_messages_of_the_maximum_size() {
    let t = Topology::ring(4, true, wire(100, 3, 7));
    let routes = Routes::new(&t);
    let route = routes.route(&t, 0, 2);
    let bytes = 3 * 4096 + 100;
    let wire_bytes = bytes + 4 * PARAMS.overhead;
    let mut f = LinkFabric::new(Arc::new(t.clone()), PARAMS);
    f.send(Cycle(0), packet(0, 2, bytes));
    // The four messages follow one another at the wire's pace: the last tail is in after the
    // latencies and the serialization of all their bytes.
    assert_eq!(drain(&mut f), [(formula(&t, &route, wire_bytes), 2)]);
    let c = &f.counters()[route[0].link as usize];
    assert_eq!((c.messages, c.bytes), (4, wire_bytes));
}

#[test]
fn two_senders_share_a_link() {
    let (lat, hop) = (7, 3);
    let w = wire(100, 3, lat);
    let t = Topology::switch(3, w, Cycle(hop));
    let mut f = LinkFabric::new(Arc::new(t.clone()), PARAMS);
    let bytes = 1000;
    let wire_bytes = bytes + PARAMS.overhead;
    f.send(Cycle(0), packet(0, 2, bytes));
    f.send(Cycle(0), packet(1, 2, bytes));
    let got = drain(&mut f);
    let alone = 2 * lat + hop + w.bandwidth.cycles_for(wire_bytes).get();
    let shared = 2 * lat + hop + w.bandwidth.cycles_for(2 * wire_bytes).get();
    assert_eq!(got, [(Cycle(alone), 2), (Cycle(shared), 2)]);
    let into_2 = t.link(3, 2).unwrap() as usize;
    assert_eq!(f.counters()[into_2].bytes, 2 * wire_bytes);
    assert_eq!(
        f.counters()[into_2].busy_cycles,
        w.bandwidth.cycles_for(2 * wire_bytes).get() - 1,
        "busy: whole cycles of 2 × 1024 B at 100/3 B per cycle (61.44)"
    );
}

#[test]
fn credits_bound_the_bytes_in_flight() {
    let lat = 50;
    let w = wire(64, 1, lat);
    let t = Topology::ring(2, true, w);
    let bytes = 1000;
    let one = bytes + PARAMS.overhead;
    let n = 10;
    // A buffer of one message: each waits for the last one's credit to come back.
    let small = Params {
        buffer: one,
        ..PARAMS
    };
    let mut f = LinkFabric::new(Arc::new(t.clone()), small);
    for _ in 0..n {
        f.send(Cycle(0), packet(0, 1, bytes));
    }
    let got = drain(&mut f);
    let c = w.bandwidth.cycles_for(one).get();
    let expected: Vec<_> = (0..n)
        .map(|k| (Cycle(k * (c + 2 * lat) + c + lat), 1))
        .collect();
    assert_eq!(got, expected);
    let link = &f.counters()[t.link(0, 1).unwrap() as usize];
    assert_eq!(link.peak_buffered, one);
    assert_eq!(link.credit_stalls, n - 1);
    // A buffer that covers the round trip: the wire's pace alone.
    let mut f = LinkFabric::new(Arc::new(t.clone()), PARAMS);
    for _ in 0..n {
        f.send(Cycle(0), packet(0, 1, bytes));
    }
    let last = drain(&mut f).last().copied();
    assert_eq!(
        last,
        Some((Cycle(lat + w.bandwidth.cycles_for(n * one).get()), 1))
    );
    let link = &f.counters()[t.link(0, 1).unwrap() as usize];
    assert!(link.peak_buffered <= PARAMS.buffer);
    assert_eq!(link.credit_stalls, 0);
}

#[test]
fn routes_are_deadlock_free_on_every_topology() {
    for (name, t) in topologies() {
        let r = Routes::new(&t);
        assert_eq!(dependency_cycle(&t, &r), None, "{name}");
    }
    let big = [
        Topology::ring(16, true, wire(1, 1, 1)),
        Topology::torus(&[4, 4, 4], true, wire(1, 1, 1)),
        Topology::server(32, 8, wire(1, 1, 1), wire(1, 1, 1), Cycle(1)),
    ];
    for t in big {
        assert_eq!(
            dependency_cycle(&t, &Routes::new(&t)),
            None,
            "{:?}",
            t.shape
        );
    }
}

#[test]
fn the_checker_finds_the_cycle_a_ring_without_a_dateline_has() {
    let t = Topology::ring(5, true, wire(1, 1, 1));
    let r = Routes::new(&t);
    let one_vc = (0..5)
        .flat_map(|s| (0..5).map(move |d| (s, d)))
        .map(|(s, d)| {
            r.route(&t, s, d)
                .into_iter()
                .map(|h| Hop { vc: 0, ..h })
                .collect()
        });
    let cycle = cycle_among(one_vc).expect("a ring on one VC has a dependency cycle");
    assert!(cycle.len() >= 2);
}

#[test]
fn the_graph_file_is_refused_line_by_line() {
    let w = wire(1, 1, 1);
    let clock = Clock::from_ghz(1.0).unwrap();
    let bad = |text: &str, ports: u32| graph::parse(text, 4, ports, w, clock).unwrap_err();
    let e = |line: usize, reason: &str| LineError {
        line,
        reason: reason.to_string(),
    };
    assert_eq!(
        bad("0 1\n\n# fine\n1 two\n", 7),
        e(4, "`two` is not a chip number")
    );
    assert_eq!(
        bad("0 1\n1 2 3 4 5\n", 7),
        e(
            2,
            "expected `chip chip [GB/s [latency ns]]`, found `1 2 3 4 5`"
        )
    );
    assert_eq!(
        bad("0 4\n", 7),
        e(1, "chip 4 is not below topology.chips = 4")
    );
    assert_eq!(
        bad("1 1\n", 7),
        e(1, "a link joins two different chips, not 1 and 1")
    );
    assert_eq!(bad("0 1\n1 0\n", 7), e(2, "chips 1 and 0 are linked twice"));
    assert_eq!(
        bad("0 1 fast\n", 7),
        e(
            1,
            "bandwidth (GB/s) `fast` is not a number in 0.001..=100000"
        )
    );
    assert_eq!(
        bad("0 1 50 -3\n", 7),
        e(1, "latency (ns) `-3` is not a number in 0.001..=1000000")
    );
    assert_eq!(
        bad("0 1\n0 2\n0 3\n", 2),
        e(3, "chip 0 would have 3 links, and fabric.links = 2")
    );
    let edges = graph::parse("0 1 # a comment\n2 3 100 250\n", 4, 7, w, clock).unwrap();
    assert_eq!(edges[1].wire, wire(100, 1, 250));
    let parts: Vec<_> = edges.iter().map(|e| (e.a, e.b, e.wire)).collect();
    assert_eq!(Topology::graph(4, &parts).unreachable(), Some(2));
}
