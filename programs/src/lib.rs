//! The harness for the kernels in `programs/`: assemble one, load it on a chip, preload tensors,
//! run it, and read tensors back, so each kernel's test compares it with a host reference.

use assembler::{Assembler, Image, Options};
use emulator::config::Config;
use emulator::{Exit, Machine, RunReport, shared};
use half::bf16;
use std::path::{Path, PathBuf};

/// The path of a file under `programs/`.
pub fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Assembles a program from `programs/`, panicking with the assembler's messages on error.
pub fn assemble(relative: &str) -> Image {
    let mut asm = Assembler::new(Options::default());
    asm.add_file(&path(relative))
        .expect("the program file is readable");
    match asm.assemble() {
        Ok(out) => out.image,
        Err(report) => panic!(
            "{relative} does not assemble:\n{}",
            report.to_plain_string()
        ),
    }
}

/// A program loaded on a chip, with its symbols at hand.
pub struct Run {
    pub machine: Machine,
    pub image: Image,
}

impl Run {
    /// Loads `relative` on the chip `config` describes.
    pub fn load(relative: &str, config: &Config) -> Run {
        let image = assemble(relative);
        let machine = Machine::from_elf(config, shared(image.to_elf())).expect("the program loads");
        Run { machine, image }
    }

    /// Loads `relative` on the built-in ZW-1 chip.
    pub fn zw1(relative: &str) -> Run {
        Run::load(relative, &Config::zw1())
    }

    /// The address of a global symbol.
    pub fn symbol(&self, name: &str) -> u64 {
        self.image
            .symbol(name)
            .unwrap_or_else(|| panic!("no symbol `{name}`"))
            .value
    }

    /// Writes bf16 values at a symbol (in HBM or L2, or every tile's scratchpad).
    pub fn write_bf16(&mut self, name: &str, values: &[bf16]) {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let addr = self.symbol(name);
        self.machine
            .write(addr, &bytes)
            .expect("the symbol's memory takes the values");
    }

    /// Reads `n` bf16 values at a symbol (tile 0's view for tile memories).
    pub fn read_bf16(&self, name: &str, n: usize) -> Vec<bf16> {
        let bytes = self
            .machine
            .read(self.symbol(name), n as u64 * 2)
            .expect("readable");
        bytes
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]))
            .collect()
    }

    /// Runs to the end and checks that every tile halted.
    pub fn run(&mut self) -> RunReport {
        let report = self.machine.run(Some(1 << 32));
        assert_eq!(report.exit, Exit::Halted, "{}", report.exit);
        report
    }
}

/// Every `.s` file under programs/ that is a whole program (it defines `_start`), relative to
/// programs/, in name order.
pub fn every_program() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir)
            .expect("programs/ is readable")
            .flatten()
        {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "s") {
                out.push(p);
            }
        }
    }
    let root = path("");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(p)
                .expect("a program is readable")
                .contains("_start:")
        })
        .filter_map(|p| {
            p.strip_prefix(&root)
                .ok()
                .map(|r| r.to_string_lossy().into_owned())
        })
        .collect()
}

/// Reads a file of little-endian bf16 values from `programs/`.
pub fn read_bf16_file(relative: &str) -> Vec<bf16> {
    let bytes = std::fs::read(path(relative)).expect("the data file is readable");
    bytes
        .chunks_exact(2)
        .map(|b| bf16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Deterministic pseudo-random bf16 values in `[-scale, scale)` (SplitMix64).
pub fn random_bf16(n: usize, seed: u64, scale: f32) -> Vec<bf16> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let unit = (z >> 40) as f32 / (1u64 << 24) as f32;
            bf16::from_f32((unit * 2.0 - 1.0) * scale)
        })
        .collect()
}

/// Asserts two bf16 tensors are equal bit for bit, naming the first difference.
pub fn assert_bits_equal(got: &[bf16], want: &[bf16], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits(),
            "{what}: element {i} is {g} ({:#06x}), the reference gives {w} ({:#06x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}
