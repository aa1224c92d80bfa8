//! A loaded program: its text decoded once into [`Slot`]s (shared by the cycle-accurate core, the
//! reference interpreter, trap messages and traces), and the data images to place in memory.

use std::collections::BTreeMap;
use std::sync::Arc;

use isa::memory_map::Memory;
use isa::operand::{Field, OperandKind, Queue};
use isa::{
    Context, DecodeError, Instruction, Opcode, Operation, QueueId, QueueSet, QueueUse, TimingClass,
};

use crate::memory::SharedBytes;

/// How the control core decides when an instruction may issue, beyond its register operands
/// (docs/timing.md, "Control core"). Read from the instruction table's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueRule {
    /// Only register operands and the pipeline's structural rules.
    Plain,
    /// An unpipelined divide: waits for the divider.
    Divide,
    /// Puts an item on this engine queue: waits for a slot.
    Enqueue(QueueId),
    /// Waits until these queues are empty and idle (fences, `halt`).
    Drain(QueueSet),
    /// `sem.wait` / `sem.take`: waits for the semaphore.
    SemWait,
}

/// One pre-decoded instruction word.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    /// The word as loaded.
    pub word: u64,
    /// The instruction, or why the word is none (an illegal-instruction trap when executed).
    pub decoded: Result<Operation, DecodeError>,
    /// Timing class of the instruction (`system` for an illegal word).
    pub class: TimingClass,
    /// Registers read (0 where unused: `x0` is always ready).
    pub srcs: [u8; 4],
    /// Register written (0 when none).
    pub dst: u8,
    /// The issue rule.
    pub rule: IssueRule,
    /// True for a divide or remainder (the divider rule).
    pub divides: bool,
    /// True for a store (the store occupancy rule).
    pub stores: bool,
    /// True when issue also waits on the machine (a queue slot, drained queues).
    pub waits: bool,
    /// True when the instruction touches only its core's registers and private configuration
    /// (no memory, semaphore, queue, or trap): nothing another unit does can change its result,
    /// so the run loop may execute it ahead of other tiles.
    pub local: bool,
}

impl Slot {
    /// Decodes `word`.
    pub fn decode(word: u64) -> Slot {
        let decoded = Instruction::decode(word).map(Operation::from);
        let mut slot = Slot {
            word,
            decoded,
            class: TimingClass::System,
            srcs: [0; 4],
            dst: 0,
            rule: IssueRule::Plain,
            divides: false,
            stores: false,
            waits: false,
            local: false,
        };
        let Ok(inst) = decoded else { return slot };
        let spec = inst.spec();
        slot.class = spec.class;
        let mut n = 0;
        for field in spec.format.fields {
            if field.kind != OperandKind::Reg {
                continue;
            }
            let reg = ((word >> field.lo) & 31) as u8;
            if field.name == "rd" {
                slot.dst = reg;
            } else if n < slot.srcs.len() {
                slot.srcs[n] = reg;
                n += 1;
            }
        }
        slot.rule = match spec.queues {
            QueueUse::Enqueue(q) => IssueRule::Enqueue(q),
            QueueUse::EnqueueNamed => IssueRule::Enqueue(named_queue(spec, word)),
            QueueUse::Drain(set) => IssueRule::Drain(set),
            QueueUse::None if spec.class == TimingClass::Div => IssueRule::Divide,
            QueueUse::None if matches!(inst.opcode(), Opcode::SemWait | Opcode::SemTake) => {
                IssueRule::SemWait
            }
            QueueUse::None => IssueRule::Plain,
        };
        slot.divides = matches!(slot.rule, IssueRule::Divide);
        slot.stores = slot.class == TimingClass::Store;
        slot.waits = matches!(slot.rule, IssueRule::Enqueue(_) | IssueRule::Drain(_));
        slot.local = spec.local;
        slot
    }

    /// The instruction as assembly text, targets as absolute addresses (`.dword` when illegal).
    pub fn text(&self, pc: u64) -> String {
        isa::disassemble(
            self.word,
            &Context {
                pc: Some(pc),
                symbol: None,
            },
        )
    }
}

/// The queue the `queue` operand of an accepted `word` of format `spec` names.
fn named_queue(spec: &isa::InstrSpec, word: u64) -> QueueId {
    let field = spec
        .format
        .fields
        .iter()
        .find(|f| f.kind == OperandKind::Queue);
    let queue = field.and_then(|f| Queue::from_bits((word & f.mask()) >> f.lo));
    // The decoder accepted the word, so the table's format has the field and its value is defined.
    queue.map_or(QueueId::DmaIn, QueueId::from)
}

/// Where an image's bytes come from.
#[derive(Clone)]
pub enum ImageData {
    /// These bytes (shared, possibly a mapped file).
    Bytes(SharedBytes),
    /// Zeros (`.bss`).
    Zero,
}

impl std::fmt::Debug for ImageData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageData::Bytes(b) => write!(f, "Bytes({} bytes)", (**b).as_ref().len()),
            ImageData::Zero => f.write_str("Zero"),
        }
    }
}

/// Bytes a program places in one memory when it is loaded.
#[derive(Clone, Debug)]
pub struct Image {
    /// The section (or segment) it comes from, for messages.
    pub name: String,
    /// The memory: tile memories get a copy on every tile, chip memories one per chip.
    pub memory: Memory,
    /// Offset in that memory.
    pub offset: u64,
    /// Bytes it spans.
    pub size: u64,
    /// Its contents.
    pub data: ImageData,
}

/// A program ready to run: decoded text, data images, entry point and symbols.
#[derive(Clone, Debug)]
pub struct Program {
    slots: Arc<[Slot]>,
    /// Address of the first instruction executed (`_start`).
    pub entry: u64,
    /// Data to place in memory.
    pub images: Vec<Image>,
    /// Symbol names by address, for disassembly in messages (one name per address).
    pub symbols: BTreeMap<u64, String>,
    /// Symbol addresses by name, for looking names up (every name, however many share an
    /// address; a global wins over a local of the same name).
    pub addresses: BTreeMap<String, u64>,
    /// Bytes each name of [`Program::addresses`] spans, where known: its `.size`, else up to
    /// the next symbol or the end of its section.
    pub extents: BTreeMap<String, u64>,
}

impl Program {
    /// A program whose text is `words` at address 0, entered at 0, with no data.
    pub fn from_words(words: &[u64]) -> Program {
        Program {
            slots: words.iter().map(|&w| Slot::decode(w)).collect(),
            entry: isa::memory_map::IMEM_BASE,
            images: Vec::new(),
            symbols: BTreeMap::new(),
            addresses: BTreeMap::new(),
            extents: BTreeMap::new(),
        }
    }

    /// A program of these instructions at address 0, entered at 0, with no data.
    pub fn from_instructions(text: &[Operation]) -> Program {
        let words: Vec<u64> = text.iter().map(Operation::encode).collect();
        Program::from_words(&words)
    }

    /// Adds a data image.
    pub fn with_image(mut self, image: Image) -> Program {
        self.images.push(image);
        self
    }

    /// The decoded text, one slot per 8-byte word from address 0.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Bytes of text.
    pub fn text_bytes(&self) -> u64 {
        self.slots.len() as u64 * isa::abi::INSTRUCTION_BYTES
    }

    /// The slot at `pc`, if `pc` is an 8-byte-aligned address inside the text.
    #[inline]
    pub fn slot(&self, pc: u64) -> Option<&Slot> {
        if !pc.is_multiple_of(isa::abi::INSTRUCTION_BYTES) {
            return None;
        }
        self.slots.get((pc / isa::abi::INSTRUCTION_BYTES) as usize)
    }

    /// The instruction at `pc` as text, naming symbols where a target has one.
    pub fn disassemble(&self, pc: u64) -> String {
        match self.slot(pc) {
            None => "(no instruction)".to_string(),
            Some(slot) => {
                let lookup = |addr: u64| self.symbols.get(&addr).cloned();
                isa::disassemble(
                    slot.word,
                    &Context {
                        pc: Some(pc),
                        symbol: Some(&lookup),
                    },
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use isa::Reg;
    use isa::format::{Reg3, Store};
    use isa::operand::Imm32;

    fn r(n: u8) -> Reg {
        Reg::new(n).unwrap()
    }

    #[test]
    fn decoding_finds_the_registers_read_and_written() {
        let add = Operation::Add(Reg3 {
            rd: r(5),
            rs1: r(6),
            rs2: r(7),
        });
        let s = Slot::decode(add.encode());
        assert_eq!((s.dst, &s.srcs[..2]), (5, &[6, 7][..]));
        let sd = Operation::Sd(Store {
            rs2: r(9),
            imm: Imm32::new(8).unwrap(),
            rs1: r(3),
        });
        let s = Slot::decode(sd.encode());
        assert_eq!(s.dst, 0);
        assert!(s.srcs.contains(&9) && s.srcs.contains(&3));
        assert_eq!(s.class, TimingClass::Store);
    }

    #[test]
    fn illegal_words_decode_to_slots_that_remember_why() {
        let s = Slot::decode(0xff);
        assert!(s.decoded.is_err());
        assert_eq!(s.text(0), ".dword 0x00000000000000ff");
    }

    #[test]
    fn only_aligned_addresses_inside_the_text_have_slots() {
        let p = Program::from_words(&[0x01, 0x01]);
        assert!(p.slot(8).is_some());
        assert!(p.slot(4).is_none());
        assert!(p.slot(16).is_none());
    }
}
