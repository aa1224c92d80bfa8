//! Traps: every cause is raised where the ISA says, reported with the tile, the pc, the
//! disassembled instruction and the cause, and the reference interpreter raises the same trap.

mod common;

use common::{machine, zw1};
use emulator::engine::Exit;
use emulator::trap::Trap;
use isa::Cause;

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
    let src = format!("{PRELUDE}{body}\n        halt\n");
    let config = zw1(1);
    let mut timed = machine(&src, &config);
    let exit = timed.run(Some(1_000_000)).exit;
    let Exit::Trapped(trap) = exit else {
        panic!("expected a trap from `{body}`, got {exit:?}");
    };
    let mut reference = machine(&src, &config);
    let Exit::Trapped(ref_trap) = reference.run_reference(1_000_000) else {
        panic!("the reference did not trap on `{body}`");
    };
    (trap, ref_trap)
}

fn check(body: &str, cause: Cause, instruction: &str, detail: &str) {
    let (t, r) = trap_of(body);
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
