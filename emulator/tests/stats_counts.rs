//! The run statistics equal what the programs' shapes imply, counted by hand: bytes a transfer or
//! operation reads and writes (elements × element size of each operand), multiply-accumulates
//! (M·N·K), elements, semaphore items, and instructions by timing class (docs/isa.md gives each
//! instruction's class; `li` of a 32-bit value and `nop` are one `addi`, `la` is `lui` + `addi`).

mod common;

use common::{machine_of, run, with, zw1};
use emulator::Machine;
use emulator::stats::{ClassStats, EngineStats, MachineStats};

/// The stats of a run of `m` that must halt.
fn halted_stats(mut m: Machine) -> MachineStats {
    let report = m.run(Some(100_000_000));
    let stats = m.stats(&report.exit);
    assert_eq!(stats.exit, "halted", "{:?}", report.exit);
    check_invariants(&stats);
    stats
}

fn stats_of(src: &str, tiles: u32) -> MachineStats {
    let (m, report) = run(src, &zw1(tiles));
    let stats = m.stats(&report.exit);
    assert_eq!(stats.exit, "halted", "{:?}", report.exit);
    check_invariants(&stats);
    stats
}

/// For every core and engine, busy + stalled + idle = the run's length; a single-issue core is
/// busy exactly one cycle per instruction; the per-tile figures add up to the machine's.
fn check_invariants(s: &MachineStats) {
    let mut retired = 0;
    for chip in &s.chips {
        for t in &chip.tiles {
            let c = &t.control;
            assert_eq!(c.total_cycles, s.total_cycles, "tile {}", t.tile);
            assert_eq!(
                c.busy_cycles + c.stalled_cycles + c.idle_cycles,
                c.total_cycles,
                "tile {} control",
                t.tile
            );
            assert_eq!(c.busy_cycles, c.retired_instructions, "tile {}", t.tile);
            let st = &c.stalls;
            let reasons = st.dependency_cycles
                + st.branch_cycles
                + st.divider_cycles
                + st.structural_cycles
                + st.queue_full_cycles
                + st.fence_cycles
                + st.semaphore_cycles;
            assert_eq!(reasons, c.stalled_cycles, "tile {} stall reasons", t.tile);
            assert_eq!(class_sum(&c.by_class), c.retired_instructions);
            retired += c.retired_instructions;
            for (name, e) in [
                ("dma-in", &t.dma_in),
                ("dma-out", &t.dma_out),
                ("matrix", &t.matrix),
                ("vector", &t.vector),
            ] {
                assert_eq!(e.total_cycles, s.total_cycles, "tile {} {name}", t.tile);
                assert_eq!(
                    e.busy_cycles + e.stalled_cycles + e.idle_cycles,
                    e.total_cycles,
                    "tile {} {name}",
                    t.tile
                );
            }
        }
    }
    assert_eq!(retired, s.retired_instructions);
}

fn class_sum(c: &ClassStats) -> u64 {
    c.alu_instructions
        + c.mul_instructions
        + c.div_instructions
        + c.load_instructions
        + c.store_instructions
        + c.branch_instructions
        + c.jump_instructions
        + c.csr_instructions
        + c.sem_instructions
        + c.fence_instructions
        + c.system_instructions
        + c.dma_instructions
        + c.matrix_instructions
        + c.vector_instructions
}

/// Instruction counts by class, zero where not named.
#[derive(Default)]
struct Classes {
    alu: u64,
    mul: u64,
    div: u64,
    branch: u64,
    csr: u64,
    sem: u64,
    system: u64,
    dma: u64,
    matrix: u64,
    vector: u64,
}

impl Classes {
    fn stats(&self) -> ClassStats {
        ClassStats {
            alu_instructions: self.alu,
            mul_instructions: self.mul,
            div_instructions: self.div,
            load_instructions: 0,
            store_instructions: 0,
            branch_instructions: self.branch,
            jump_instructions: 0,
            csr_instructions: self.csr,
            sem_instructions: self.sem,
            fence_instructions: 0,
            system_instructions: self.system,
            dma_instructions: self.dma,
            matrix_instructions: self.matrix,
            vector_instructions: self.vector,
        }
    }
}

/// An engine's traffic: (operations, semaphore items, bytes read, bytes written, elements).
fn traffic(e: &EngineStats) -> (u64, u64, u64, u64, u64) {
    (
        e.completed_operations,
        e.semaphore_items,
        e.read_bytes,
        e.written_bytes,
        e.work_elements,
    )
}

const IDLE: (u64, u64, u64, u64, u64) = (0, 0, 0, 0, 0);

#[test]
fn a_scalar_loop_retires_its_body_times_its_trip_count_plus_the_prologue() {
    let src = "
        .global _start
    _start:
        li      x5, 0
        li      x6, 10
    loop:
        addi    x5, x5, 3
        addi    x6, x6, -1
        bnez    x6, loop
        halt
    ";
    let config = with(
        zw1(1),
        &[
            ("core.alu_latency_cycles", "1"),
            ("core.branch_penalty_cycles", "2"),
        ],
    );
    let (m, report) = run(src, &config);
    let s = m.stats(&report.exit);
    check_invariants(&s);
    let c = &s.chips[0].tiles[0].control;
    // 2 (prologue) + 3 × 10 (body × trips) + 1 (halt).
    assert_eq!(c.retired_instructions, 33);
    let classes = Classes {
        alu: 2 + 2 * 10,
        branch: 10,
        system: 1,
        ..Classes::default()
    };
    assert_eq!(c.by_class, classes.stats());
    // One issue per instruction, plus 2 penalty cycles for each of the 9 taken branches; the
    // run ends the cycle after halt issues.
    assert_eq!(c.stalls.branch_cycles, 9 * 2);
    assert_eq!((c.busy_cycles, c.stalled_cycles), (33, 18));
    assert_eq!(s.total_cycles, 33 + 18);
    for e in [&s.chips[0].tiles[0].dma_in, &s.chips[0].tiles[0].matrix] {
        assert_eq!(traffic(e), IDLE);
        assert_eq!(e.idle_cycles, s.total_cycles);
    }
}

#[test]
fn a_dma_moves_count_times_element_size_bytes_at_each_end() {
    // In: 3 rows × 5 fp32 from HBM into packed bf16 in the scratchpad. Out: 7 bytes as u8.
    let src = "
        .section .hbm
        .balign 64
    src:  .space 3*5*4
        .bss
        .balign 64
    dst:  .space 64
        .text
        .global _start
    _start:
        li      x5, 5
        li      x6, 3
        li      x7, 4
        li      x8, 2
        li      x9, 20
        li      x10, 10
        dma.cfg fp32, bf16, 0
        dma.dim 0, x5, x7, x8
        dma.dim 1, x6, x9, x10
        la      x11, src
        la      x12, dst
        dma.in  x12, x11, s0
        sem.take s0, x0, 1
        li      x13, 7
        li      x14, 1
        dma.cfg u8, u8, 0
        dma.dim 0, x13, x14, x14
        dma.dim 1, x14, x0, x0
        dma.out x11, x12, s1
        sem.take s1, x0, 1
        halt
    ";
    let s = stats_of(src, 1);
    let t = &s.chips[0].tiles[0];
    // 15 elements: 15 × 4 bytes read, 15 × 2 written.
    assert_eq!(traffic(&t.dma_in), (1, 0, 60, 30, 15));
    // 7 elements of 1 byte each way.
    assert_eq!(traffic(&t.dma_out), (1, 0, 7, 7, 7));
    assert_eq!((traffic(&t.matrix), traffic(&t.vector)), (IDLE, IDLE));
    let classes = Classes {
        alu: 8 + 2 * 2 + 6, // 8 li, 2 la; 2 dma.cfg and 4 dma.dim configure in one ALU cycle
        dma: 2,             // in, out
        sem: 2,
        system: 1,
        ..Classes::default()
    };
    assert_eq!(t.control.by_class, classes.stats());
    assert_eq!(s.retired_instructions, 12 + 8 + 2 + 1);
}

#[test]
fn a_matrix_multiply_counts_m_n_k_macs_and_its_operand_bytes() {
    // C (8×16) = A (8×32) · B (32×16) in bf16, twice (mx.mm then mx.mma), read out as bf16,
    // then again with a bias of N fp32 values.
    let src = "
        .bss
        .balign 64
    a:  .space 8*32*2
    w:  .space 32*16*2
    c:  .space 8*16*2
    bias: .space 16*4
        .text
        .global _start
    _start:
        li      x5, 8
        li      x6, 16
        li      x7, 32
        la      x20, a
        la      x21, w
        la      x22, c
        li      x23, 0x20000000000
        li      x24, 0x3f800000
        mx.cfg  ws, bf16
        mx.post none, bf16, x24, x0
        mx.ldw  x21, x7, x6
        mx.mm   x23, x20, x5
        mx.mma  x23, x20, x5
        q.signal mx, s1, 1
        q.take  vec, s1, 1
        mx.out  x22, x23, x5, x6
        la      x25, bias
        mx.post none, bf16, x24, x25
        mx.out  x22, x23, x5, x6
        halt
    ";
    let s = stats_of(src, 1);
    let t = &s.chips[0].tiles[0];
    let (m, n, k) = (8u64, 16u64, 32u64);
    // ldw reads B (K·N·2); mm reads A (M·K·2) and writes C (M·N·4, fp32); mma also reads C.
    let read = k * n * 2 + m * k * 2 + (m * k * 2 + m * n * 4);
    assert_eq!(read, 1024 + 512 + 1024);
    assert_eq!(
        traffic(&t.matrix),
        (3, 1, read, 2 * m * n * 4, 2 * m * n * k)
    );
    assert_eq!(2 * m * n * k, 8192);
    // mx.out, on the vector queue: reads M·N fp32 accumulators (and N fp32 biases), writes
    // M·N bf16.
    assert_eq!(
        traffic(&t.vector),
        (2, 1, 2 * m * n * 4 + n * 4, 2 * m * n * 2, 2 * m * n)
    );
    let classes = Classes {
        // 4 one-instruction li, 4 la, li of a 64-bit value; mx.cfg and two mx.post configure
        alu: 4 + 4 * 2 + 2 + 3,
        matrix: 3, // ldw, mm, mma
        sem: 2,
        vector: 2,
        system: 1,
        ..Classes::default()
    };
    assert_eq!(t.control.by_class, classes.stats());
}

#[test]
fn vector_operations_count_n_elements_of_each_operand_they_read_and_write() {
    // n = 100 bf16 additions; 40 fp32 exponentials; 50 fp32 → bf16 conversions; 24 fp32 fills.
    let src = "
        .bss
        .balign 64
    a:  .space 1024
    b:  .space 1024
    d:  .space 1024
        .text
        .global _start
    _start:
        la      x20, a
        la      x21, b
        la      x22, d
        li      x5, 100
        li      x6, 40
        li      x7, 50
        li      x8, 24
        vadd.bf16 x22, x20, x21, x5
        vexp.fp32 x22, x20, x6
        vcvt.fp32.bf16 x22, x20, x7
        vfill.fp32 x22, x0, x8
        halt
    ";
    let s = stats_of(src, 1);
    let t = &s.chips[0].tiles[0];
    let read = 100 * 2 * 2 + 40 * 4 + 50 * 4;
    let written = 100 * 2 + 40 * 4 + 50 * 2 + 24 * 4;
    assert_eq!(
        traffic(&t.vector),
        (4, 0, read, written, 100 + 40 + 50 + 24)
    );
    let classes = Classes {
        alu: 3 * 2 + 4,
        vector: 4,
        system: 1,
        ..Classes::default()
    };
    assert_eq!(t.control.by_class, classes.stats());
}

#[test]
fn vadd_on_two_tiles_moves_each_tiles_half_of_the_vectors() {
    // programs/vadd: N = 16384 bf16 per vector, N/2 = 8192 per tile.
    let s = halted_stats(machine_of("programs/vadd/vadd.s", &zw1(2)));
    let half = 8192u64;
    for t in &s.chips[0].tiles {
        // Two transfers in (a and b), one out (c), each half × 2 bytes at both ends.
        assert_eq!(
            traffic(&t.dma_in),
            (2, 0, 2 * half * 2, 2 * half * 2, 2 * half)
        );
        // dma.out waits in its queue for the vector's q.signal: one q.take item.
        assert_eq!(traffic(&t.dma_out), (1, 1, half * 2, half * 2, half));
        // vadd reads two sources and writes one; q.signal vec is one item.
        assert_eq!(traffic(&t.vector), (1, 1, 2 * half * 2, half * 2, half));
        assert_eq!(traffic(&t.matrix), IDLE);
        let classes = Classes {
            // li N, slli, li 2, five la, three add.
            // and dma.cfg, dma.dim.
            alu: 1 + 1 + 1 + 5 * 2 + 3 + 2,
            mul: 1,
            div: 1,
            csr: 2,
            dma: 3, // in, in, out
            sem: 3, // sem.take, q.signal, q.take
            vector: 1,
            system: 1,
            ..Classes::default()
        };
        assert_eq!(t.control.by_class, classes.stats(), "tile {}", t.tile);
        assert_eq!(t.control.retired_instructions, 30);
    }
}

#[test]
fn gemm_counts_m_n_k_macs_and_moves_each_matrix_the_blocking_implies() {
    // programs/gemm: M = N = K = 256 in bf16 on tile 0, in 4 chunks of 64 columns (NB = 64; MB
    // and KB exceed 256, so one A block and one K slice per chunk).
    let s = halted_stats(machine_of("programs/gemm/gemm.s", &zw1(2)));
    let t = &s.chips[0].tiles[0];
    let (m, n, k, chunks) = (256u64, 256u64, 256u64, 4u64);
    let nb = n / chunks;
    // Per chunk: mx.ldw reads a K×nb slice of B, mx.mm reads A and writes M×nb fp32.
    assert_eq!(
        traffic(&t.matrix),
        (
            2 * chunks,
            2 + 4 * chunks, // s6 and s5 for the one A block; s4, s1, s2, s3 per chunk
            chunks * (k * nb * 2 + m * k * 2),
            chunks * m * nb * 4,
            m * n * k
        )
    );
    assert_eq!(m * n * k, 16_777_216);
    // mx.out per chunk: M×nb fp32 in, bf16 out; 4 semaphore items per chunk.
    assert_eq!(
        traffic(&t.vector),
        (chunks, 4 * chunks, m * n * 4, m * n * 2, m * n)
    );
    // In: 48 parameter bytes (u8), A once, B once (in 4 slices); out: C in 4 chunks.
    let ab = m * k + k * n;
    assert_eq!(
        traffic(&t.dma_in),
        (
            1 + 1 + chunks,
            1 + chunks,
            48 + ab * 2,
            48 + ab * 2,
            48 + ab
        )
    );
    assert_eq!(
        traffic(&t.dma_out),
        (chunks, chunks, m * n * 2, m * n * 2, m * n)
    );
    // Tile 1 only reads its id, branches to done and halts.
    let other = &s.chips[0].tiles[1];
    let classes = Classes {
        csr: 1,
        branch: 1,
        system: 1,
        ..Classes::default()
    };
    assert_eq!(other.control.by_class, classes.stats());
    for e in [&other.dma_in, &other.dma_out, &other.matrix, &other.vector] {
        assert_eq!(traffic(e), IDLE);
    }
}

#[test]
fn fma_reads_its_destination_and_a_reduction_writes_one_element() {
    // vfma: d[i] = a[i]·b[i] + d[i] reads three operands of 64 fp32 and writes one; vredsum and
    // vredmax read 30 bf16 and write the one element d[0] (docs/isa.md).
    let src = "
        .bss
        .balign 64
    a:  .space 1024
    b:  .space 1024
    d:  .space 1024
        .text
        .global _start
    _start:
        la      x20, a
        la      x21, b
        la      x22, d
        li      x5, 64
        li      x6, 30
        vfma.fp32 x22, x20, x21, x5
        vredsum.bf16 x22, x20, x6
        vredmax.bf16 x22, x20, x6
        halt
    ";
    let s = stats_of(src, 1);
    let t = &s.chips[0].tiles[0];
    let read = 3 * 64 * 4 + 2 * 30 * 2;
    let written = 64 * 4 + 2 * 2;
    assert_eq!(traffic(&t.vector), (3, 0, read, written, 64 + 30 + 30));
}

#[test]
fn a_four_dimensional_dma_moves_the_product_of_its_counts() {
    // 4 × 3 × 2 × 2 = 48 u8 elements from HBM, widened to fp16 in the scratchpad (packed: byte
    // strides 1, 4, 12, 24 at the source and 2, 8, 24, 48 at the destination).
    let src = "
        .section .hbm
        .balign 64
    src:  .space 48
        .bss
        .balign 64
    dst:  .space 96
        .text
        .global _start
    _start:
        li      x5, 4
        li      x6, 3
        li      x7, 2
        li      x10, 1
        li      x11, 12
        li      x12, 24
        li      x13, 48
        li      x14, 8
        dma.cfg u8, fp16, 0
        dma.dim 0, x5, x10, x7
        dma.dim 1, x6, x5, x14
        dma.dim 2, x7, x11, x13
        dma.dim 3, x7, x12, x13
        la      x20, src
        la      x21, dst
        dma.in  x21, x20, s0
        sem.take s0, x0, 1
        halt
    ";
    let s = stats_of(src, 1);
    let t = &s.chips[0].tiles[0];
    assert_eq!(traffic(&t.dma_in), (1, 0, 48, 48 * 2, 48));
    assert_eq!(traffic(&t.dma_out), IDLE);
}
