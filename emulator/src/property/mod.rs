//! Properties of the emulator as library functions, so that `cargo test` runs each over seeded
//! inputs and `cargo fuzz` for hours from the same code.
//!
//! [`reference_matches_cycle_accurate`] builds a random but well-synchronized SPMD program from
//! bytes and checks that the untimed reference interpreter ends it in the same architectural
//! state, with the same kind of exit, as the cycle-accurate run. The program uses every
//! instruction of the ISA: integer arithmetic, loads and stores, branches, jumps and bounded
//! loops, CSR reads, semaphores, DMA transfers of every type pair and flag between the
//! scratchpad, accumulator, L2 and HBM, the matrix and vector units, `q.signal`/`q.take`
//! hand-offs between engines, fences, and transfers between tiles through their scratchpads.
//! The generator orders every pair of conflicting accesses (see `state.rs`), so timing cannot
//! change a result.

mod engines;
mod scalar;
mod state;

use isa::fuzz::SplitMix64;
use isa::memory_map::Memory;
use isa::{Csr, Operation};

use crate::config::Config;
use crate::machine::{Machine, shared};
use crate::program::{Image, ImageData, Program};
use crate::sim::Exit;
use state::{Gen, Res, imm, r, sem};

/// Bytes of each buffer the generator tracks.
const BUF: u64 = 8192;
/// Buffers of the scratchpad and the accumulator, and of each tile's region of L2 and HBM.
const SPAD_BUFS: u8 = 8;
const ACC_BUFS: u8 = 4;
const FAR_BUFS: u8 = 4;
/// The inbox another tile's DMA writes, after the scratchpad buffers.
const INBOX_BYTES: u64 = 4096;
/// Each tile's region of L2 and HBM: `tile_id × REGION` bytes on.
const REGION_SHIFT: u32 = 16;

/// Registers x1..x15 are the random arithmetic's; the others hold the program's fixed values.
const SCRATCH: u8 = 15;
const R_SPAD: u8 = 16;
const R_ACC: u8 = 17;
const R_L2: u8 = 18;
const R_HBM: u8 = 19;
const R_TID: u8 = 20;
/// x21..x25: operands of engine instructions, loaded just before them.
const TEMP: u8 = 21;
const R_NEXT: u8 = 26;
const R_PREV: u8 = 27;
const R_CNT: u8 = 28;
const R_LIM: u8 = 29;
const R_LINK: u8 = 30;
const R_ADDR: u8 = 31;

/// Where `res` starts in its memory (L2 and HBM: in this tile's region).
fn buffer_offset(res: Res) -> u64 {
    match res {
        Res::Spad(i) | Res::Acc(i) | Res::L2(i) | Res::Hbm(i) => u64::from(i) * BUF,
        Res::Inbox => u64::from(SPAD_BUFS) * BUF,
    }
}

/// A block generator, its weight, and whether a loop body may contain it (blocks that rely on
/// values known once, or that loop themselves, may not).
type Block = (u64, bool, fn(&mut Gen));

const BLOCKS: [Block; 13] = [
    (8, true, scalar::alu),
    (4, true, scalar::load_store),
    (2, true, scalar::branch),
    (1, true, scalar::jump),
    (1, true, scalar::csr),
    (2, false, scalar::core_sem),
    (4, true, engines::dma),
    (2, true, engines::await_transfers),
    (5, true, engines::matrix),
    (5, true, engines::vector),
    (1, true, engines::fence),
    (1, false, engines::cross_tile),
    (1, false, loop_block),
];

fn loop_block(g: &mut Gen) {
    let blocks = 1 + g.below(5) as usize;
    scalar::counted_loop(g, blocks);
}

/// One random block.
fn block(g: &mut Gen) {
    let in_loop = g.in_loop;
    let allowed = |b: &&Block| b.1 || !in_loop;
    let total: u64 = BLOCKS.iter().filter(allowed).map(|b| b.0).sum();
    let mut at = g.below(total);
    let chosen = BLOCKS.iter().filter(allowed).find(|b| {
        if at < b.0 {
            return true;
        }
        at -= b.0;
        false
    });
    if let Some(&(_, _, make)) = chosen {
        make(g);
    }
}

/// The fixed registers: memory bases, this tile's regions of L2 and HBM, and its neighbours.
fn prologue(g: &mut Gen) {
    use isa::memory_map::{ACC_BASE, HBM_BASE, L2_BASE, SPAD_BASE};
    g.li(R_SPAD, SPAD_BASE);
    g.li(R_ACC, ACC_BASE);
    g.csrr(R_TID, Csr::TileId);
    g.csrr(TEMP, Csr::NumTiles);
    for (rd, base) in [(R_L2, L2_BASE), (R_HBM, HBM_BASE)] {
        g.emit(Operation::Slli(isa::format::Shift {
            rd: r(rd),
            rs1: r(R_TID),
            shamt: isa::operand::Shamt::new(i64::from(REGION_SHIFT))
                .unwrap_or_else(|| unreachable!()),
        }));
        g.li(TEMP + 1, base);
        g.emit(reg3(Operation::Add, rd, rd, TEMP + 1));
    }
    // next = (tile + 1) % tiles, prev = (tile + tiles - 1) % tiles.
    g.emit(Operation::Addi(isa::format::RegImm {
        rd: r(R_NEXT),
        rs1: r(R_TID),
        imm: imm(1),
    }));
    g.emit(reg3(Operation::Remu, R_NEXT, R_NEXT, TEMP));
    g.emit(reg3(Operation::Add, R_PREV, R_TID, TEMP));
    g.emit(Operation::Addi(isa::format::RegImm {
        rd: r(R_PREV),
        rs1: r(R_PREV),
        imm: imm(-1),
    }));
    g.emit(reg3(Operation::Remu, R_PREV, R_PREV, TEMP));
}

fn reg3(make: fn(isa::format::Reg3) -> Operation, rd: u8, rs1: u8, rs2: u8) -> Operation {
    make(isa::format::Reg3 {
        rd: r(rd),
        rs1: r(rs1),
        rs2: r(rs2),
    })
}

/// The text of a random program of about `len` instructions.
fn generate(rng: &mut SplitMix64, len: usize) -> Vec<Operation> {
    let mut g = Gen::new(rng);
    prologue(&mut g);
    while g.text.len() < len {
        block(&mut g);
    }
    if g.sends > 0 {
        // The next tile's last acknowledgement.
        g.sem_op(Operation::SemTake, 25, 0, 1);
    }
    if g.chance(1, 16) {
        let code = isa::operand::Code::new(g.below(1 << 16) as i64);
        g.emit(Operation::Trap(isa::format::TrapCode {
            code: code.unwrap_or_else(|| unreachable!()),
        }));
    } else {
        g.emit(Operation::Halt(state::no_operands()));
    }
    g.text
}

/// `len` random bytes: raw, or with each byte's bit 6 clear so that floats of every width stay
/// small (below 2 in magnitude).
fn data(rng: &mut SplitMix64, len: u64) -> Vec<u8> {
    let mask = if rng.next_u64().is_multiple_of(2) {
        u64::MAX
    } else {
        0xbfbf_bfbf_bfbf_bfbf
    };
    (0..len.div_ceil(8))
        .flat_map(|_| (rng.next_u64() & mask).to_le_bytes())
        .take(len as usize)
        .collect()
}

/// A random program of about `len` instructions from `rng`, with random data in the buffers it
/// uses (on every tile, and in every tile's regions of L2 and HBM for up to `tiles` tiles).
pub fn random_program(rng: &mut SplitMix64, len: usize, tiles: u32) -> Program {
    let text = generate(rng, len);
    let mut program = Program::from_instructions(&text);
    let regions = u64::from(tiles) << REGION_SHIFT;
    for (memory, size) in [
        (Memory::Spad, u64::from(SPAD_BUFS) * BUF + INBOX_BYTES),
        (Memory::Acc, u64::from(ACC_BUFS) * BUF),
        (Memory::L2, regions),
        (Memory::Hbm, regions),
    ] {
        program = program.with_image(Image {
            name: format!("random {memory:?}"),
            memory,
            offset: 0,
            size,
            data: ImageData::Bytes(shared(data(rng, size))),
        });
    }
    program
}

/// Timings the property runs under, each as overrides of ZW-1: none change what a
/// well-synchronized program computes, only when.
const TIMINGS: [&[(&str, &str)]; 7] = [
    &[],
    // Queues of one: the core stalls on every second engine instruction.
    &[("core.engine_queue_depth", "1"), ("dma.queue_depth", "1")],
    &[
        ("core.impl", "ideal"),
        ("systolic.impl", "ideal"),
        ("vector.impl", "ideal"),
        ("l2.impl", "ideal"),
        ("hbm.impl", "ideal"),
        ("noc.impl", "ideal"),
        ("dma.impl", "ideal"),
    ],
    &[
        ("systolic.model", "register"),
        ("systolic.dataflow", "os"),
        ("systolic.overlap", "false"),
    ],
    &[
        ("core.div_latency_cycles", "64"),
        ("core.branch_penalty_cycles", "7"),
        ("dma.bytes_per_cycle", "8"),
        ("noc.router_latency_cycles", "9"),
    ],
    // The mesh network, as ZW-1 has it, and at its tightest: one channel of one flit.
    &[("noc.impl", "mesh")],
    &[
        ("noc.impl", "mesh"),
        ("noc.vcs_per_vnet", "1"),
        ("noc.vc_buffer_flits", "1"),
        ("noc.link_bytes_per_cycle", "32"),
        ("noc.routing", "yx"),
    ],
];

/// The property: for the program `bytes` seed, the reference interpreter and the cycle-accurate
/// run end in the same state with the same kind of exit, the one the program was built to end
/// with (every tile halts, or traps at its final `trap`). `Err` describes a difference.
pub fn reference_matches_cycle_accurate(bytes: &[u8]) -> Result<(), String> {
    let mut seed = 0u64;
    for (i, b) in bytes.iter().take(8).enumerate() {
        seed |= u64::from(*b) << (8 * i);
    }
    let len = 40 + 2 * bytes.get(8).map_or(0, |b| usize::from(*b));
    let tiles = 1 + bytes.get(9).map_or(0, |b| u32::from(*b % 3));
    let program = random_program(&mut SplitMix64(seed), len, tiles);
    // ZW-1 with its memories at their smallest allowed sizes, which hold every buffer the
    // program uses: building and comparing larger ones would take most of the time.
    let mut config = Config::zw1();
    for (key, value) in [
        ("chip.tiles_x", tiles.to_string().as_str()),
        ("chip.tiles_y", "1"),
        ("scratchpad.size_kib", "1024"),
        ("accumulator.size_kib", "128"),
        ("l2.size_kib", "256"),
    ] {
        config.set(key, value).map_err(|e| e.to_string())?;
    }
    let timing = bytes.get(10).map_or(0, |b| usize::from(*b) % TIMINGS.len());
    for (key, value) in TIMINGS[timing] {
        config.set(key, value).map_err(|e| e.to_string())?;
    }
    let mut timed = Machine::new(&config, program.clone()).map_err(|e| e.to_string())?;
    let mut reference = Machine::new(&config, program).map_err(|e| e.to_string())?;
    let exit = timed.run(Some(50_000_000)).exit;
    let ref_exit = reference.run_reference(10_000_000);
    let context = || format!("seed {seed:#x}, {len} instructions, {tiles} tiles, timing {timing}");
    let expected = |e: &Exit| match e {
        Exit::Halted => true,
        Exit::Trapped(t) => t.cause == isa::Cause::SoftwareTrap,
        _ => false,
    };
    if !expected(&ref_exit) {
        return Err(format!(
            "{}: the reference run ended: {ref_exit}",
            context()
        ));
    }
    let same_kind = match (&exit, &ref_exit) {
        // With several tiles, which one traps first is a matter of time, which the untimed
        // interpreter does not model: then only the cause must agree.
        (Exit::Trapped(a), Exit::Trapped(b)) if tiles > 1 => a.cause == b.cause,
        (Exit::Trapped(a), Exit::Trapped(b)) => {
            (a.tile, a.pc, a.cause, &a.detail) == (b.tile, b.pc, b.cause, &b.detail)
        }
        (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
    };
    if !same_kind {
        return Err(format!("{}: exits differ: {exit} vs {ref_exit}", context()));
    }
    if matches!(exit, Exit::Trapped(_)) {
        return Ok(());
    }
    let (a, b) = (timed.architectural_state(), reference.architectural_state());
    if a != b {
        return Err(format!("{}: states differ:\n{a:?}\n{b:?}", context()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
