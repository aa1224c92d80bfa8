//! DMA between the scratchpad, L2 and HBM: plain copies with multi-dimensional walks, type
//! conversion between every pair of types, accumulate-on-write (an add in the destination
//! type, as the vector unit adds), and transpose, alone and combined.

use isa::memory_map::{HBM_BASE, L2_BASE};

use crate::cvt::sources;
use crate::harness::{A, D, assert_bits, input, read, run};
use crate::host::{ALL, Rng, Ty, convert, load_f32, store_f32};
use crate::host::{Bf16, E4m3, E5m2, Fp16, Fp32, I8, I32, U8};

/// `dma.dim 0` over `n` contiguous elements of `from` (source) and `to` (destination) and
/// `dma.cfg from, to, flags`.
fn row(n: usize, from: Ty, to: Ty, flags: u32) -> String {
    format!(
        "li x5, {n}\nli x6, {}\nli x7, {}\ndma.dim 0, x5, x6, x7\ndma.cfg {}, {}, {flags}\n",
        from.size(),
        to.size(),
        from.name(),
        to.name()
    )
}

#[test]
fn bytes_go_from_the_scratchpad_to_l2_to_hbm_and_back_with_two_dimensional_walks() {
    // 6 rows of 10 bytes: to L2 as-is, L2 to HBM reversing the rows (source stride -10 from the
    // last row), HBM back to the scratchpad keeping every other byte of each row.
    let data: Vec<u8> = (0..60).map(|i| (i * 7 + 3) as u8).collect();
    let (l2, hbm) = (L2_BASE + 0x2000, HBM_BASE + 0x10_0000);
    let body = format!(
        "li x8, {l2:#x}\nli x9, {hbm:#x}\n\
         li x5, 10\nli x6, 1\ndma.dim 0, x5, x6, x6\nli x5, 6\nli x6, 10\ndma.dim 1, x5, x6, x6\n\
         dma.out x8, x20, s1\nfence.dma\n\
         addi x10, x8, 50\nli x6, -10\nli x7, 10\ndma.dim 1, x5, x6, x7\n\
         dma.in x9, x10, s1\nfence.dma\n\
         li x5, 5\nli x6, 2\nli x7, 1\ndma.dim 0, x5, x6, x7\nli x5, 6\nli x6, 10\nli x7, 5\n\
         dma.dim 1, x5, x6, x7\ndma.out x22, x9, s2\nfence.dma"
    );
    let m = run(&[(A, data.clone())], &body);
    assert_eq!(m.read(l2, 60).unwrap(), data);
    let reversed: Vec<u8> = data.chunks(10).rev().flatten().copied().collect();
    assert_eq!(m.read(hbm, 60).unwrap(), reversed);
    let halves: Vec<u8> = reversed.iter().step_by(2).copied().collect();
    assert_eq!(m.read(D, 30).unwrap(), halves);
}

#[test]
fn a_dma_converts_between_every_pair_of_types_into_l2_and_hbm() {
    for from in ALL {
        // Every pattern of the 8-bit types; a sample of the wider ones.
        let mut a = sources(from);
        if a.len() > 2048 {
            let mut rng = Rng(from.size() as u64);
            let mut sample: Vec<u32> = a.iter().step_by(37).copied().collect();
            sample.extend(crate::vector::edges_any(from));
            sample.extend((0..512).map(|_| a[rng.next() as usize % a.len()]));
            a = sample;
        }
        let n = a.len();
        let dst = |t: usize| if t.is_multiple_of(2) { L2_BASE } else { HBM_BASE } + (t as u64) * 0x10_0000;
        let body: String = ALL
            .iter()
            .enumerate()
            .map(|(t, to)| {
                let engine = if t % 3 == 0 { "dma.in" } else { "dma.out" };
                format!(
                    "{}li x8, {:#x}\n{engine} x8, x20, s3\n",
                    row(n, from, *to, 0),
                    dst(t)
                )
            })
            .collect();
        let m = run(&[input(A, from, &a)], &format!("{body}fence.dma"));
        for (t, to) in ALL.into_iter().enumerate() {
            let want: Vec<u32> = a.iter().map(|x| convert(from, to, *x)).collect();
            assert_bits(&read(&m, dst(t), to, n), &want, |i| {
                format!("dma {} -> {} of {:#x}", from.name(), to.name(), a[i])
            });
        }
    }
}

/// `old + new` in `ty`, as the vector unit adds: floats in f32 rounded once (NaN canonical),
/// i32 wrapping, i8 and u8 exact then saturated.
fn add(ty: Ty, old: u32, new: u32) -> u32 {
    match ty {
        I8 => {
            (i32::from(old as u8 as i8) + i32::from(new as u8 as i8)).clamp(-128, 127) as u32 & 0xFF
        }
        U8 => (old + new).min(255),
        I32 => (old as i32).wrapping_add(new as i32) as u32,
        _ => store_f32(ty, load_f32(ty, old) + load_f32(ty, new)),
    }
}

#[test]
fn a_dma_accumulates_into_l2_and_hbm_in_the_destination_type() {
    // (source type, destination type): each transfer converts, then adds to what is there.
    let cases = [
        (Bf16, Fp32),
        (Fp32, Bf16),
        (I32, I8),
        (I8, I32),
        (Fp32, Fp16),
        (Fp32, E4m3),
        (Fp16, E5m2),
        (I32, U8),
        (Fp32, I32),
    ];
    let mut rng = Rng(9);
    for (c, (from, to)) in cases.into_iter().enumerate() {
        let mut src = crate::vector::edges_any(from);
        src.extend((0..64).map(|_| rng.bits(from)));
        let mut old = crate::vector::edges_any(to);
        while old.len() < src.len() {
            old.push(rng.bits(to));
        }
        old.truncate(src.len());
        let n = src.len();
        let dst = if c.is_multiple_of(2) {
            L2_BASE
        } else {
            HBM_BASE
        } + 0x4000;
        // Twice: the second transfer adds to the first one's sums.
        let body = format!(
            "{}li x8, {dst:#x}\ndma.out x8, x20, s1\nfence.dma\ndma.in x8, x20, s1\nfence.dma",
            row(n, from, to, 2)
        );
        let m = run(&[input(A, from, &src), input(dst, to, &old)], &body);
        let want: Vec<u32> = (0..n)
            .map(|i| {
                let v = convert(from, to, src[i]);
                add(to, add(to, old[i], v), v)
            })
            .collect();
        assert_bits(&read(&m, dst, to, n), &want, |i| {
            format!(
                "{} + {} -> {}: old {:#x}, src {:#x}",
                to.name(),
                from.name(),
                to.name(),
                old[i],
                src[i]
            )
        });
    }
}

#[test]
fn a_dma_transposes_and_converts_into_hbm_and_accumulates_transposed_into_l2() {
    // A 3×5 fp32 matrix (dim 0: 5 columns, dim 1: 3 rows) becomes a 5×3 bf16 one in HBM:
    // element (i, j) lands at j × 3 + i. Then the bf16 matrix goes to L2 as fp32, transposed
    // back and added to an L2 block holding 100 + k.
    let (r, c) = (3usize, 5usize);
    let vals: Vec<f32> = (0..r * c).map(|k| k as f32 * 1.3 - 7.0).collect();
    let bits: Vec<u32> = vals.iter().map(|v| v.to_bits()).collect();
    let (hbm, l2) = (HBM_BASE + 0x8000, L2_BASE + 0x8000);
    let old: Vec<u32> = (0..r * c).map(|k| (100.0 + k as f32).to_bits()).collect();
    let body = format!(
        "li x8, {hbm:#x}\nli x9, {l2:#x}\n\
         li x5, {c}\nli x6, 4\nli x7, 2\ndma.dim 0, x5, x6, x7\n\
         li x5, {r}\nli x6, {}\nli x7, {}\ndma.dim 1, x5, x6, x7\n\
         dma.cfg fp32, bf16, 1\ndma.out x8, x20, s1\nfence.dma\n\
         li x5, {r}\nli x6, 2\nli x7, 4\ndma.dim 0, x5, x6, x7\n\
         li x5, {c}\nli x6, {}\nli x7, {}\ndma.dim 1, x5, x6, x7\n\
         dma.cfg bf16, fp32, 3\ndma.in x9, x8, s1\nfence.dma",
        c * 4,
        r * 2,
        r * 2,
        c * 4
    );
    let m = run(&[input(A, Fp32, &bits), input(l2, Fp32, &old)], &body);
    let mut t = vec![0u32; r * c];
    for i in 0..r {
        for j in 0..c {
            t[j * r + i] = convert(Fp32, Bf16, bits[i * c + j]);
        }
    }
    assert_bits(&read(&m, hbm, Bf16, r * c), &t, |k| {
        format!("transposed {k}")
    });
    let back: Vec<u32> = (0..r * c)
        .map(|k| {
            let (i, j) = (k / c, k % c);
            add(Fp32, old[k], convert(Bf16, Fp32, t[j * r + i]))
        })
        .collect();
    assert_bits(&read(&m, l2, Fp32, r * c), &back, |k| format!("back {k}"));
}
