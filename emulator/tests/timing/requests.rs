//! docs/timing.md, "DMA requests": the engine walks a transfer into requests, keeps at most
//! `dma.max_outstanding` in flight, and shares the memory system's bandwidth with every other
//! requester.

use crate::common::{num, reg, run, with, zw1};
use crate::{at_each_clock, measure, ns_in_cycles, two_chips_at_each_clock};
use emulator::Exit;
use emulator::config::Config;

fn transfer(c: &Config, latencies: u64, bytes: u64, bandwidth: u64) -> u64 {
    num(c, "dma.setup_latency_cycles") + latencies + bytes.div_ceil(bandwidth)
}

fn hbm(c: &Config) -> u64 {
    num(c, "hbm.ideal_latency_cycles") + num(c, "noc.ideal_latency_cycles")
}

fn spad(c: &Config) -> u64 {
    num(c, "scratchpad.latency_cycles")
}

/// A `dma.in` of `n` bytes from `src` into the scratchpad, to its `fence.dma`.
fn dma_in(c: &Config, n: u64, prologue: &str, src: &str) -> u64 {
    measure(
        c,
        &format!("li x11, {n}\nli x10, 1\ndma.cfg u8, u8, 0\ndma.dim 0, x11, x10, x10\n{prologue}"),
        &format!("dma.in x21, {src}, s0\nfence.dma"),
    )
}

#[test]
fn a_transfer_of_many_requests_takes_the_formula_on_an_idle_machine() {
    for c in at_each_clock(1, &[]) {
        let bw = num(&c, "dma.bytes_per_cycle");
        let requests_in_flight = num(&c, "dma.max_outstanding") * num(&c, "dma.request_bytes");
        // Up to the bytes the engine may have in flight, and a size that is no whole request.
        for n in [65536, 40_000, 257] {
            assert!(n <= requests_in_flight);
            assert_eq!(
                dma_in(&c, n, "", "x22"),
                3 + transfer(&c, hbm(&c) + spad(&c), n, bw),
                "{n} bytes from HBM"
            );
        }
    }
}

#[test]
fn a_transfer_from_another_chips_hbm_takes_the_formula_on_an_idle_machine() {
    for c in two_chips_at_each_clock(1, &[]) {
        let bw = num(&c, "dma.bytes_per_cycle");
        let fabric = ns_in_cycles(&c, "fabric.ideal_latency_ns");
        let far = crate::address(Some(1), None, isa::memory_map::Memory::Hbm, 0);
        let n = 30_000u64;
        assert_eq!(
            dma_in(&c, n, &format!("li x23, {far}"), "x23"),
            3 + transfer(&c, hbm(&c) + fabric + spad(&c), n, bw)
        );
    }
}

#[test]
fn with_one_request_in_flight_each_request_is_a_round_trip() {
    // 256-byte requests at 128 B/cycle: two cycles each, then the whole round trip.
    let sets = [
        ("dma.max_outstanding", "1"),
        ("dma.request_bytes", "256"),
        ("dma.bytes_per_cycle", "128"),
    ];
    for c in at_each_clock(1, &sets) {
        for requests in [1u64, 4] {
            let n = 256 * requests;
            let round_trip = 2 + hbm(&c) + spad(&c);
            assert_eq!(
                dma_in(&c, n, "", "x22"),
                3 + num(&c, "dma.setup_latency_cycles") + requests * round_trip,
                "{requests} requests"
            );
        }
    }
}

/// Tiles `0..active` each copy `n` bytes of HBM into their scratchpad at once; returns the
/// cycle the last one's fence completes.
fn together(c: &Config, active: u32, n: u64) -> u64 {
    let src = format!(
        "
        .section .hbm.bss
        .balign 64
hbuf:   .space {hbm_bytes}
        .bss
        .balign 64
buf:    .space {n}
        .text
        .global _start
_start: csrr x5, tile_id
        li x6, {active}
        bge x5, x6, 1f
        la x20, hbuf
        li x7, {n}
        mul x8, x5, x7
        add x20, x20, x8
        la x21, buf
        li x11, {n}
        li x10, 1
        dma.cfg u8, u8, 0
        dma.dim 0, x11, x10, x10
        dma.in x21, x20, s0
        fence.dma
        csrr x9, cycle
1:      halt
",
        hbm_bytes = n * u64::from(active)
    );
    let (m, r) = run(&src, c);
    assert_eq!(r.exit, Exit::Halted);
    (0..active).map(|t| reg(&m, t, 9)).max().unwrap()
}

#[test]
fn two_tiles_streaming_from_one_hbm_share_its_bandwidth() {
    let n = 16_384u64;
    let shared = with(zw1(2), &[("hbm.ideal_bytes_per_cycle", "64")]);
    let alone = together(&shared, 1, n);
    let both = together(&shared, 2, n);
    // The HBM moves 64 bytes a cycle whoever asks: twice the bytes take twice the time.
    assert_eq!(both - alone, (2 * n).div_ceil(64) - n.div_ceil(64));

    // Without a limit, neither slows the other.
    let unlimited = zw1(2);
    assert_eq!(together(&unlimited, 2, n), together(&unlimited, 1, n));

    // The network shares its bandwidth the same way.
    let noc = with(zw1(2), &[("noc.ideal_bytes_per_cycle", "64")]);
    assert_eq!(
        together(&noc, 2, n) - together(&noc, 1, n),
        (2 * n).div_ceil(64) - n.div_ceil(64)
    );
}

#[test]
fn a_queues_next_transfer_starts_once_the_one_before_has_issued_its_last_request() {
    for c in at_each_clock(1, &[]) {
        let (setup, bw) = (
            num(&c, "dma.setup_latency_cycles"),
            num(&c, "dma.bytes_per_cycle"),
        );
        let request = num(&c, "dma.request_bytes");
        let n = 5000u64;
        let latencies = hbm(&c) + spad(&c);
        // The first starts at +2 (enqueued at +1); the second when the first's last request
        // issues; each then takes the formula from its own start (the engine is free by then).
        let second_starts = setup + (n - 1) / request * request / bw;
        let second_ends = second_starts + transfer(&c, latencies, n, bw);
        let body = "dma.in x21, x22, s0\ndma.in x21, x22, s0\nfence.dma";
        assert_eq!(
            measure(
                &c,
                &format!("li x11, {n}\nli x10, 1\ndma.cfg u8, u8, 0\ndma.dim 0, x11, x10, x10"),
                body
            ),
            // Two issue cycles, then the fence waits for the second; csrr one later.
            3 + second_ends,
        );
        // Back to back they take less than one after the other.
        assert!(second_ends < 2 * transfer(&c, latencies, n, bw));
    }
}

#[test]
fn transfers_of_a_queue_commit_in_order_even_when_a_later_one_is_quicker() {
    // The first brings 4 KiB from the other chip's HBM into this chip's L2 (slow); the second
    // copies that L2 range into this chip's HBM (quick). The second must see the first's data.
    use crate::address;
    use isa::memory_map::Memory;
    let n = 4096u64;
    let far = address(Some(1), None, Memory::Hbm, 0);
    let l2 = address(None, None, Memory::L2, 0);
    let hbm = address(None, None, Memory::Hbm, 0x10000);
    let src = format!(
        "
        .text
        .global _start
_start: csrr x5, tile_id
        bne x5, x0, 1f
        li x20, {far}
        li x21, {l2}
        li x22, {hbm}
        li x11, {n}
        li x10, 1
        dma.cfg u8, u8, 0
        dma.dim 0, x11, x10, x10
        dma.in x21, x20, s0
        dma.in x22, x21, s0
        fence.dma
1:      halt
"
    );
    for c in two_chips_at_each_clock(1, &[]) {
        let mut m = crate::common::machine(&src, &c);
        let pattern: Vec<u8> = (0..n).map(|i| (i * 7 + 3) as u8).collect();
        m.write(far, &pattern).unwrap();
        let r = m.run(Some(1 << 24));
        assert_eq!(r.exit, Exit::Halted);
        assert_eq!(m.read(hbm, n).unwrap(), pattern);
    }
}
