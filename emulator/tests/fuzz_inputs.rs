//! The bodies of the `.npy` and config fuzz targets on seeded inputs: a valid file or text
//! mutated byte by byte, and random bytes.

use emulator::fuzz::{config_parse_does_not_panic, npy_read_does_not_panic};
use isa::fuzz::SplitMix64 as Rng;

/// `base` with a few bytes replaced, inserted or removed, `n` times over.
fn mutations(base: &[u8], seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let mut v = base.to_vec();
            for _ in 0..1 + rng.next_u64() % 4 {
                let at = (rng.next_u64() as usize) % (v.len() + 1);
                match rng.next_u64() % 3 {
                    0 if at < v.len() => v[at] = rng.next_u64() as u8,
                    1 => v.insert(at, rng.next_u64() as u8),
                    _ if at < v.len() => {
                        v.remove(at);
                    }
                    _ => {}
                }
            }
            v
        })
        .collect()
}

fn npy_file() -> Vec<u8> {
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n";
    let mut f = b"\x93NUMPY\x01\x00".to_vec();
    f.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    f.extend_from_slice(dict.as_bytes());
    f.extend_from_slice(&[0u8; 24]);
    f
}

#[test]
fn npy_reader_survives_mutated_headers_and_random_bytes() {
    let base = npy_file();
    npy_read_does_not_panic(&base);
    for m in mutations(&base, 1, 4000) {
        npy_read_does_not_panic(&m);
    }
    let mut rng = Rng(2);
    for _ in 0..1000 {
        let len = (rng.next_u64() % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        npy_read_does_not_panic(&bytes);
    }
}

#[test]
fn config_parser_survives_mutated_presets_and_assignments() {
    let preset = emulator::Config::zw1().to_toml_string();
    config_parse_does_not_panic(preset.as_bytes());
    for m in mutations(preset.as_bytes(), 3, 100) {
        config_parse_does_not_panic(&m);
    }
    let assignments = "chip.tiles_x=4\ntopology.dims=[4294967295, 4294967295, 2]\n\
                       hbm.ideal_bytes_per_cycle=-1\ndma.request_bytes=16\nnoc.routing=\"zz\"";
    for m in mutations(assignments.as_bytes(), 4, 200) {
        config_parse_does_not_panic(&m);
    }
}
