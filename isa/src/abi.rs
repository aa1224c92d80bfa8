//! The ELF ABI of ZW programs: machine number, flags, where sections go, and relocations.

use crate::memory_map::Memory;

/// `e_machine` of ZW executables ("ZW" in ASCII; not an assigned EM_* value).
pub const EM_ZW: u16 = 0x5a57;
/// The ISA version this crate implements, stored in the low byte of `e_flags`.
pub const ISA_VERSION: u32 = 1;
/// Mask of the ISA version in `e_flags`; other bits are reserved and zero.
pub const EF_ZW_VERSION_MASK: u32 = 0xff;
/// Every instruction is one little-endian 64-bit word at an 8-byte-aligned address.
pub const INSTRUCTION_BYTES: u64 = 8;
/// The entry symbol.
pub const ENTRY_SYMBOL: &str = "_start";

/// Where a section's bytes live on the chip and what the program may do with them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Placement {
    pub memory: Memory,
    pub writable: bool,
    pub executable: bool,
    /// Occupies no file bytes (zero-filled at load).
    pub nobits: bool,
}

/// Section name prefixes and their placement, most specific first. `.text`, `.data`, `.rodata` and
/// `.bss` are copied to every tile (SPMD); `.l2*` and `.hbm*` once per chip.
pub const SECTION_RULES: &[(&str, Placement)] = &[
    (".text", place(Memory::Imem, false, true, false)),
    (".rodata", place(Memory::Spad, false, false, false)),
    (".data", place(Memory::Spad, true, false, false)),
    (".bss", place(Memory::Spad, true, false, true)),
    (".l2.bss", place(Memory::L2, true, false, true)),
    (".l2", place(Memory::L2, true, false, false)),
    (".hbm.rodata", place(Memory::Hbm, false, false, false)),
    (".hbm.bss", place(Memory::Hbm, true, false, true)),
    (".hbm", place(Memory::Hbm, true, false, false)),
];

const fn place(memory: Memory, writable: bool, executable: bool, nobits: bool) -> Placement {
    Placement {
        memory,
        writable,
        executable,
        nobits,
    }
}

/// The placement of a section by its name: a rule's name, or that name followed by `.anything`.
pub fn placement(section: &str) -> Option<Placement> {
    SECTION_RULES.iter().find_map(|(prefix, p)| {
        let rest = section.strip_prefix(prefix)?;
        (rest.is_empty() || rest.starts_with('.')).then_some(*p)
    })
}

/// Relocation kinds (ELF `r_type` values).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum Reloc {
    /// 64-bit absolute address (`.dword sym`).
    Abs64 = 1,
    /// 32-bit absolute address (`.word sym`); must fit in 32 bits unsigned.
    Abs32 = 2,
    /// The `lui` half of a 64-bit address: bits 63..32 of the instruction get `hi32(S + A)`.
    Hi32 = 3,
    /// The `addi` half: bits 63..32 of the instruction get the low 32 bits of `S + A`.
    Lo32 = 4,
    /// A code target: bits 63..32 get `(S + A - P) / 8`.
    Target = 5,
}

/// Why a relocation cannot be applied.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum RelocError {
    #[error("value {value:#x} does not fit in 32 bits")]
    Overflow { value: u64 },
    #[error("code target {target:#x} is not a whole number of instructions from {place:#x}")]
    Misaligned { target: u64, place: u64 },
    #[error("code target {target:#x} is out of reach of {place:#x}")]
    OutOfReach { target: u64, place: u64 },
    #[error("relocation needs {needed} bytes at its place, found {found}")]
    Truncated { needed: usize, found: usize },
}

/// The high half that `lui` loads so that adding the sign-extended low half gives `value`.
pub const fn hi32(value: u64) -> u32 {
    (value.wrapping_sub(value as u32 as i32 as i64 as u64) >> 32) as u32
}

/// Applies relocation `kind` with value `S + A` at `place`, whose bytes start `bytes`.
/// The one function every writer of ZW code uses.
pub fn apply(kind: Reloc, bytes: &mut [u8], place: u64, value: u64) -> Result<(), RelocError> {
    let needed = match kind {
        Reloc::Abs32 => 4,
        _ => 8,
    };
    if bytes.len() < needed {
        return Err(RelocError::Truncated {
            needed,
            found: bytes.len(),
        });
    }
    let imm: u32 = match kind {
        Reloc::Abs64 => {
            bytes[..8].copy_from_slice(&value.to_le_bytes());
            return Ok(());
        }
        Reloc::Abs32 => {
            let v = u32::try_from(value).map_err(|_| RelocError::Overflow { value })?;
            bytes[..4].copy_from_slice(&v.to_le_bytes());
            return Ok(());
        }
        Reloc::Hi32 => hi32(value),
        Reloc::Lo32 => value as u32,
        Reloc::Target => {
            let distance = value.wrapping_sub(place) as i64;
            if distance % 8 != 0 {
                return Err(RelocError::Misaligned {
                    target: value,
                    place,
                });
            }
            i32::try_from(distance / 8).map_err(|_| RelocError::OutOfReach {
                target: value,
                place,
            })? as u32
        }
    };
    bytes[4..8].copy_from_slice(&imm.to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_placed_by_name() {
        assert_eq!(placement(".text").unwrap().memory, Memory::Imem);
        assert_eq!(placement(".text.hot").unwrap().memory, Memory::Imem);
        assert_eq!(
            placement(".hbm.rodata").map(|p| (p.memory, p.writable)),
            Some((Memory::Hbm, false))
        );
        assert!(placement(".hbm.bss").unwrap().nobits);
        assert_eq!(placement(".l2").unwrap().memory, Memory::L2);
        assert_eq!(placement(".textile"), None);
        assert_eq!(placement(".comment"), None);
    }

    #[test]
    fn hi_and_lo_halves_rebuild_every_value() {
        for v in [
            0u64,
            1,
            0x7fff_ffff,
            0x8000_0000,
            0xffff_ffff,
            0x7fff_ffff_8000_0000,
            u64::MAX,
            0x100_0000_0000,
        ] {
            let lo = v as u32 as i32 as i64 as u64;
            assert_eq!(((hi32(v) as u64) << 32).wrapping_add(lo), v, "{v:#x}");
        }
    }

    #[test]
    fn targets_patch_the_immediate_in_words() {
        let mut word = [0u8; 8];
        apply(Reloc::Target, &mut word, 0x100, 0x80).unwrap();
        assert_eq!(i32::from_le_bytes(word[4..8].try_into().unwrap()), -16);
        assert_eq!(
            apply(Reloc::Target, &mut word, 0x100, 0x84),
            Err(RelocError::Misaligned {
                target: 0x84,
                place: 0x100
            })
        );
        assert!(apply(Reloc::Abs32, &mut word, 0, 1 << 32).is_err());
    }
}
