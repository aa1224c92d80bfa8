//! Whole-machine properties: determinism, the stats' invariants and units, tiles and chips
//! reaching one another, and host access to memory.

mod common;

use common::{machine, machine_of, num, real, reg, run, with, zw1};
use emulator::config::Config;
use emulator::trace::{EventKind, Track, VecSink};
use emulator::{Exit, Machine, RunReport};
use isa::memory_map::{ChipSel, Location, Memory, SPAD_BASE, TileSel};

const PROGRAMS: [&str; 4] = [
    "programs/softmax/softmax.s",
    "programs/layernorm/layernorm.s",
    "programs/examples/semaphore_handshake.s",
    "programs/examples/dma_round_trip.s",
];

#[test]
fn the_same_program_config_and_inputs_give_identical_stats_memory_and_trace() {
    for path in PROGRAMS {
        let config = zw1(4);
        let outcome = || {
            let mut m = machine_of(path, &config);
            let mut sink = VecSink::new();
            let r = m.run_traced(Some(10_000_000), &mut sink);
            (
                m.stats(&r.exit),
                m.architectural_state(),
                sink.events,
                r.cycles,
            )
        };
        let (a, b) = (outcome(), outcome());
        assert_eq!(a.0, b.0, "{path}: stats");
        assert_eq!(a.1, b.1, "{path}: architectural state");
        assert_eq!(a.2, b.2, "{path}: trace");
        assert_eq!(a.3, b.3, "{path}: cycles");
        assert!(!a.2.is_empty(), "{path}: the trace has events");
    }
}

#[test]
fn every_unit_is_busy_stalled_or_idle_in_every_cycle_of_the_run() {
    for path in PROGRAMS {
        let mut m = machine_of(path, &zw1(4));
        let r = m.run(Some(10_000_000));
        let stats = m.stats(&r.exit);
        assert_eq!(stats.total_cycles, r.cycles.get());
        for (name, busy, stalled, idle, total) in stats.units() {
            assert_eq!(busy + stalled + idle, total, "{path}: {name}");
            assert_eq!(total, r.cycles.get(), "{path}: {name}");
        }
        let control = &stats.chips[0].tiles[0].control;
        assert!(
            control.busy_cycles > 0 && control.stalled_cycles > 0,
            "{path}"
        );
        assert_eq!(control.busy_cycles, control.retired_instructions);
    }
}

#[test]
fn the_invariant_holds_when_a_run_stops_at_its_cycle_limit() {
    let mut m = machine_of("programs/softmax/softmax.s", &zw1(4));
    let r = m.run(Some(300));
    assert_eq!(r.exit, Exit::MaxCycles);
    assert_eq!(r.cycles.get(), 300);
    for (name, busy, stalled, idle, total) in m.stats(&r.exit).units() {
        assert_eq!((busy + stalled + idle, total), (300, 300), "{name}");
    }
}

#[test]
fn every_stats_figure_is_named_with_its_unit() {
    // The command-level HBM adds its own section.
    let mut hbm = zw1(2);
    hbm.set("hbm.impl", "hbm2e").unwrap();
    for config in [zw1(2), hbm] {
        let mut m = machine_of("programs/softmax/softmax.s", &config);
        let r = m.run(None);
        let json = serde_json::to_value(m.stats(&r.exit)).unwrap();
        every_figure_has_its_unit(&json);
    }
}

fn every_figure_has_its_unit(json: &serde_json::Value) {
    assert_eq!(json["schema_version"], emulator::stats::SCHEMA_VERSION);
    const UNITS: [&str; 13] = [
        "_cycles",
        "_instructions",
        "_bytes",
        "_operations",
        "_items",
        "_elements",
        "_hz",
        "_ps",
        "_version",
        "_tck",
        "_bursts",
        "_commands",
        "_bytes_per_s",
    ];
    fn walk(v: &serde_json::Value, key: &str, bad: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, k, bad)),
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, key, bad)),
            serde_json::Value::Number(_)
                if !["chip", "tile", "channel"].contains(&key)
                    && !UNITS.iter().any(|u| key.ends_with(u)) =>
            {
                bad.push(key.to_string());
            }
            _ => {}
        }
    }
    let mut bad = Vec::new();
    walk(json, "", &mut bad);
    assert!(bad.is_empty(), "figures without a unit: {bad:?}");
}

#[test]
fn engine_operations_appear_on_one_trace_track_per_engine_per_tile() {
    let mut m = machine_of("programs/softmax/softmax.s", &zw1(2));
    let mut sink = VecSink::new();
    let r = m.run_traced(None, &mut sink);
    // Operations are drawn by their mnemonic; an engine's waits in `q.take` as `q.take`.
    let cycles = |track: Track, waits: bool| -> u64 {
        sink.on(track)
            .filter(|e| (e.name == "q.take") == waits)
            .map(|e| match e.kind {
                EventKind::Busy { start, end } => end.since(start).get(),
                _ => 0,
            })
            .sum()
    };
    let stats = m.stats(&r.exit);
    let mut waited = 0;
    for tile in 0..2 {
        for unit in ["dma-in", "dma-out", "vector"] {
            let track = Track::tile(0, tile, unit);
            let t = &stats.chips[0].tiles[tile as usize];
            let want = match unit {
                "dma-in" => &t.dma_in,
                "dma-out" => &t.dma_out,
                _ => &t.vector,
            };
            let busy = cycles(track, false);
            assert!(busy > 0, "tile {tile} {unit}");
            assert_eq!(
                busy, want.busy_cycles,
                "tile {tile} {unit}: trace and stats agree"
            );
            let waits = cycles(track, true);
            assert_eq!(
                waits, want.stalled_cycles,
                "tile {tile} {unit}: waits in q.take"
            );
            waited += waits;
        }
    }
    assert!(waited > 0, "softmax's engines wait on one another");
}

#[test]
fn a_dma_can_write_another_tiles_scratchpad_and_signal_it() {
    let src = "
        .data
        .balign 8
word:   .dword 0x1122334455667788
got:    .dword 0
        .text
        .global _start
_start:
        csrr x5, tile_id
        bne x5, x0, 1f
        la x6, word
        la x7, got
        li x8, 0xffffffffff             # keep the offset field of x7
        and x7, x7, x8
        li x8, 0x50000000000 | (1 << 44)  # space 5: tile 1's scratchpad
        or x7, x7, x8
        li x9, 8
        li x10, 1
        dma.cfg u8, u8, 4               # signal the destination tile
        dma.dim 0, x9, x10, x10
        dma.out x7, x6, s2
        halt
1:      sem.wait s2, x0, 1
        la x7, got
        ld x11, 0(x7)
        halt
";
    let (m, r) = run(src, &zw1(2));
    assert_eq!(r.exit, Exit::Halted);
    assert_eq!(reg(&m, 1, 11), 0x1122_3344_5566_7788);
    assert_eq!(
        m.tile(0, 0).unwrap().sems.get(2),
        Some(0),
        "flag 4 signals the destination"
    );
}

#[test]
fn host_writes_at_own_addresses_reach_every_tile_and_named_ones_one_tile() {
    let mut m = machine(".global _start\n_start: halt\n", &zw1(3));
    m.write(SPAD_BASE + 64, &[1, 2, 3]).unwrap();
    let tile2 = Location {
        chip: ChipSel::Own,
        tile: TileSel::Id(2),
        memory: Memory::Spad,
        offset: 128,
    }
    .encode()
    .unwrap();
    m.write(tile2, &[9]).unwrap();
    for t in 0..3 {
        assert_eq!(m.read_as(0, t, SPAD_BASE + 64, 3).unwrap(), [1, 2, 3]);
        let want = if t == 2 { 9 } else { 0 };
        assert_eq!(m.read_as(0, t, SPAD_BASE + 128, 1).unwrap(), [want]);
    }
    assert!(m.write(SPAD_BASE + (4 << 20) - 1, &[0, 0]).is_err());
    assert!(m.read(0, 8).is_err(), "imem holds decoded text");
}

#[test]
fn how_the_run_loop_interleaves_tiles_never_changes_a_result() {
    use emulator::{ComponentOrder, Schedule};
    // Over the ideal memory and network, the mesh, and the command-level HBM.
    let configs = [
        zw1(4),
        with(zw1(4), &[("noc.impl", "mesh")]),
        with(zw1(4), &[("hbm.impl", "hbm2e")]),
    ];
    for (path, config) in PROGRAMS
        .iter()
        .flat_map(|p| configs.iter().map(move |c| (p, c)))
    {
        let outcome = |schedule: Schedule| {
            let mut m = machine_of(path, config);
            m.set_schedule(schedule);
            let mut sink = VecSink::new();
            let r = m.run_traced(Some(10_000_000), &mut sink);
            let mut events = sink.events;
            // Events of one cycle may be reported in another order; their set may not change.
            events.sort_by_key(|e| format!("{:?}", e));
            (m.stats(&r.exit), m.architectural_state(), events)
        };
        let base = outcome(Schedule::default());
        for schedule in [
            Schedule {
                run_ahead: 0,
                lookahead: Some(1),
                order: ComponentOrder::Reversed,
            },
            Schedule {
                run_ahead: 0,
                lookahead: None,
                order: ComponentOrder::Shuffled(7),
            },
            Schedule {
                run_ahead: 1 << 20,
                lookahead: None,
                order: ComponentOrder::Shuffled(12345),
            },
        ] {
            let other = outcome(schedule);
            assert_eq!(base.0, other.0, "{path} {schedule:?}: stats");
            assert_eq!(base.1, other.1, "{path} {schedule:?}: state");
            assert_eq!(base.2, other.2, "{path} {schedule:?}: trace");
        }
    }
}

#[test]
fn a_dma_reaches_another_chips_hbm_over_the_fabric() {
    let config = with(
        zw1(1),
        &[("topology.chips", "2"), ("topology.kind", "all-to-all")],
    );
    let (m, _) = copy_to_chip_1(&config);
    let fabric =
        (real(&config, "fabric.ideal_latency_ns") * real(&config, "chip.clock_ghz")).ceil() as u64;
    let duration = num(&config, "dma.setup_latency_cycles")
        + num(&config, "scratchpad.latency_cycles")
        + num(&config, "hbm.ideal_latency_cycles")
        + num(&config, "noc.ideal_latency_cycles")
        + fabric
        + 1;
    assert_eq!(reg(&m, 0, 11) - reg(&m, 0, 4), 3 + duration);
}

/// Chip 0 copies a word into chip 1's HBM with `dma.out`, reading the cycle counter before (x4)
/// and after its fence (x11); the copy is checked, and the machine and its report returned.
fn copy_to_chip_1(config: &Config) -> (Machine, RunReport) {
    let remote = Location {
        chip: ChipSel::Id(1),
        tile: TileSel::Own,
        memory: Memory::Hbm,
        offset: 0x100,
    }
    .encode()
    .unwrap();
    let src = format!(
        "
        .data
        .balign 8
word:   .dword 0x0102030405060708
        .text
        .global _start
_start:
        csrr x5, chip_id
        bne x5, x0, 1f
        la x6, word
        li x7, {remote:#x}
        li x9, 8
        li x10, 1
        dma.dim 0, x9, x10, x10
        csrr x4, cycle
        dma.out x7, x6, s0
        fence.dma
        csrr x11, cycle
1:      halt
"
    );
    let (m, r) = run(&src, config);
    assert_eq!(r.exit, Exit::Halted);
    assert_eq!(
        m.read(remote, 8).unwrap(),
        0x0102_0304_0506_0708u64.to_le_bytes()
    );
    (m, r)
}

#[test]
fn a_dma_reaches_another_chips_hbm_over_the_fabric_and_the_mesh() {
    let config = with(
        zw1(1),
        &[
            ("topology.chips", "2"),
            ("topology.kind", "all-to-all"),
            ("noc.impl", "mesh"),
        ],
    );
    let (_, r) = copy_to_chip_1(&config);
    let (_, ri) = copy_to_chip_1(&with(config.clone(), &[("noc.impl", "ideal")]));
    // Over the mesh the write crosses its chip to a fabric port: slower than the ideal network.
    assert!(r.cycles > ri.cycles, "{} vs {}", r.cycles, ri.cycles);
}

#[test]
fn a_queue_waiting_forever_in_a_take_is_part_of_a_deadlock_report() {
    let src = "
        .global _start
_start:
        q.take vec, s6, 2
        fence.vec
        halt
";
    let (_, r) = run(src, &zw1(1));
    let Exit::Deadlock(w) = &r.exit else {
        panic!("{:?}", r.exit)
    };
    assert!(w[0].instruction.starts_with("fence.vec"), "{}", w[0]);
    assert!(
        w[0].waits_for
            .contains("vector queue waits for s6 >= 2 (s6 = 0)"),
        "{}",
        w[0]
    );
}

#[test]
fn a_mesh_reports_its_links_in_stats_and_trace_and_the_ideal_network_reports_none() {
    let path = "programs/examples/dma_round_trip.s";
    for mesh in [false, true] {
        let config = if mesh {
            with(zw1(4), &[("noc.impl", "mesh")])
        } else {
            zw1(4)
        };
        let mut m = machine_of(path, &config);
        let mut sink = VecSink::new();
        let r = m.run_traced(Some(10_000_000), &mut sink);
        let stats = m.stats(&r.exit);
        let counters = sink
            .events
            .iter()
            .filter(|e| e.track == emulator::trace::Track::chip(0, "noc links"))
            .count();
        let Some(noc) = &stats.chips[0].noc else {
            assert!(!mesh, "a mesh has link stats");
            assert_eq!(counters, 0);
            continue;
        };
        assert!(mesh, "the ideal network has no links");
        assert_eq!((noc.cols_routers, noc.rows_routers), (6, 6));
        assert_eq!(noc.links.len(), 2 * 2 * 6 * 5);
        let flits: u64 = noc.links.iter().map(|l| l.flits).sum();
        assert!(flits > 0, "DMA crossed the mesh");
        for l in &noc.links {
            assert!(l.flits + l.credit_stall_cycles <= l.busy_cycles);
            assert!(l.busy_cycles <= stats.total_cycles);
        }
        assert!(counters > 0, "utilization is traced");
        // The JSON names the new figures and reads back.
        let json = serde_json::to_string(&stats).unwrap();
        assert!(json.contains("\"credit_stall_cycles\""));
        let back: emulator::stats::MachineStats = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stats);
    }
}
