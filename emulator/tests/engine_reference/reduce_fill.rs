//! Vector reductions (`vredsum`, `vredmax`) and `vfill` on every type they accept.

use crate::harness::{A, D, assert_bits, input, read, run};
use crate::host::{self, Rng, Ty, from_f64, load_f32, store_f32};
use crate::host::{Bf16, Fp16, Fp32, I8, I32};
use crate::vector::edges;

/// `vredsum`: sequential in `f32` from the first element, rounded once to the type; integers
/// sum in wrapping `i32` and saturate once (i8).
fn sum_ref(ty: Ty, a: &[u32]) -> u32 {
    if ty.is_float() {
        let mut s = 0.0f32;
        for (i, x) in a.iter().enumerate() {
            let x = load_f32(ty, *x);
            s = if i == 0 { x } else { s + x };
        }
        store_f32(ty, s)
    } else {
        let s = a.iter().fold(0i32, |s, x| {
            s.wrapping_add(if ty == I8 {
                i32::from(*x as u8 as i8)
            } else {
                *x as i32
            })
        });
        if ty == I8 {
            s.clamp(-128, 127) as u32 & 0xFF
        } else {
            s as u32
        }
    }
}

/// `vredmax`: sequential IEEE `maximum` (NaN wins), or the integer maximum.
fn max_ref(ty: Ty, a: &[u32]) -> u32 {
    if ty.is_float() {
        let mut m = load_f32(ty, a[0]);
        for x in &a[1..] {
            m = host::maximum(m, load_f32(ty, *x));
        }
        store_f32(ty, m)
    } else {
        let v = |x: u32| {
            if ty == I8 {
                i32::from(x as u8 as i8)
            } else {
                x as i32
            }
        };
        let m = a.iter().map(|x| v(*x)).max().unwrap();
        if ty == I8 { m as u32 & 0xFF } else { m as u32 }
    }
}

/// Rows to reduce: each edge value alone, order-sensitive sums, and random rows.
fn rows(ty: Ty, seed: u64) -> Vec<Vec<u32>> {
    let mut rows: Vec<Vec<u32>> = edges(ty).into_iter().map(|e| vec![e]).collect();
    let f = |x: f64| from_f64(ty, x);
    if ty.is_float() {
        // 1 then tiny values: sequential f32 keeps each tie at 1 for fp32; for bf16 and fp16 the
        // f32 sum holds them all and rounds once at the end.
        let tiny = match ty {
            Bf16 => 2f64.powi(-9),
            Fp16 => 2f64.powi(-12),
            _ => 2f64.powi(-24),
        };
        rows.push([1.0, tiny, tiny, tiny, tiny].map(f).to_vec());
        rows.push([tiny, tiny, tiny, tiny, 1.0].map(f).to_vec());
        rows.push([1.0, -1.0, -0.0].map(f).to_vec());
        rows.push([-0.0, -0.0].map(f).to_vec());
        rows.push([-0.0, 0.0].map(f).to_vec());
        rows.push([f64::INFINITY, f64::NEG_INFINITY, 1.0].map(f).to_vec());
        rows.push(vec![f(1.0), edges(ty)[17], f(f64::INFINITY)]);
        rows.push([65504.0, 65504.0, -65504.0].map(f).to_vec());
    } else {
        rows.push([100, 100, -100].map(|x: i32| x as u32 & mask(ty)).to_vec());
        rows.push([127, 1, -1].map(|x: i32| x as u32 & mask(ty)).to_vec());
        rows.push([i32::MAX, 1, -5].map(|x| x as u32 & mask(ty)).to_vec());
    }
    let mut rng = Rng(seed);
    for len in [2, 3, 17, 64, 129] {
        rows.push((0..len).map(|_| rng.bits(ty)).collect());
    }
    rows
}

fn mask(ty: Ty) -> u32 {
    if ty == I8 { 0xFF } else { u32::MAX }
}

#[test]
fn reductions_match_the_sequential_reference_on_every_type() {
    for (t, ty) in [I8, I32, Bf16, Fp16, Fp32].into_iter().enumerate() {
        let rows = rows(ty, 40 + t as u64);
        let mut flat = Vec::new();
        let mut body = String::new();
        for (r, row) in rows.iter().enumerate() {
            let at = A + (flat.len() * ty.size()) as u64;
            flat.extend(row);
            body += &format!(
                "li x6, {at:#x}\nli x5, {}\nli x7, {:#x}\nvredsum.{n} x7, x6, x5\n\
                 li x7, {:#x}\nvredmax.{n} x7, x6, x5\n",
                row.len(),
                D + (r * 8) as u64,
                D + 0x8000 + (r * 8) as u64,
                n = ty.name()
            );
        }
        let m = run(&[input(A, ty, &flat)], &body);
        for (r, row) in rows.iter().enumerate() {
            let sum = read(&m, D + (r * 8) as u64, ty, 1)[0];
            let max = read(&m, D + 0x8000 + (r * 8) as u64, ty, 1)[0];
            assert_eq!(sum, sum_ref(ty, row), "vredsum.{} {row:x?}", ty.name());
            assert_eq!(max, max_ref(ty, row), "vredmax.{} {row:x?}", ty.name());
        }
    }
}

#[test]
fn a_float_sum_of_nothing_is_positive_zero() {
    // The destination holds -1.0 (0xBF800000) before; a sum of no elements writes +0.
    let m = run(
        &[input(D, Fp32, &[0xBF80_0000])],
        "li x5, 0\nvredsum.fp32 x22, x20, x5",
    );
    assert_eq!(read(&m, D, Fp32, 1), [0]);
}

#[test]
fn vfill_writes_the_registers_low_bits_to_exactly_len_elements() {
    // x6 = 0xAAAA_7F80_0001: fp32 takes 0x7F800001 (a signalling NaN, unchanged), bf16 and fp16
    // 0x0001 (the smallest subnormal), i8 0x01, i32 0x7F800001. The element after `len` keeps
    // its 0xEE bytes.
    for ty in [I8, I32, Bf16, Fp16, Fp32] {
        let n = 37;
        let sentinel = vec![0xEEu8; (n + 1) * ty.size()];
        let m = run(
            &[(D, sentinel)],
            &format!(
                "li x6, 0xAAAA7F800001\nli x5, {n}\nvfill.{} x22, x6, x5",
                ty.name()
            ),
        );
        let low = match ty.size() {
            1 => 0x01,
            2 => 0x0001,
            _ => 0x7F80_0001,
        };
        let mut want = vec![low; n];
        want.push(0xEEEE_EEEE & mask_of(ty));
        assert_bits(&read(&m, D, ty, n + 1), &want, |_| ty.name().to_string());
    }
}

fn mask_of(ty: Ty) -> u32 {
    match ty.size() {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => u32::MAX,
    }
}
