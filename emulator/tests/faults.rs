//! Traps: every cause is raised where the ISA says, reported with the tile, the pc, the
//! disassembled instruction and the cause, and the reference interpreter raises the same trap.

mod common;

use common::{machine, num, run, zw1};
use emulator::config::Config;
use emulator::{Exit, Trap};
use isa::Cause;
use isa::memory_map::{ACC_BASE, SPAD_BASE, TILE_SHIFT};

const PRELUDE: &str = "
        .bss
        .balign 64
buf:    .space 4096
        .text
        .global _start
_start:
        la x6, buf
";

fn trap_of(body: &str) -> (Trap, Trap) {
    trap_on(&zw1(1), body)
}

fn trap_on(config: &Config, body: &str) -> (Trap, Trap) {
    let src = format!("{PRELUDE}{body}\n        halt\n");
    let mut timed = machine(&src, config);
    let exit = timed.run(Some(1_000_000)).exit;
    let Exit::Trapped(trap) = exit else {
        panic!("expected a trap from `{body}`, got {exit:?}");
    };
    let mut reference = machine(&src, config);
    let Exit::Trapped(ref_trap) = reference.run_reference(1_000_000) else {
        panic!("the reference did not trap on `{body}`");
    };
    (trap, ref_trap)
}

fn check(body: &str, cause: Cause, instruction: &str, detail: &str) {
    check_on(&zw1(1), body, cause, instruction, detail);
}

fn check_on(config: &Config, body: &str, cause: Cause, instruction: &str, detail: &str) {
    let (t, r) = trap_on(config, body);
    assert_eq!(t.cause, cause, "{t}");
    assert_eq!((t.chip, t.tile), (0, 0));
    assert!(t.instruction.starts_with(instruction), "{t}");
    assert!(t.detail.contains(detail), "{t}");
    assert_eq!(
        (r.cause, r.pc, &r.instruction, &r.detail),
        (t.cause, t.pc, &t.instruction, &t.detail),
        "the reference interpreter reports the same trap"
    );
}

#[test]
fn a_trap_message_names_tile_chip_pc_instruction_cause_and_address() {
    let (t, _) = trap_of("lw x5, 6(x6)");
    // la is lui + addi: the lw is the third instruction.
    assert_eq!(
        t.to_string(),
        "tile 0 (chip 0) trapped at pc 0x10: lw x5, 6(x6) — misaligned access (address 0x10000000006)"
    );
}

#[test]
fn loads_and_stores_outside_the_tiles_memories_are_access_faults() {
    check(
        "li x7, 0x40000000000\nld x5, 0(x7)",
        Cause::AccessFault,
        "ld",
        "0x40000000000",
    );
    check(
        "li x7, 0x10000400000\nsd x5, 0(x7)",
        Cause::AccessFault,
        "sd",
        "beyond the end",
    );
}

#[test]
fn an_undecodable_word_is_an_illegal_instruction() {
    check(
        ".dword 0xff",
        Cause::IllegalInstruction,
        ".dword 0x00000000000000ff",
        "opcode",
    );
}

#[test]
fn jumping_outside_the_text_is_a_fetch_fault() {
    check(
        "li x7, 0x100000\njalr x0, x7, 0",
        Cause::FetchFault,
        "jalr",
        "0x100000",
    );
    check("li x7, 4\njalr x0, x7, 0", Cause::FetchFault, "jalr", "0x4");
}

#[test]
fn a_dma_with_a_zero_count_or_a_region_past_the_end_is_a_dma_fault() {
    check(
        "dma.dim 0, x0, x0, x0\ndma.in x6, x6, s0",
        Cause::DmaFault,
        "dma.in",
        "count of dimension 0 is zero",
    );
    check(
        "li x5, 0x400001\nli x7, 1\ndma.dim 0, x5, x7, x7\ndma.out x6, x6, s0",
        Cause::DmaFault,
        "dma.out",
        "leave spad",
    );
}

#[test]
fn a_multiply_without_weights_or_with_a_misplaced_operand_is_a_matrix_fault() {
    check(
        "li x5, 4\nli x7, 0x20000000000\nmx.mm x7, x6, x5",
        Cause::MatrixFault,
        "mx.mm",
        "no weights",
    );
    check(
        "li x5, 4\nmx.ldw x6, x5, x5\nmx.mm x6, x6, x5",
        Cause::MatrixFault,
        "mx.mm",
        "accumulator",
    );
    check("mx.ldw x6, x0, x0", Cause::MatrixFault, "mx.ldw", "K = 0");
}

#[test]
fn a_vector_operand_misaligned_or_outside_the_tile_is_a_vector_fault() {
    check(
        "li x5, 4\naddi x7, x6, 2\nvadd.fp32 x7, x6, x6, x5",
        Cause::VectorFault,
        "vadd.fp32",
        "not aligned",
    );
    check(
        "li x5, 4\nli x7, 0x40000000000\nvexp.bf16 x6, x7, x5",
        Cause::VectorFault,
        "vexp.bf16",
        "not in this tile",
    );
}

#[test]
fn semaphores_that_would_leave_their_range_or_do_not_exist_are_semaphore_faults() {
    check(
        "sem.add s2, x0, -1",
        Cause::SemaphoreFault,
        "sem.add",
        "outside",
    );
    check(
        "li x5, 9\nsem.signal x0, x5, s1, 1",
        Cause::SemaphoreFault,
        "sem.signal",
        "tile 9 does not exist",
    );
}

#[test]
fn the_trap_instruction_reports_its_code() {
    check("trap 42", Cause::SoftwareTrap, "trap 42", "code 42");
}

#[test]
fn a_trap_stops_every_tile() {
    let src = format!("{PRELUDE}csrr x5, tile_id\nbne x5, x0, 1f\ntrap 7\n1: j 1b\n");
    let mut m = machine(&src, &zw1(2));
    let r = m.run(Some(1_000_000));
    assert!(
        matches!(r.exit, Exit::Trapped(ref t) if t.tile == 0),
        "{:?}",
        r.exit
    );
    assert!(r.cycles.get() < 100);
}

/// The first byte past this tile's scratchpad and accumulator on `zw1(1)`.
fn ends() -> (u64, u64) {
    let c = zw1(1);
    (
        SPAD_BASE + num(&c, "scratchpad.size_kib") * 1024,
        ACC_BASE + num(&c, "accumulator.size_kib") * 1024,
    )
}

/// Runs `body` on one tile and requires it to halt.
fn accepts(body: &str) {
    let src = format!("{PRELUDE}{body}\n        halt\n");
    let exit = machine(&src, &zw1(1)).run(Some(1_000_000)).exit;
    assert_eq!(exit, Exit::Halted, "`{body}`");
}

#[test]
fn matrix_operands_may_end_at_their_memorys_end_and_not_one_element_past_it() {
    let (spad_end, acc_end) = ends();
    // K = N = M = 4, bf16 inputs (2 bytes), fp32 accumulators (4 bytes), fp32 output.
    // mx.ldw reads K·N·2 = 32 bytes, mx.mm reads M·K·2 = 32 bytes and writes M·N·4 = 64,
    // mx.out reads M·N·4 = 64 and writes M·N·4 = 64.
    let ldw = |b: u64| format!("li x5, 4\nli x7, {b}\nmx.ldw x7, x5, x5");
    accepts(&ldw(spad_end - 32));
    check(&ldw(spad_end - 30), Cause::MatrixFault, "mx.ldw", "B:");
    let mm = |a: u64, acc: u64| {
        format!("li x5, 4\nmx.ldw x6, x5, x5\nli x7, {a}\nli x8, {acc}\nmx.mm x8, x7, x5")
    };
    accepts(&mm(spad_end - 32, acc_end - 64));
    check(
        &mm(spad_end - 30, ACC_BASE),
        Cause::MatrixFault,
        "mx.mm",
        "A:",
    );
    check(
        &mm(SPAD_BASE, acc_end - 60),
        Cause::MatrixFault,
        "mx.mm",
        "accumulator:",
    );
    // mx.out writes fp32 at reset.
    let out =
        |dst: u64, acc: u64| format!("li x5, 4\nli x7, {dst}\nli x8, {acc}\nmx.out x7, x8, x5, x5");
    accepts(&out(spad_end - 64, acc_end - 64));
    check(
        &out(spad_end - 60, ACC_BASE),
        Cause::MatrixFault,
        "mx.out",
        "destination:",
    );
    check(
        &out(SPAD_BASE, acc_end - 60),
        Cause::MatrixFault,
        "mx.out",
        "accumulator:",
    );
    // A bias is N fp32 values: 16 bytes.
    let biased = |bias: u64| {
        format!(
            "li x9, {bias}\nmx.post none, fp32, x0, x9\n{}",
            out(SPAD_BASE, ACC_BASE)
        )
    };
    accepts(&biased(spad_end - 16));
    check(
        &biased(spad_end - 12),
        Cause::MatrixFault,
        "mx.out",
        "bias:",
    );
}

#[test]
fn a_vector_operand_in_another_tiles_scratchpad_is_a_vector_fault() {
    // Tile 1's scratchpad, named by its global address (space 5: a named tile's scratchpad).
    let other = (5u64 << 40) | (1 << TILE_SHIFT);
    for body in [
        format!("li x5, 4\nli x7, {other}\nvadd.fp32 x7, x6, x6, x5"),
        format!("li x5, 4\nli x7, {other}\nvadd.fp32 x6, x7, x6, x5"),
        format!("li x5, 4\nli x7, {other}\nvexp.bf16 x6, x7, x5"),
    ] {
        check_on(&zw1(2), &body, Cause::VectorFault, "v", "not in this tile");
    }
}

#[test]
fn a_vector_operation_of_more_than_2_pow_28_elements_is_refused_by_its_size() {
    check(
        "li x5, 0x10000001\nvadd.bf16 x6, x6, x6, x5",
        Cause::VectorFault,
        "vadd.bf16",
        "exceed the unit's limit of 268435456",
    );
}

#[test]
fn a_vector_operation_of_exactly_2_pow_28_elements_is_accepted() {
    // Accepted at enqueue, never run: the vector queue waits first on a semaphore nothing
    // signals, so the run ends in a deadlock rather than a vector fault. Stride 0 keeps the
    // destination one element long.
    let src = format!(
        "{PRELUDE}q.take vec, s3, 1\nvstride x0, x0, x0\nli x5, 0x10000000\nvfill.fp32 x6, x0, x5\nhalt\n"
    );
    let exit = machine(&src, &zw1(1)).run(Some(1_000_000)).exit;
    assert!(matches!(exit, Exit::Deadlock(_)), "{exit:?}");
}

#[test]
fn traps_of_one_cycle_name_the_first_tile_and_count_the_others() {
    // Every tile traps at once, except tile 2, which traps later.
    let src = "
        .global _start
_start:
        csrr x5, tile_id
        li x6, 2
        beq x5, x6, 1f
        trap 3
1:      nop
        nop
        trap 4
";
    let (_, r) = run(src, &zw1(4));
    let Exit::Trapped(t) = r.exit else {
        panic!("{:?}", r.exit)
    };
    assert_eq!((t.chip, t.tile), (0, 0), "the first by chip, then tile");
    assert_eq!(
        t.others, 2,
        "tiles 1 and 3 trap in the same cycle; tile 2 later"
    );
    assert!(
        t.to_string().ends_with("; 2 more traps in the same cycle"),
        "{t}"
    );
    // One trap alone says nothing more.
    let (_, r) = run(src, &zw1(1));
    let Exit::Trapped(t) = r.exit else {
        panic!("{:?}", r.exit)
    };
    assert_eq!(t.others, 0);
    assert!(!t.to_string().contains("more trap"), "{t}");
}
