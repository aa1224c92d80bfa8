//! What the engines compute: DMA descriptors (4-D walks, signed strides, conversion, transpose,
//! accumulate), vector strides, and the matrix unit's multiply and output stage (which runs on
//! the vector queue, ordered after the multiplications by `q.signal`/`q.take`).

mod common;

use common::{reg, run, zw1};
use emulator::{Exit, Machine};
use isa::memory_map::SPAD_BASE;

fn bytes(m: &Machine, addr: u64, len: u64) -> Vec<u8> {
    m.read(addr, len).unwrap()
}

fn f32s(m: &Machine, addr: u64, n: u64) -> Vec<f32> {
    bytes(m, addr, 4 * n)
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Runs `body` with x20 = scratchpad + 0 (source), x21 = + 1024 (destination), x22 = + 2048,
/// after placing `data` at the source.
fn run_with(data: &[u8], body: &str) -> Machine {
    let src = format!(
        "
        .data
        .balign 64
in:     .byte {}
        .balign 1024
        .global out
out:    .space 1024
more:   .space 1024
        .text
        .global _start
_start:
        la x20, in
        la x21, out
        la x22, more
{body}
        fence
        halt
",
        data.iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (m, r) = run(&src, &zw1(1));
    assert_eq!(r.exit, Exit::Halted);
    m
}

#[test]
fn a_dma_transpose_swaps_dimensions_0_and_1_at_the_destination() {
    // A 3 × 4 u8 matrix (rows of 4) becomes 4 × 3.
    let data: Vec<u8> = (0..12).collect();
    let m = run_with(
        &data,
        "li x5, 4\nli x6, 3\nli x7, 1\nli x8, 4\ndma.cfg u8, u8, 1\n\
         dma.dim 0, x5, x7, x7\n\
         dma.dim 1, x6, x8, x6\n\
         dma.in x21, x20, s0",
    );
    // Destination dim 0 (stride 1) walks i1, dim 1 (stride 3) walks i0.
    assert_eq!(
        bytes(&m, SPAD_BASE + 1024, 12),
        [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
    );
}

#[test]
fn a_dma_walks_four_dimensions_with_signed_strides() {
    let data: Vec<u8> = (0..16).collect();
    // 2 × 2 × 2 × 2 elements; dim 0 reversed (stride -1 from byte 1), the rest contiguous.
    let m = run_with(
        &data,
        "addi x20, x20, 1\nli x5, 2\nli x6, -1\nli x7, 1\nli x8, 2\nli x9, 4\nli x10, 8\n\
         dma.dim 0, x5, x6, x7\n\
         dma.dim 1, x5, x8, x8\n\
         dma.dim 2, x5, x9, x9\n\
         dma.dim 3, x5, x10, x10\n\
         dma.in x21, x20, s0",
    );
    assert_eq!(
        bytes(&m, SPAD_BASE + 1024, 16),
        [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]
    );
}

#[test]
fn a_dma_converts_and_accumulates_into_its_destination() {
    // Four bf16 values (1.0, 2.0, -0.5, 3.0) converted to fp32 and added twice.
    let bf16 = [0x3f80u16, 0x4000, 0xbf00, 0x4040];
    let data: Vec<u8> = bf16.iter().flat_map(|v| v.to_le_bytes()).collect();
    let m = run_with(
        &data,
        "li x5, 4\nli x6, 2\nli x7, 4\ndma.cfg bf16, fp32, 2\n\
         dma.dim 0, x5, x6, x7\n\
         dma.in x21, x20, s0\n\
         dma.in x21, x20, s0",
    );
    assert_eq!(f32s(&m, SPAD_BASE + 1024, 4), [2.0, 4.0, -1.0, 6.0]);
    assert_eq!(m.tile(0, 0).unwrap().sems.get(0), Some(2));
}

#[test]
fn vector_strides_broadcast_with_zero_and_walk_backwards_when_negative() {
    let data: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    // out[i] = in[i] + in[0] (b broadcast); more[i] = in[3 - i] (a walks backwards).
    let m = run_with(
        &data,
        "li x5, 4\nli x6, 1\nvstride x6, x6, x0\nvadd.fp32 x21, x20, x20, x5\n\
         li x7, -1\nvstride x6, x7, x6\naddi x8, x20, 12\nvmov.fp32 x22, x8, x5",
    );
    assert_eq!(f32s(&m, SPAD_BASE + 1024, 4), [2.0, 3.0, 4.0, 5.0]);
    assert_eq!(f32s(&m, SPAD_BASE + 2048, 4), [4.0, 3.0, 2.0, 1.0]);
}

#[test]
fn the_matrix_unit_multiplies_then_scales_biases_activates_and_converts() {
    // A = [[1, 2], [3, 4]], B = [[1, -1], [1, 1]] in fp32: A·B = [[3, 1], [7, 1]].
    let a = [1.0f32, 2.0, 3.0, 4.0];
    let b = [1.0f32, -1.0, 1.0, 1.0];
    let bias = [-5.0f32, 0.5];
    let data: Vec<u8> = a
        .iter()
        .chain(&b)
        .chain(&bias)
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let m = run_with(
        &data,
        "li x5, 2\nli x23, 0x20000000000\naddi x24, x20, 16\naddi x25, x20, 32\n\
         mx.cfg ws, fp32\nmx.ldw x24, x5, x5\nmx.mm x23, x20, x5\n\
         li x26, 0x40000000\n\
         mx.post relu, fp32, x26, x25\n\
         q.signal mx, s3, 1\nq.take vec, s3, 1\nmx.out x21, x23, x5, x5\n\
         q.signal vec, s4, 1\nq.take mx, s4, 1\nmx.mma x23, x20, x5\n\
         mx.post none, bf16, x26, x0\n\
         q.signal mx, s3, 1\nq.take vec, s3, 1\nmx.out x22, x23, x5, x5",
    );
    // relu(2·c + bias[n]): [[1, 2.5], [9, 2.5]].
    assert_eq!(f32s(&m, SPAD_BASE + 1024, 4), [1.0, 2.5, 9.0, 2.5]);
    // After mx.mma the accumulators hold 2·A·B; scaled by 2 and rounded to bf16.
    let out: Vec<u16> = bytes(&m, SPAD_BASE + 2048, 8)
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let want: Vec<u16> = [12.0f32, 4.0, 28.0, 4.0]
        .iter()
        .map(|v| (v.to_bits() >> 16) as u16)
        .collect();
    assert_eq!(out, want);
    assert_eq!(reg(&m, 0, 5), 2);
}
