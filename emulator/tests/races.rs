//! The race checker finds each kind of race it must (a program per kind), and none in the same
//! program once it is synchronized. Each program is written twice: `{WAIT}` marks where the
//! synchronization goes.

mod common;

use emulator::config::Config;
use emulator::{Agent, Exit, Race};
use isa::QueueId;
use isa::memory_map::Memory;

/// Runs `src` with the race checker on; the run must halt.
fn races(src: &str, config: &Config) -> Vec<Race> {
    let mut m = common::machine(src, config);
    m.check_races();
    let report = m.run(Some(10_000_000));
    assert_eq!(report.exit, Exit::Halted, "{}", report.exit);
    m.races().expect("the checker is on")
}

/// The races of `template` with `{WAIT}` left out, and asserts there are none with `wait` in.
fn racy_and_fixed(template: &str, wait: &str, config: &Config) -> Vec<Race> {
    let fixed = races(&template.replace("{WAIT}", wait), config);
    assert!(
        fixed.is_empty(),
        "races in the synchronized program:\n{}",
        list(&fixed)
    );
    races(&template.replace("{WAIT}", ""), config)
}

fn list(races: &[Race]) -> String {
    races.iter().map(|r| format!("{r}\n")).collect()
}

/// The one race found, asserting there is exactly one.
fn one(races: Vec<Race>) -> Race {
    assert_eq!(races.len(), 1, "{}", list(&races));
    races.into_iter().next().unwrap()
}

const CORE_AFTER_DMA_IN: &str = "
        .section .hbm
src:    .space 256
        .bss
        .balign 64
buf:    .space 256
        .text
        .global _start
_start: csrr    x5, tile_id
        bnez    x5, done
        li      x6, 256
        li      x7, 1
        dma.cfg u8, u8, 0
        dma.dim 0, x6, x7, x7
        la      x8, buf
        la      x9, src
        dma.in  x8, x9, s0
        {WAIT}
        ld      x10, 64(x8)
done:   halt
";

#[test]
fn a_core_load_of_bytes_a_dma_writes_races_until_the_core_waits_for_the_transfer() {
    let r = one(racy_and_fixed(
        CORE_AFTER_DMA_IN,
        "sem.take s0, x0, 1",
        &common::zw1(1),
    ));
    assert_eq!((r.chip, r.tile, r.memory), (0, Some(0), Memory::Spad));
    let (dma, core) = (&r.earlier, &r.later);
    assert_eq!(dma.agent, Agent::Engine(QueueId::DmaIn));
    assert!(dma.write && dma.instruction.starts_with("dma.in"), "{r}");
    assert_eq!(core.agent, Agent::Core);
    assert!(!core.write && core.instruction.starts_with("ld"), "{r}");
    // The bytes the load reads: 8 at offset 64 of the buffer.
    assert_eq!(r.bytes, 8);
    let text = r.to_string();
    assert!(
        text.contains("dma-in engine") && text.contains("pc 0x"),
        "{text}"
    );
}

const CORE_STORE_AFTER_DMA_OUT: &str = "
        .section .hbm
dst:    .space 256
        .bss
        .balign 64
buf:    .space 256
        .text
        .global _start
_start: li      x6, 256
        li      x7, 1
        dma.cfg u8, u8, 0
        dma.dim 0, x6, x7, x7
        la      x8, buf
        la      x9, dst
        csrr    x5, tile_id
        bnez    x5, done
        dma.out x9, x8, s1
        {WAIT}
        sd      x6, 248(x8)
done:   halt
";

#[test]
fn a_core_store_to_bytes_a_dma_reads_races_until_the_core_waits_for_the_transfer() {
    let r = one(racy_and_fixed(
        CORE_STORE_AFTER_DMA_OUT,
        "sem.wait s1, x0, 1",
        &common::zw1(2),
    ));
    assert_eq!(r.earlier.agent, Agent::Engine(QueueId::DmaOut));
    assert!(!r.earlier.write);
    assert_eq!(r.later.agent, Agent::Core);
    assert!(r.later.write);
    assert_eq!(r.bytes, 8);
}

const TWO_DMAS: &str = "
        .section .hbm
src:    .space 512
        .bss
        .balign 64
buf:    .space 512
        .text
        .global _start
_start: li      x6, 256
        li      x7, 1
        dma.cfg u8, u8, 0
        dma.dim 0, x6, x7, x7
        la      x8, buf
        la      x9, src
        dma.in  x8, x9, s0
        {WAIT}
        addi    x8, x8, 128
        addi    x9, x9, 256
        dma.out x8, x9, s1
        sem.take s0, x0, 1
        sem.take s1, x0, 1
        halt
";

#[test]
fn two_dmas_on_different_queues_writing_shared_bytes_race_until_a_queue_waits() {
    // The DMA-out queue waits for the DMA-in transfer, and gives its count back to the core.
    let wait = "q.take dmaout, s0, 1\n q.signal dmaout, s0, 1";
    let r = one(racy_and_fixed(TWO_DMAS, wait, &common::zw1(1)));
    assert!(r.earlier.write && r.later.write, "{r}");
    assert_eq!(r.earlier.agent, Agent::Engine(QueueId::DmaIn));
    assert_eq!(r.later.agent, Agent::Engine(QueueId::DmaOut));
    // buf+128..buf+256: the bytes both write.
    assert_eq!(r.bytes, 128);
}

const MATRIX_THEN_VECTOR: &str = "
        .bss
        .balign 64
w:      .space 16*16*2
out:    .space 16*16*4
        .text
        .global _start
_start: li      x5, 16
        la      x6, w
        mx.cfg  ws, bf16
        mx.ldw  x6, x5, x5
        li      x7, 0x20000000000
        mx.mm   x7, x6, x5
        {WAIT}
        li      x9, 256
        la      x8, out
        vmov.fp32 x8, x7, x9
        fence
        halt
";

#[test]
fn a_vector_read_of_accumulators_the_matrix_unit_writes_races_without_a_queue_handoff() {
    let r = one(racy_and_fixed(
        MATRIX_THEN_VECTOR,
        "q.signal mx, s3, 1\n q.take vec, s3, 1",
        &common::zw1(1),
    ));
    assert_eq!(r.memory, Memory::Acc);
    assert_eq!(r.earlier.agent, Agent::Engine(QueueId::Matrix));
    assert!(
        r.earlier.write && r.earlier.instruction.starts_with("mx.mm"),
        "{r}"
    );
    assert_eq!(r.later.agent, Agent::Engine(QueueId::Vector));
    assert!(!r.later.write);
    assert_eq!((r.offset, r.bytes), (0, 16 * 16 * 4));
}

/// Tile 0 sends its buffer into tile 1's inbox (`dma.out`, flags `{FLAGS}`), tile 1 loads it.
const CROSS_TILE: &str = "
        .bss
        .balign 64
buf:    .space 256
inbox:  .space 256
        .text
        .global _start
_start: li      x6, 256
        li      x7, 1
        dma.cfg u8, u8, {FLAGS}
        dma.dim 0, x6, x7, x7
        la      x8, buf
        la      x10, inbox
        csrr    x5, tile_id
        bnez    x5, receiver
        li      x11, 0x140000000000     # own scratchpad -> tile 1's
        add     x9, x10, x11
        dma.out x9, x8, s1
        {SENDER}
        halt
receiver:
        {RECEIVER}
        ld      x12, 0(x10)
        halt
";

fn cross_tile(flags: &str, sender: &str, receiver: &str) -> Vec<Race> {
    let src = CROSS_TILE
        .replace("{FLAGS}", flags)
        .replace("{SENDER}", sender)
        .replace("{RECEIVER}", receiver);
    races(&src, &common::zw1(2))
}

#[test]
fn a_cross_tile_write_races_with_the_receivers_read_unless_a_semaphore_orders_them() {
    // No synchronization at all.
    let r = one(cross_tile("0", "", ""));
    assert_eq!((r.chip, r.tile, r.memory), (0, Some(1), Memory::Spad));
    // The load comes first here (the transfer has not started yet); either order is a race.
    let mut who = [
        (r.earlier.tile, r.earlier.agent),
        (r.later.tile, r.later.agent),
    ];
    who.sort_by_key(|w| w.0);
    assert_eq!(who, [(0, Agent::Engine(QueueId::DmaOut)), (1, Agent::Core)]);
    // A signal sent before the transfer is known complete does not publish its data.
    let r = one(cross_tile(
        "0",
        "sem.signal x0, x7, s2, 1",
        "sem.take s2, x0, 1",
    ));
    assert_eq!(r.earlier.agent, Agent::Engine(QueueId::DmaOut));
    // Waiting for the transfer before signalling does.
    let clean = cross_tile(
        "0",
        "sem.take s1, x0, 1\n sem.signal x0, x7, s2, 1",
        "sem.take s2, x0, 1",
    );
    assert!(clean.is_empty(), "{}", list(&clean));
    // So does the transfer's own signal at the destination (flag 4).
    let clean = cross_tile("4", "", "sem.take s1, x0, 1");
    assert!(clean.is_empty(), "{}", list(&clean));
}

#[test]
fn a_cross_chip_write_races_with_the_receivers_read_unless_a_semaphore_orders_them() {
    let config = common::with(common::zw1(1), &[("topology.chips", "2")]);
    let src = CROSS_TILE
        .replace("csrr    x5, tile_id", "csrr    x5, chip_id")
        // Chip 1's tile 0: space 13, the chip in bits 50 and up.
        .replace("0x140000000000", "0x40c0000000000")
        .replace("{FLAGS}", "0");
    let run = |sender: &str, receiver: &str| {
        let s = src
            .replace("{SENDER}", sender)
            .replace("{RECEIVER}", receiver);
        races(&s, &config)
    };
    let r = one(run("sem.signal x7, x0, s2, 1", "sem.take s2, x0, 1"));
    assert_eq!((r.chip, r.tile), (1, Some(0)));
    assert_eq!((r.earlier.chip, r.later.chip), (0, 1));
    let clean = run(
        "sem.take s1, x0, 1\n sem.signal x7, x0, s2, 1",
        "sem.take s2, x0, 1",
    );
    assert!(clean.is_empty(), "{}", list(&clean));
}

#[test]
fn without_the_checker_there_are_no_reports_and_the_run_is_the_same() {
    let src = CORE_AFTER_DMA_IN.replace("{WAIT}", "");
    let mut plain = common::machine(&src, &common::zw1(1));
    let a = plain.run(None);
    assert!(plain.races().is_none());
    let mut checked = common::machine(&src, &common::zw1(1));
    checked.check_races();
    let b = checked.run(None);
    assert_eq!((a.exit, a.cycles), (b.exit, b.cycles));
    assert_eq!(plain.architectural_state(), checked.architectural_state());
}
