//! Programs across chips over the link fabric (`fabric.impl = "link"`): the same values as over
//! the ideal fabric, in times that pay the links' bandwidth and latency.

mod common;

use common::{machine, num, real, with, zw1};
use emulator::Exit;
use emulator::config::Config;
use isa::memory_map::{ChipSel, Location, Memory, SPAD_BASE, TileSel};

/// Two chips of one tile, joined as `kind`, over the fabric `fabric`.
fn chips(n: u32, kind: &str, fabric: &str) -> Config {
    with(
        zw1(1),
        &[
            ("topology.chips", &n.to_string()),
            ("topology.kind", kind),
            ("fabric.impl", fabric),
        ],
    )
}

/// Cycles of `ns` nanoseconds on `c`'s clock, rounded up.
fn cycles(c: &Config, ns: f64) -> u64 {
    (ns * real(c, "chip.clock_ghz")).ceil() as u64
}

const BYTES: u64 = 64 * 1024;

/// Chip 0 copies 64 KiB of its scratchpad to chip `to`'s HBM; x4 and x11 hold the cycles
/// before the `dma.out` and after its `fence.dma`.
fn copy_to(to: u32) -> String {
    let remote = Location {
        chip: ChipSel::Id(to),
        tile: TileSel::Own,
        memory: Memory::Hbm,
        offset: 0x1000,
    }
    .encode()
    .unwrap();
    format!(
        "
        .text
        .global _start
_start:
        csrr x5, chip_id
        bne x5, x0, 1f
        li x6, {SPAD_BASE:#x}
        li x7, {remote:#x}
        li x9, {BYTES}
        li x10, 1
        dma.dim 0, x9, x10, x10
        csrr x4, cycle
        dma.out x7, x6, s0
        fence.dma
        csrr x11, cycle
1:      halt
"
    )
}

/// Runs `copy_to(to)` on `config` with a pattern in chip 0's scratchpad: the bytes that
/// arrived, and the copy's cycles.
fn copy(config: &Config, to: u32) -> (Vec<u8>, u64) {
    let mut m = machine(&copy_to(to), config);
    let pattern: Vec<u8> = (0..BYTES).map(|i| (i * 7 + i / 251) as u8).collect();
    let spad = Location {
        chip: ChipSel::Id(0),
        tile: TileSel::Id(0),
        memory: Memory::Spad,
        offset: 0,
    }
    .encode()
    .unwrap();
    m.write(spad, &pattern).unwrap();
    let r = m.run(Some(100_000_000));
    assert_eq!(r.exit, Exit::Halted);
    let remote = Location {
        chip: ChipSel::Id(to),
        tile: TileSel::Own,
        memory: Memory::Hbm,
        offset: 0x1000,
    }
    .encode()
    .unwrap();
    let got = m.read(remote, BYTES).unwrap();
    assert_eq!(got, pattern, "the bytes arrive intact");
    let x = &m.tile(0, 0).unwrap().core.x;
    (got, x[11] - x[4])
}

#[test]
fn a_64_kib_dma_to_another_chip_pays_the_links_bandwidth_and_latency() {
    let link = chips(2, "all-to-all", "link");
    let ideal = chips(2, "all-to-all", "ideal");
    let (bytes_link, t_link) = copy(&link, 1);
    let (bytes_ideal, t_ideal) = copy(&ideal, 1);
    assert_eq!(bytes_link, bytes_ideal, "bit-exact over either fabric");
    // 64 KiB at 50 GB/s is 1,311 cycles at 1 GHz, and the engine's 128 B per cycle would take
    // 512: the link, not the engine, sets the pace.
    let gbps = real(&link, "fabric.link_gb_per_s");
    let at_link_rate = (BYTES as f64 / gbps * real(&link, "chip.clock_ghz")).ceil() as u64;
    assert!(t_link >= at_link_rate, "{t_link} < {at_link_rate}");
    // Each 256 B write is a message carrying the overhead too, and the last acknowledgement
    // comes back over the link: at least the serialization of every message and two latencies.
    let requests = BYTES / num(&link, "dma.request_bytes");
    let wire = BYTES + requests * num(&link, "fabric.message_overhead_bytes");
    let serialization = (wire as f64 / gbps * real(&link, "chip.clock_ghz")).ceil() as u64;
    let latency = cycles(&link, real(&link, "fabric.link_latency_ns"));
    assert!(
        t_link >= serialization + 2 * latency,
        "{t_link} < {serialization} + 2 × {latency}"
    );
    // What remains is the DMA's setup and the two chips' networks and memory: bounded by the
    // same copy over the ideal fabric, which has them all plus its own latency each way.
    assert!(
        t_link <= serialization + t_ideal,
        "{t_link} > {serialization} + {t_ideal}"
    );
    assert!(t_ideal < t_link);
}

#[test]
fn a_copy_across_two_ring_hops_pays_both_links() {
    let ring = with(chips(4, "ring", "link"), &[("fabric.links", "2")]);
    let (_, one_hop) = copy(&ring, 1);
    let (_, two_hops) = copy(&ring, 2);
    let latency = cycles(&ring, real(&ring, "fabric.link_latency_ns"));
    // The request stream pays one more latency out, and the last acknowledgement one more back.
    assert_eq!(two_hops - one_hop, 2 * latency);
}

/// Chip 0 signals s1 of chip 1's tile 0 at x4's cycle; chip 1 waits for it and reads the
/// cycle into x11.
const SIGNAL: &str = "
        .text
        .global _start
_start:
        csrr x5, chip_id
        bne x5, x0, 1f
        li x6, 1
        csrr x4, cycle
        sem.signal x6, x0, s1, 1
        halt
1:      sem.wait s1, x0, 1
        csrr x11, cycle
        halt
";

fn signal_time(config: &Config) -> u64 {
    let mut m = machine(SIGNAL, config);
    let r = m.run(Some(100_000_000));
    assert_eq!(r.exit, Exit::Halted);
    let sent = m.tile(0, 0).unwrap().core.x[4];
    let seen = m.tile(1, 0).unwrap().core.x[11];
    assert_eq!(m.tile(1, 0).unwrap().sems.get(1), Some(1));
    seen - sent
}

#[test]
fn a_signal_to_another_chip_crosses_the_link() {
    let link = chips(2, "all-to-all", "link");
    let ideal = with(
        chips(2, "all-to-all", "ideal"),
        &[("fabric.ideal_latency_ns", "1")],
    );
    let latency = cycles(&link, real(&link, "fabric.link_latency_ns"));
    let overhead = num(&link, "fabric.message_overhead_bytes");
    let serialization = (overhead as f64 / real(&link, "fabric.link_gb_per_s")).ceil() as u64;
    // Over the link: the link's latency and the message's serialization, and the destination
    // chip's network, on top of what an ideal fabric of one cycle costs.
    let noc = num(&link, "noc.ideal_latency_cycles");
    assert_eq!(
        signal_time(&link),
        signal_time(&ideal) - 1 + latency + serialization + noc
    );
}

/// Every chip of a ring of 4 copies 16 KiB of its scratchpad to the next chip's HBM, then
/// signals it, and waits for the previous chip's signal: all links busy at once.
fn ring_exchange() -> String {
    let at = |chip| {
        Location {
            chip: ChipSel::Id(chip),
            tile: TileSel::Own,
            memory: Memory::Hbm,
            offset: 0x2000,
        }
        .encode()
        .unwrap()
    };
    let shift = (at(1) - at(0)).trailing_zeros();
    format!(
        "
        .text
        .global _start
_start:
        csrr x5, chip_id
        addi x12, x5, 1
        andi x12, x12, 3
        slli x14, x12, {shift}
        li x7, {base:#x}
        add x7, x7, x14
        li x6, {SPAD_BASE:#x}
        li x9, 16384
        li x10, 1
        dma.dim 0, x9, x10, x10
        dma.out x7, x6, s0
        fence.dma
        sem.signal x12, x0, s1, 1
        sem.wait s1, x0, 1
        halt
",
        base = at(0)
    )
}

#[test]
fn chips_exchanging_over_a_ring_compute_the_same_over_either_fabric_and_any_schedule() {
    use emulator::{ComponentOrder, Schedule};
    let outcome = |config: &Config, schedule: Schedule| {
        let mut m = machine(&ring_exchange(), config);
        for chip in 0..4u32 {
            let spad = Location {
                chip: ChipSel::Id(chip),
                tile: TileSel::Id(0),
                memory: Memory::Spad,
                offset: 0,
            }
            .encode()
            .unwrap();
            let bytes: Vec<u8> = (0..16384u32).map(|i| (i * 13 + chip * 101) as u8).collect();
            m.write(spad, &bytes).unwrap();
        }
        m.set_schedule(schedule);
        let r = m.run(Some(100_000_000));
        assert_eq!(r.exit, Exit::Halted);
        (m.stats(&r.exit), m.architectural_state(), r.cycles)
    };
    let ring = |fabric| with(chips(4, "ring", fabric), &[("fabric.links", "2")]);
    let (link, ideal) = (ring("link"), ring("ideal"));
    let base = outcome(&link, Schedule::default());
    assert_eq!(
        base.1,
        outcome(&ideal, Schedule::default()).1,
        "the same memories and registers over either fabric"
    );
    for schedule in [
        Schedule {
            run_ahead: 0,
            lookahead: Some(1),
            order: ComponentOrder::Reversed,
        },
        Schedule {
            run_ahead: 1 << 20,
            lookahead: None,
            order: ComponentOrder::Shuffled(99),
        },
    ] {
        let other = outcome(&link, schedule);
        assert_eq!(base.0, other.0, "{schedule:?}: stats");
        assert_eq!(base.1, other.1, "{schedule:?}: state");
        assert_eq!(base.2, other.2, "{schedule:?}: cycles");
    }
    // 16 KiB and its overhead over each 50 GB/s link, a latency each way at least.
    let latency = cycles(&link, real(&link, "fabric.link_latency_ns"));
    assert!(base.2.get() >= 16384 / 50 + 2 * latency, "{}", base.2);
}

#[test]
fn a_bad_topology_is_refused_naming_its_key_or_line() {
    let graph = |sets: &[(&str, &str)]| {
        let mut c = chips(4, "graph", "link");
        for (k, v) in sets {
            c.set(k, v).unwrap();
        }
        c.resolve().unwrap_err()
    };
    let e = graph(&[("topology.edges", "[[0, 1], [2, 3]]")]);
    assert_eq!(e.key(), Some("topology.edges"));
    assert!(
        e.to_string()
            .contains("not connected: chip 2 cannot reach chip 0"),
        "{e}"
    );
    let file = std::env::temp_dir().join(format!("zw-fabric-graph-{}.txt", std::process::id()));
    std::fs::write(&file, "# four chips\n0 1\n1 2 fifty\n2 3\n").unwrap();
    let path = file.display().to_string();
    let e = graph(&[("topology.graph_file", &path)]);
    assert_eq!(e.key(), Some("topology.graph_file"));
    assert_eq!(
        e.to_string(),
        format!(
            "topology.graph_file {path}, line 3: bandwidth (GB/s) `fifty` is not a number in \
             0.001..=100000"
        )
    );
    std::fs::write(&file, "0 1\n2 3\n").unwrap();
    assert_eq!(
        graph(&[("topology.graph_file", &path)]).key(),
        Some("topology.graph_file")
    );
    // A good file: its links' own speeds set the time.
    std::fs::write(&file, "0 1 25 100\n1 2\n2 3\n3 0\n").unwrap();
    let mut c = chips(4, "graph", "link");
    c.set("topology.graph_file", &path).unwrap();
    let r = c.resolve().unwrap();
    let t = &r.fabric.topology;
    assert_eq!(t.links.len(), 8);
    let slow = t.links[t.link(0, 1).unwrap() as usize];
    assert_eq!(slow.latency.get(), 100);
    assert_eq!(slow.bandwidth, emulator::Bandwidth::new(25, 1).unwrap());
    std::fs::remove_file(&file).unwrap();
    // A ring needs its ports.
    let mut c = chips(2, "all-to-all", "link");
    c.set("topology.chips", "4").unwrap();
    c.set("topology.kind", "ring").unwrap();
    c.set("fabric.links", "1").unwrap();
    assert_eq!(c.validate().unwrap_err().key(), Some("fabric.links"));
    // A buffer must hold a message.
    let mut c = chips(2, "all-to-all", "link");
    c.set("fabric.buffer_bytes", "4096").unwrap();
    assert_eq!(c.validate().unwrap_err().key(), Some("fabric.buffer_bytes"));
}
