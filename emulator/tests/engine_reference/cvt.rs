//! `vcvt` between every ordered pair of the eight element types: every bit pattern of the 8- and
//! 16-bit types, and edge and random patterns of the 32-bit ones, against the host conversion
//! (docs/numerics.md, "Conversions": one rounding, ties to even, E4M3 saturates, the others
//! overflow to infinity, NaN payloads left-aligned with the quiet bit set, float to integer
//! rounds half to even and saturates with NaN to 0).

use crate::harness::{A, assert_bits, input, read, run};
use crate::host::{ALL, Fp32, I32, Rng, Ty, convert, from_f64};
use isa::memory_map::SPAD_BASE;

/// Every pattern of a narrow type; edge values and random patterns of a 32-bit one.
pub fn sources(ty: Ty) -> Vec<u32> {
    match ty.size() {
        1 => (0..0x100).collect(),
        2 => (0..0x1_0000).collect(),
        _ => {
            let mut v: Vec<u32> = if ty == I32 {
                [
                    0i64, 1, -1, 127, 128, -128, -129, 255, 256, 65504, 65520, 61440, 57344,
                ]
                .iter()
                .chain(&[448, 464, 465, 480, 16_777_217, 16_842_753, -16_842_753])
                .chain(&[i64::from(i32::MAX), i64::from(i32::MIN), 0x7FFF_FFC0])
                .map(|x| *x as u32)
                .collect()
            } else {
                [
                    0.0,
                    -0.0,
                    0.5,
                    1.5,
                    2.5,
                    -2.5,
                    127.5,
                    128.5,
                    -128.5,
                    255.5,
                    256.0,
                    448.0,
                    464.0,
                    465.0,
                    480.0,
                    57344.0,
                    61439.0,
                    61440.0,
                    65504.0,
                    65519.0,
                    65520.0,
                    2147483520.0,
                    2147483648.0,
                    -2147483904.0,
                    1e-30,
                    -1e-30,
                    1e38,
                ]
                .iter()
                .map(|x| from_f64(Fp32, *x))
                .chain([
                    0x7F80_0000,
                    0xFF80_0000,
                    0x7FC0_0000,
                    0x7F80_0001,
                    0xFFE0_1234,
                ])
                .chain([
                    0x0000_0001,
                    0x8000_0001,
                    0x0080_0000,
                    0x3F80_8000,
                    0x3F81_8000,
                ])
                .collect()
            };
            let mut rng = Rng(ty.size() as u64 * 31 + ty.name().len() as u64);
            v.extend((0..4096).map(|_| rng.bits(ty)));
            // Values near the fp8 and fp16 grids, where rounding ties live.
            v.extend((0..2048).map(|i| {
                let x = (f64::from(i) - 1024.0) * 0.4375;
                if ty == I32 {
                    x as i32 as u32
                } else {
                    from_f64(Fp32, x)
                }
            }));
            v
        }
    }
}

/// Where the conversion into the `t`-th type is written.
fn out(t: usize) -> u64 {
    SPAD_BASE + 0x10_0000 + (t as u64) * 0x4_0000
}

#[test]
fn vcvt_matches_the_reference_between_every_pair_of_types() {
    for from in ALL {
        let a = sources(from);
        let n = a.len();
        let body: String = ALL
            .iter()
            .enumerate()
            .map(|(t, to)| {
                format!(
                    "li x6, {:#x}\nvcvt.{}.{} x6, x20, x5\n",
                    out(t),
                    from.name(),
                    to.name()
                )
            })
            .collect();
        let m = run(&[input(A, from, &a)], &format!("li x5, {n}\n{body}"));
        for (t, to) in ALL.into_iter().enumerate() {
            let want: Vec<u32> = a.iter().map(|x| convert(from, to, *x)).collect();
            assert_bits(&read(&m, out(t), to, n), &want, |i| {
                format!("vcvt.{}.{} {:#x}", from.name(), to.name(), a[i])
            });
        }
    }
}

#[test]
fn conversions_round_once_at_worked_examples() {
    // By hand from the manual: i32 16842753 = 2^24 + 2^16 + 1 is above the bf16 midpoint
    // 2^24 + 2^16, so it rounds up to 2^24 + 2^17 = 0x4B81 (through fp32 it would tie down to
    // 0x4B80). E5M2 61440 is the tie between 57344 and 65536: even is infinity (0x7C). E4M3 480
    // overflows and saturates to 448 (0x7E); 464 is the tie between 448 (mantissa 110) and 480
    // (111), so it goes to the even 448. fp32 2.5 → i8 is 2 (even). -1e-30 is below half of
    // fp16's smallest subnormal 2^-24: -0 (0x8000), the sign kept.
    let m = run(
        &[
            input(A, I32, &[16_842_753]),
            input(
                A + 64,
                Fp32,
                &[61440f32.to_bits(), 480f32.to_bits(), 464f32.to_bits()],
            ),
            input(A + 128, Fp32, &[2.5f32.to_bits(), (-1e-30f32).to_bits()]),
        ],
        "li x5, 1\nvcvt.i32.bf16 x22, x20, x5\n\
         addi x6, x20, 64\naddi x7, x22, 64\nvcvt.fp32.e5m2 x7, x6, x5\n\
         li x5, 2\naddi x6, x6, 4\naddi x7, x22, 128\nvcvt.fp32.e4m3 x7, x6, x5\n\
         addi x6, x20, 128\naddi x7, x22, 192\nvcvt.fp32.i8 x7, x6, x5\n\
         addi x6, x6, 4\naddi x7, x22, 256\nli x5, 1\nvcvt.fp32.fp16 x7, x6, x5",
    );
    use crate::harness::D;
    use crate::host::{Bf16, E4m3, E5m2, Fp16, I8};
    assert_eq!(read(&m, D, Bf16, 1), [0x4B81]);
    assert_eq!(read(&m, D + 64, E5m2, 1), [0x7C]);
    assert_eq!(read(&m, D + 128, E4m3, 2), [0x7E, 0x7E]);
    assert_eq!(read(&m, D + 192, I8, 1), [2]);
    assert_eq!(read(&m, D + 256, Fp16, 1), [0x8000]);
}
