//! docs/timing.md, "DMA transfer", and the DMA descriptor's reset state.

use crate::common::{num, run};
use crate::{address, at_each_clock, measure, ns_in_cycles, two_chips_at_each_clock};
use emulator::Exit;
use emulator::config::Config;
use isa::memory_map::{Memory, SPAD_BASE};

/// The DMA descriptor for `x11` contiguous bytes.
const DMA_ROW: &str = "li x10, 1\ndma.cfg u8, u8, 0\ndma.dim 0, x11, x10, x10";

/// `setup + latency(source) + latency(destination) + ceil(bytes / bandwidth)`.
fn transfer(c: &Config, latencies: u64, bytes: u64, bandwidth: u64) -> u64 {
    num(c, "dma.setup_latency_cycles") + latencies + bytes.div_ceil(bandwidth)
}

fn spad(c: &Config) -> u64 {
    num(c, "scratchpad.latency_cycles")
}

fn noc(c: &Config) -> u64 {
    num(c, "noc.ideal_latency_cycles")
}

/// Cycles from before a `dma.in dst, src` of `n` bytes to after the `fence.dma` that waits for
/// it; `prologue` may set x23 and x24 (the default destination and source are x21 and x20).
fn dma_in(c: &Config, n: u64, prologue: &str, dst: &str, src: &str) -> u64 {
    measure(
        c,
        &format!("li x11, {n}\n{DMA_ROW}\n{prologue}"),
        &format!("dma.in {dst}, {src}, s0\nfence.dma"),
    )
}

#[test]
fn a_dma_transfer_takes_setup_plus_both_latencies_plus_bytes_over_bandwidth() {
    for c in at_each_clock(1, &[]) {
        for n in [1u64, 128, 5000] {
            let d = dma_in(&c, n, "", "x21", "x20");
            let bw = num(&c, "dma.bytes_per_cycle");
            // Enqueued at +1, starts at +2, the fence issues at its completion, csrr one later.
            assert_eq!(d, 3 + transfer(&c, 2 * spad(&c), n, bw), "{n} bytes");
        }
    }
}

#[test]
fn a_dma_transfer_to_or_from_the_accumulator_pays_the_accumulator_latency() {
    for c in at_each_clock(1, &[("accumulator.latency_cycles", "7")]) {
        let n = 4096u64;
        let acc = num(&c, "accumulator.latency_cycles");
        let bw = num(&c, "dma.bytes_per_cycle");
        let prologue = "li x23, 0x20000000000";
        assert_eq!(
            dma_in(&c, n, prologue, "x23", "x20"),
            3 + transfer(&c, spad(&c) + acc, n, bw)
        );
        assert_eq!(
            dma_in(&c, n, prologue, "x21", "x23"),
            3 + transfer(&c, acc + spad(&c), n, bw)
        );
    }
}

#[test]
fn a_dma_transfer_from_l2_adds_the_l2_and_noc_latencies() {
    for c in at_each_clock(1, &[("noc.ideal_latency_cycles", "3")]) {
        let n = 3000u64;
        let l2 = num(&c, "l2.ideal_latency_cycles");
        let bw = num(&c, "dma.bytes_per_cycle");
        let prologue = "li x23, 0x30000000000";
        assert_eq!(
            dma_in(&c, n, prologue, "x21", "x23"),
            3 + transfer(&c, (l2 + noc(&c)) + spad(&c), n, bw)
        );
        assert_eq!(
            dma_in(&c, n, prologue, "x23", "x21"),
            3 + transfer(&c, spad(&c) + (l2 + noc(&c)), n, bw)
        );
    }
}

#[test]
fn a_dma_transfer_from_hbm_adds_the_hbm_and_noc_latencies() {
    for c in at_each_clock(1, &[("noc.ideal_latency_cycles", "3")]) {
        let n = 4096u64;
        let hbm = num(&c, "hbm.ideal_latency_cycles");
        let bw = num(&c, "dma.bytes_per_cycle");
        let d = dma_in(&c, n, "", "x20", "x22");
        assert_eq!(d, 3 + transfer(&c, (hbm + noc(&c)) + spad(&c), n, bw));
    }
}

#[test]
fn a_dma_transfer_to_another_tiles_memory_adds_the_noc_latency() {
    let sets = [
        ("noc.ideal_latency_cycles", "4"),
        ("accumulator.latency_cycles", "6"),
    ];
    for c in at_each_clock(2, &sets) {
        let n = 2000u64;
        let bw = num(&c, "dma.bytes_per_cycle");
        let acc = num(&c, "accumulator.latency_cycles");
        let their_spad = address(None, Some(1), Memory::Spad, 0x10_0000);
        let their_acc = address(None, Some(1), Memory::Acc, 0);
        // Tile 1 runs the same program, on its own memories (named by number): no NoC.
        let prologue = format!("li x23, {their_spad:#x}\nli x24, {their_acc:#x}");
        assert_eq!(
            dma_in(&c, n, &prologue, "x21", "x23"),
            3 + transfer(&c, (spad(&c) + noc(&c)) + spad(&c), n, bw)
        );
        assert_eq!(
            dma_in(&c, n, &prologue, "x24", "x20"),
            3 + transfer(&c, spad(&c) + (acc + noc(&c)), n, bw)
        );
    }
}

#[test]
fn a_dma_transfer_to_another_chip_adds_the_fabric_latency_in_cycles_rounded_up() {
    for ns in ["500", "333.3", "7.3"] {
        let sets = [
            ("noc.ideal_latency_cycles", "2"),
            ("fabric.ideal_latency_ns", ns),
        ];
        for c in two_chips_at_each_clock(1, &sets) {
            let n = 1000u64;
            let bw = num(&c, "dma.bytes_per_cycle");
            let hbm = num(&c, "hbm.ideal_latency_cycles");
            let fabric = ns_in_cycles(&c, "fabric.ideal_latency_ns");
            // Chip 1 runs the same program, on its own chip (named by number): no fabric.
            let their_spad = address(Some(1), Some(0), Memory::Spad, 0x10_0000);
            let their_hbm = address(Some(1), None, Memory::Hbm, 0x10_0000);
            let prologue = format!("li x23, {their_spad:#x}\nli x24, {their_hbm:#x}");
            assert_eq!(
                dma_in(&c, n, &prologue, "x21", "x23"),
                3 + transfer(&c, (spad(&c) + noc(&c) + fabric) + spad(&c), n, bw),
                "{ns} ns"
            );
            assert_eq!(
                dma_in(&c, n, &prologue, "x24", "x20"),
                3 + transfer(&c, spad(&c) + (hbm + noc(&c) + fabric), n, bw),
                "{ns} ns"
            );
        }
    }
}

#[test]
fn a_converting_dma_transfer_moves_the_wider_side_at_the_bandwidth() {
    for c in at_each_clock(1, &[]) {
        let n = 3000u64;
        let bw = num(&c, "dma.bytes_per_cycle");
        // bf16 in, fp32 out: 4 bytes per element written; fp32 in, e4m3 out: 4 read.
        for (types, strides, wider) in [
            ("bf16, fp32", "li x12, 2\nli x13, 4", 4),
            ("fp32, e4m3", "li x12, 4\nli x13, 1", 4),
            ("i8, bf16", "li x12, 1\nli x13, 2", 2),
        ] {
            let d = measure(
                &c,
                &format!("li x11, {n}\n{strides}\ndma.cfg {types}, 0\ndma.dim 0, x11, x12, x13"),
                "dma.in x21, x20, s0\nfence.dma",
            );
            assert_eq!(d, 3 + transfer(&c, 2 * spad(&c), wider * n, bw), "{types}");
        }
    }
}

#[test]
fn an_hbm_end_caps_the_bandwidth_at_hbm_ideal_bytes_per_cycle() {
    for cap in ["48", "1000", "0"] {
        let sets = [("hbm.ideal_bytes_per_cycle", cap)];
        for c in at_each_clock(1, &sets) {
            let n = 4096u64;
            let dma_bw = num(&c, "dma.bytes_per_cycle");
            let cap = num(&c, "hbm.ideal_bytes_per_cycle");
            // 0 is unlimited; otherwise the smaller of the two.
            let bw = if cap == 0 { dma_bw } else { dma_bw.min(cap) };
            let hbm = num(&c, "hbm.ideal_latency_cycles") + noc(&c);
            assert_eq!(
                dma_in(&c, n, "", "x20", "x22"),
                3 + transfer(&c, hbm + spad(&c), n, bw),
                "from HBM, cap {cap}"
            );
            assert_eq!(
                dma_in(&c, n, "", "x22", "x20"),
                3 + transfer(&c, spad(&c) + hbm, n, bw),
                "to HBM, cap {cap}"
            );
            // No HBM end: no cap.
            assert_eq!(
                dma_in(&c, n, "", "x21", "x20"),
                3 + transfer(&c, 2 * spad(&c), n, dma_bw),
                "cap {cap}"
            );
        }
    }
}

#[test]
fn the_ideal_dma_takes_its_ideal_latency() {
    let sets = [("dma.impl", "ideal"), ("dma.ideal_latency_cycles", "37")];
    for c in two_chips_at_each_clock(1, &sets) {
        let ideal = num(&c, "dma.ideal_latency_cycles");
        let their_hbm = address(Some(1), None, Memory::Hbm, 0);
        let prologue = format!("li x24, {their_hbm:#x}");
        for (n, dst, src) in [
            (100, "x21", "x20"),
            (60000, "x20", "x22"),
            (5000, "x24", "x20"),
        ] {
            assert_eq!(
                dma_in(&c, n, &prologue, dst, src),
                3 + ideal,
                "{n} {dst} {src}"
            );
        }
    }
}

#[test]
fn a_full_dma_queue_stalls_issue_until_the_engine_starts_its_next_transfer() {
    for c in at_each_clock(1, &[("dma.queue_depth", "2")]) {
        let n = 2000u64;
        // The engine takes the second transfer once the first has issued its last request:
        // `setup + floor(bytes before the last request / bandwidth)` after the first starts.
        let request = num(&c, "dma.request_bytes");
        let before_last = (n - 1) / request * request;
        let accepts =
            num(&c, "dma.setup_latency_cycles") + before_last / num(&c, "dma.bytes_per_cycle");
        // Two wait behind the first; the fourth gets a slot when the second starts.
        let d = measure(
            &c,
            &format!("li x11, {n}\n{DMA_ROW}"),
            &["dma.in x21, x20, s0"; 4].join("\n"),
        );
        assert_eq!(d, 2 + accepts + 1);
        // The DMA-out queue has its own slots.
        let d = measure(
            &c,
            &format!("li x11, {n}\n{DMA_ROW}"),
            "dma.in x21, x20, s0\ndma.in x21, x20, s0\ndma.in x21, x20, s0\ndma.out x21, x20, s0",
        );
        assert_eq!(d, 5);
    }
}

#[test]
fn the_dma_descriptor_resets_to_one_row_of_bytes() {
    for c in at_each_clock(1, &[]) {
        // Only dimension 0 is set: 300 u8 elements, one row.
        let n = 300u64;
        let src = format!(
            "
        .data
in:     .space 1024, 0xab
        .balign 1024
out:    .space 1024
        .text
        .global _start
_start: la x20, in
        la x21, out
        li x10, 1
        li x11, {n}
        dma.dim 0, x11, x10, x10
        csrr x4, cycle
        dma.in x21, x20, s0
        fence.dma
        csrr x9, cycle
        halt
"
        );
        let (m, r) = run(&src, &c);
        assert_eq!(r.exit, Exit::Halted);
        let out = m.read(SPAD_BASE + 1024, 1024).unwrap();
        let moved = out.iter().take_while(|&&b| b == 0xab).count() as u64;
        assert_eq!(moved, n);
        assert!(out[n as usize..].iter().all(|&b| b == 0));
        let duration = transfer(&c, 2 * spad(&c), n, num(&c, "dma.bytes_per_cycle"));
        assert_eq!(crate::x(&m, 0, 0, 9) - crate::x(&m, 0, 0, 4), 3 + duration);
    }
}
