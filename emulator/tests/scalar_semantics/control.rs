//! Branches, jumps and their link values, control/status registers, semaphores, fences, `halt`
//! and `trap`.

use crate::common::{machine, with, zw1};
use crate::{M1, MAX, MIN, RESULTS_OFFSET, Row, SPAD, asm, branch, branch_back, check, words};
use emulator::Exit;
use isa::{Cause, Csr};
use std::fmt::Write;

const B31: u64 = 0x8000_0000;

/// Each condition taken and not taken, with operands whose order differs between the signed and
/// the unsigned reading (-1 against 1, MIN against MAX).
pub const BRANCHES: &[Row] = &[
    branch("beq", 5, 5, true),
    branch("beq", M1, 1, false),
    branch("beq", MIN, MIN, true),
    branch("beq", 0x1_0000_0005, 5, false), // differ only above bit 31
    branch("bne", 5, 5, false),
    branch("bne", M1, 1, true),
    branch("bne", 0x1_0000_0005, 5, true),
    branch("bne", 0, 0, false),
    branch("blt", M1, 1, true), // -1 < 1
    branch("blt", 1, M1, false),
    branch("blt", MIN, MAX, true),
    branch("blt", MAX, MIN, false),
    branch("blt", 5, 5, false),
    branch("blt", B31, 0x7fff_ffff, false), // 2^31 is positive in 64 bits
    branch("blt", 4, 5, true),
    branch("bge", M1, 1, false),
    branch("bge", 1, M1, true),
    branch("bge", MIN, MAX, false),
    branch("bge", MAX, MIN, true),
    branch("bge", 5, 5, true),
    branch("bge", B31, 0x7fff_ffff, true),
    branch("bltu", M1, 1, false), // 2^64-1 > 1
    branch("bltu", 1, M1, true),
    branch("bltu", MIN, MAX, false),
    branch("bltu", MAX, MIN, true),
    branch("bltu", 5, 5, false),
    branch("bltu", 0, 1, true),
    branch("bgeu", M1, 1, true),
    branch("bgeu", 1, M1, false),
    branch("bgeu", MIN, MAX, true),
    branch("bgeu", MAX, MIN, false),
    branch("bgeu", 5, 5, true),
    branch("bgeu", 0, 1, false),
    branch_back("beq", 5, 5, true),
    branch_back("bne", 5, 5, false),
    branch_back("blt", M1, 1, true),
    branch_back("bge", MAX, MIN, true),
    branch_back("bltu", 1, M1, true),
    branch_back("bgeu", 1, M1, false),
];

/// `jal` and `jalr`: the link is the jump's own address + 8 (measured from a `la` of the jump),
/// `jalr` goes to x[rs1] + imm computed before the link is written, and x0 links nowhere.
pub const JUMPS: &[Row] = &[
    // A jump that fell through would add 100.
    asm(
        "jal",
        "la x6, 1f\n1: jal x5, 2f\naddi x5, x5, 100\n2: sub x5, x5, x6",
        8,
    ),
    asm(
        "jal",
        "li x5, 7\njal x0, 1f\nli x5, 100\n1: add x5, x5, x0",
        7,
    ),
    asm(
        "jal",
        "li x5, 5\njal x7, 1f\naddi x5, x5, 100\naddi x5, x5, 1000\n1: addi x5, x5, 1",
        6,
    ),
    asm(
        "jal",
        "j 2f\n1: sub x5, x5, x6\nj 3f\n2: la x6, 4f\n4: jal x5, 1b\nli x5, 100\n3:",
        8,
    ),
    asm("jal", "la x6, 2f\njal x5, 2f\n2: sub x5, x5, x6", 0), // the link is the target
    asm(
        "jalr",
        "la x7, 2f\nla x6, 1f\n2: jalr x5, x6, 0\naddi x5, x5, 100\n1: sub x5, x5, x7",
        8,
    ),
    asm(
        "jalr",
        "la x7, 2f\nla x6, 1f\naddi x6, x6, -24\n2: jalr x5, x6, 24\naddi x5, x5, 100\n1: sub x5, x5, x7",
        8,
    ),
    asm(
        "jalr",
        "la x7, 2f\nla x6, 1f\naddi x6, x6, 16\n2: jalr x5, x6, -16\naddi x5, x5, 100\n1: sub x5, x5, x7",
        8,
    ),
    // rd = rs1: the target is computed from the old value.
    asm(
        "jalr",
        "la x7, 2f\nla x6, 1f\n2: jalr x6, x6, 0\nli x6, 0\n1: sub x5, x6, x7",
        8,
    ),
    asm(
        "jalr",
        "li x5, 3\nla x6, 1f\njalr x0, x6, 0\nli x5, 100\n1: add x5, x5, x0",
        3,
    ),
    asm(
        "jalr",
        "j 2f\n1: sub x5, x5, x7\nj 3f\n2: la x6, 1b\nla x7, 4f\n4: jalr x5, x6, 0\nli x5, 100\n3:",
        8,
    ),
    asm("jalr", "la x6, 2f\njalr x5, x6, 0\n2: sub x5, x5, x6", 0),
];

/// Semaphores and the fences that wait for queued signals. Each row sets its semaphore first.
pub const SEMAPHORES: &[Row] = &[
    asm("sem.get", "sem.get x5, s0", 0), // 0 at reset
    asm("sem.get", "sem.set s31, x0, 77\nsem.get x5, s31", 77),
    asm("sem.set", "li x6, 5\nsem.set s3, x6, -2\nsem.get x5, s3", 3),
    asm(
        "sem.set",
        "li x6, 0xffffffff\nsem.set s3, x6, 0\nsem.get x5, s3",
        0xffff_ffff,
    ),
    asm("sem.set", "sem.set s3, x0, 0\nsem.get x5, s3", 0),
    asm(
        "sem.add",
        "sem.set s4, x0, 10\nli x6, 7\nsem.add s4, x6, 1\nsem.get x5, s4",
        18,
    ),
    asm(
        "sem.add",
        "sem.set s4, x0, 10\nsem.add s4, x0, -10\nsem.get x5, s4",
        0,
    ),
    asm(
        "sem.add",
        "li x6, -3\nsem.set s4, x0, 10\nsem.add s4, x6, 0\nsem.get x5, s4",
        7,
    ),
    // take subtracts x[rs1] + imm = 5 once S >= 5
    asm(
        "sem.take",
        "sem.set s5, x0, 9\nli x6, 2\nsem.take s5, x6, 3\nsem.get x5, s5",
        4,
    ),
    asm(
        "sem.take",
        "sem.set s5, x0, 9\nsem.take s5, x0, 9\nsem.get x5, s5",
        0,
    ),
    // wait leaves the count as it is
    asm(
        "sem.wait",
        "sem.set s6, x0, 4\nli x6, 3\nsem.wait s6, x6, 1\nsem.get x5, s6",
        4,
    ),
    asm(
        "sem.wait",
        "sem.set s6, x0, 0\nsem.wait s6, x0, 0\nsem.get x5, s6",
        0,
    ),
    // a signal to this tile (chip 0, tile 0) arrives after the network's latency
    asm(
        "sem.signal",
        "sem.set s7, x0, 1\nsem.signal x0, x0, s7, 5\nsem.wait s7, x0, 6\nsem.get x5, s7",
        6,
    ),
    asm(
        "q.signal",
        "sem.set s8, x0, 0\nq.signal vec, s8, 2\nsem.wait s8, x0, 2\nsem.get x5, s8",
        2,
    ),
    asm(
        "fence",
        "sem.set s8, x0, 0\nq.signal dmain, s8, 6\nfence\nsem.get x5, s8",
        6,
    ),
    asm(
        "fence.dma",
        "sem.set s8, x0, 0\nq.signal dmaout, s8, 3\nfence.dma\nsem.get x5, s8",
        3,
    ),
    asm(
        "fence.mx",
        "sem.set s8, x0, 0\nq.signal mx, s8, 4\nfence.mx\nsem.get x5, s8",
        4,
    ),
    asm(
        "fence.vec",
        "sem.set s8, x0, 0\nq.signal vec, s8, 5\nfence.vec\nsem.get x5, s8",
        5,
    ),
    asm(
        "q.take",
        "sem.set s9, x0, 7\nq.take mx, s9, 3\nfence.mx\nsem.get x5, s9",
        4,
    ),
    // the queued take holds the signal behind it until s10 reaches 2, then consumes 2
    asm(
        "q.take",
        "sem.set s10, x0, 0\nsem.set s11, x0, 0\nq.take vec, s10, 2\nq.signal vec, s11, 1\n\
         sem.add s10, x0, 2\nsem.wait s11, x0, 1\nsem.get x5, s10",
        0,
    ),
];

/// Instructions tested by programs of their own below rather than by table rows.
pub const SYSTEM: [&str; 2] = ["halt", "trap"];

#[test]
fn branches_compare_signed_or_unsigned_as_named_and_land_on_their_target() {
    check(BRANCHES);
}

#[test]
fn jumps_link_the_next_instruction_and_jalr_adds_its_immediate() {
    check(JUMPS);
}

#[test]
fn semaphore_instructions_and_fences_give_the_counts_the_manual_gives() {
    check(SEMAPHORES);
}

/// Runs `body` after x31 = the results address; returns the machine and its exit.
fn run_body(body: &str) -> (emulator::Machine, Exit) {
    let src = format!(
        ".text\n.global _start\n_start:\nli x31, {:#x}\n{body}\n",
        SPAD + RESULTS_OFFSET
    );
    let mut m = machine(&src, &zw1(1));
    let exit = m.run(Some(1_000_000)).exit;
    (m, exit)
}

#[test]
fn nothing_after_a_halt_runs() {
    let (m, exit) = run_body("li x5, 1\nsd x5, 0(x31)\nhalt\nli x5, 2\nsd x5, 0(x31)\nhalt");
    assert_eq!(exit, Exit::Halted);
    assert_eq!(words(&m, 0, SPAD + RESULTS_OFFSET, 1), [1]);
}

#[test]
fn a_trap_stops_the_tile_with_its_code() {
    let (m, exit) = run_body("li x5, 1\nsd x5, 0(x31)\ntrap 513\nli x5, 2\nsd x5, 0(x31)\nhalt");
    let Exit::Trapped(t) = exit else {
        panic!("expected a trap, got {exit}")
    };
    assert_eq!(t.cause, Cause::SoftwareTrap);
    assert!(t.detail.contains("513"), "{t}");
    assert_eq!(words(&m, 0, SPAD + RESULTS_OFFSET, 1), [1]);
}

#[test]
fn links_are_absolute_addresses_of_the_next_instruction() {
    // `li x31` of a 41-bit address is lui + addi at 0x0 and 0x8 (docs/isa.md,
    // "Pseudo-instructions"), so the jal sits at 0x10 and the jalr at 0x20.
    let (m, exit) =
        run_body("jal x5, 1f\n1: li x6, 0x28\njalr x7, x6, 0\nsd x5, 0(x31)\nsd x7, 8(x31)\nhalt");
    assert_eq!(exit, Exit::Halted, "{exit}");
    assert_eq!(words(&m, 0, SPAD + RESULTS_OFFSET, 2), [0x18, 0x28]);
}

#[test]
fn jalr_does_not_clear_the_low_bits_of_its_target() {
    // pc = x[rs1] + imm exactly: an odd target is a fetch fault, not rounded to an instruction.
    let (_, exit) = run_body("la x6, 1f\njalr x0, x6, 1\n1: halt");
    let Exit::Trapped(t) = exit else {
        panic!("expected a fetch fault, got {exit}")
    };
    assert_eq!(t.cause, Cause::FetchFault, "{t}");
}

/// The config of the CSR test: 2 chips of 3 x 2 tiles, with sizes changed from ZW-1's so that
/// no two size CSRs read alike.
fn csr_config() -> emulator::config::Config {
    with(
        zw1(3),
        &[
            ("chip.tiles_y", "2"),
            ("topology.chips", "2"),
            ("topology.kind", "all-to-all"),
            ("systolic.rows", "32"),
            ("systolic.cols", "16"),
            ("vector.width_bits", "1024"),
            ("scratchpad.size_kib", "2048"),
            ("accumulator.size_kib", "256"),
        ],
    )
}

/// What `csr` reads on tile `tile` of chip `chip` under `csr_config` (docs/isa.md, "Control/status
/// registers"); `cycle` and `instret` are read at known points of the program.
fn expected(csr: Csr, chip: u64, tile: u64) -> u64 {
    match csr {
        Csr::TileId => tile,
        Csr::ChipId => chip,
        Csr::NumTiles => 6, // 3 x 2
        Csr::NumChips => 2,
        Csr::TileX => tile % 3, // row-major over a grid 3 wide
        Csr::TileY => tile / 3,
        Csr::GridX => 3,
        Csr::GridY => 2,
        Csr::Cycle => 0,   // the first instruction issues at cycle 0
        Csr::Instret => 2, // read third: two instructions retired before it
        Csr::SpadBytes => 2048 * 1024,
        Csr::AccBytes => 256 * 1024,
        Csr::MxRows => 32,
        Csr::MxCols => 16,
        Csr::VecLanes => 1024 / 32, // fp32 lanes of a 1024-bit unit
    }
}

#[test]
fn every_csr_reads_this_tiles_place_and_the_configs_sizes() {
    // Every tile reads cycle first, then instret, then every CSR in turn; slot i of the results
    // holds Csr::ALL[i]. Two more reads check that cycle and instret advance: the second cycle
    // read issues one cycle after the first, and four nops later instret has grown by 5.
    let mut src = String::from(".text\n.global _start\n_start:\n");
    src.push_str("csrr x10, cycle\ncsrr x11, cycle\ncsrr x12, instret\nnop\nnop\nnop\nnop\n");
    src.push_str("csrr x13, instret\n");
    writeln!(src, "li x31, {:#x}", SPAD + RESULTS_OFFSET).unwrap();
    let n = Csr::ALL.len();
    for (i, c) in Csr::ALL.iter().enumerate() {
        match c {
            Csr::Cycle => writeln!(src, "sd x10, {}(x31)", 8 * i),
            Csr::Instret => writeln!(src, "sd x12, {}(x31)", 8 * i),
            _ => writeln!(src, "csrr x5, {}\nsd x5, {}(x31)", c.name(), 8 * i),
        }
        .unwrap();
    }
    writeln!(
        src,
        "sd x11, {}(x31)\nsd x13, {}(x31)\nhalt",
        8 * n,
        8 * n + 8
    )
    .unwrap();
    let config = csr_config();
    let mut m = machine(&src, &config);
    let exit = m.run(Some(1_000_000)).exit;
    assert_eq!(exit, Exit::Halted, "{exit}");
    let mut failures = Vec::new();
    for chip in 0..2u32 {
        for tile in 0..6u32 {
            let bytes = m
                .read_as(chip, tile, SPAD + RESULTS_OFFSET, 8 * (n as u64 + 2))
                .unwrap();
            let got: Vec<u64> = bytes
                .chunks(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                .collect();
            let mut want: Vec<u64> = Csr::ALL
                .iter()
                .map(|&c| expected(c, chip.into(), tile.into()))
                .collect();
            want.push(1); // the second cycle read
            want.push(2 + 5); // instret after csrr instret and four nops
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                if g != w {
                    let name = Csr::ALL
                        .get(i)
                        .map_or(["cycle (2nd)", "instret (2nd)"][i - n], |c| c.name());
                    failures.push(format!(
                        "chip {chip} tile {tile} {name}: got {g}, expected {w}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
