//! The object model of one assembled file: sections with their bytes, symbols, and the fixups
//! that wait for values (a later label, another section's address, another file's symbol).
//! [`crate::link`] joins several of these into one executable.

use crate::expr::{Expr, Val};
use crate::hash::FastMap;
use crate::source::{ExpansionId, Span};
use isa::abi::Placement;

/// A section of one file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct SecId(pub u32);

/// A symbol of one file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct SymId(pub u32);

/// A section's contents as one file contributes them.
#[derive(Clone, Debug)]
pub struct Section {
    pub name: String,
    pub placement: Placement,
    /// The bytes (empty for zero-filled sections, which only have a size).
    pub data: Vec<u8>,
    /// Size in bytes (equal to `data.len()` unless zero-filled).
    pub size: u64,
    /// Required alignment of the section's start, a power of two.
    pub align: u64,
    /// Where the section was first named.
    pub first: Span,
    /// When the file first used the section (named it, or put bytes or a label in it), as a
    /// sequence number: sections are placed in this order. `u64::MAX` when never used.
    pub order: u64,
}

impl Section {
    pub fn new(name: String, placement: Placement, first: Span) -> Section {
        Section {
            name,
            placement,
            data: Vec::new(),
            size: 0,
            align: if placement.executable {
                isa::abi::INSTRUCTION_BYTES
            } else {
                crate::DEFAULT_DATA_ALIGN
            },
            first,
            order: u64::MAX,
        }
    }
}

/// What a symbol stands for.
#[derive(Clone, Debug)]
pub enum SymDef {
    /// Referenced but not (yet) defined. At the end of the file: another file's symbol.
    Undefined,
    /// A label: an offset in a section of this file.
    Label { section: SecId, offset: u64 },
    /// `.equ`/`.set`: a value.
    Value(Val),
    /// `.equ` of an expression with symbols not yet defined, evaluated when they are.
    Pending(Box<Expr>),
}

/// A symbol of one file.
#[derive(Clone, Debug)]
pub struct Symbol {
    /// The name as written (for numeric local labels, `1` with an instance suffix).
    pub name: Box<str>,
    pub def: SymDef,
    /// `.global`.
    pub global: bool,
    /// Local to the assembler: numeric local labels and `.L` names never reach the ELF symbol table.
    pub temporary: bool,
    /// Where it was defined (and in which expansion).
    pub defined_at: Option<(Span, ExpansionId)>,
    /// The first reference, for "undefined symbol" messages.
    pub first_use: Option<(Span, ExpansionId)>,
    /// Number of references.
    pub uses: u32,
    /// `.equ`/`.set` may be redefined; labels may not.
    pub is_set: bool,
    /// Being evaluated (cycle detection for `.equ a, b` / `.equ b, a`).
    pub evaluating: bool,
    /// `.type`: what the ELF symbol table calls it.
    pub kind: SymKind,
    /// `.size`, in bytes.
    pub size: u64,
}

/// The ELF symbol type a `.type` directive gives.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SymKind {
    #[default]
    NoType,
    Function,
    Object,
}

impl Symbol {
    pub fn display_name(&self) -> &str {
        match self.name.find('\u{1}') {
            Some(i) => &self.name[..i],
            None => &self.name,
        }
    }
}

/// Symbols of one file, by name.
#[derive(Default, Debug)]
pub struct SymbolTable {
    map: FastMap<Box<str>, SymId>,
    pub symbols: Vec<Symbol>,
}

impl SymbolTable {
    pub fn get(&self, name: &str) -> Option<SymId> {
        self.map.get(name).copied()
    }

    /// The symbol named `name`, created undefined when new.
    pub fn intern(&mut self, name: &str) -> SymId {
        if let Some(&id) = self.map.get(name) {
            return id;
        }
        let id = SymId(self.symbols.len() as u32);
        self.symbols.push(Symbol {
            name: name.into(),
            def: SymDef::Undefined,
            global: false,
            temporary: name.starts_with(".L") || name.contains('\u{1}'),
            defined_at: None,
            first_use: None,
            uses: 0,
            is_set: false,
            evaluating: false,
            kind: SymKind::NoType,
            size: 0,
        });
        self.map.insert(name.into(), id);
        id
    }

    /// A symbol that cannot be found by name (a numeric local label's instance).
    pub fn add_unnamed(&mut self, name: String) -> SymId {
        let id = SymId(self.symbols.len() as u32);
        self.symbols.push(Symbol {
            name: name.into(),
            def: SymDef::Undefined,
            global: false,
            temporary: true,
            defined_at: None,
            first_use: None,
            uses: 0,
            is_set: false,
            evaluating: false,
            kind: SymKind::NoType,
            size: 0,
        });
        id
    }

    pub fn sym(&self, id: SymId) -> &Symbol {
        &self.symbols[id.0 as usize]
    }

    pub fn sym_mut(&mut self, id: SymId) -> &mut Symbol {
        &mut self.symbols[id.0 as usize]
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.symbols
            .iter()
            .filter(|s| !s.temporary)
            .map(|s| &*s.name)
    }
}

/// Which part of a value an operand takes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    Whole,
    /// `%hi(value)`: what `lui` loads.
    Hi32,
    /// `%lo(value)`: the sign-extended low 32 bits.
    Lo32,
}

impl Part {
    pub fn of(self, v: i64) -> i64 {
        match self {
            Part::Whole => v,
            Part::Hi32 => isa::abi::hi32(v as u64) as i32 as i64,
            Part::Lo32 => v as u32 as i32 as i64,
        }
    }
}

/// A value an operand supplies, kept until it can be resolved.
#[derive(Clone, Debug)]
pub enum FixValue {
    Name(Box<str>),
    Int(i64),
    /// An expression, the span of the operand, and the part of its value the operand takes.
    Expr(Box<Expr>, Span, Part),
}

/// How a resolved value is written into the bytes.
#[derive(Clone, Debug)]
pub enum FixKind {
    /// A code target: the instruction's bits 63..32 get the distance in words
    /// (`isa::abi::Reloc::Target`).
    Target,
    /// The `lui` half of a 64-bit value (`Reloc::Hi32`).
    Hi32,
    /// The `addi` half (`Reloc::Lo32`).
    Lo32,
    /// A data item of 1, 2, 4 or 8 bytes.
    Data(u8),
    /// An instruction rebuilt from its operands once every value is known: the general case
    /// (an `.equ` defined later, an address used as an immediate).
    Rebuild {
        spec: &'static isa::InstrSpec,
        values: Vec<FixValue>,
    },
}

/// A place in a section whose bytes wait for a value.
#[derive(Clone, Debug)]
pub struct Fixup {
    pub section: SecId,
    pub offset: u64,
    pub kind: FixKind,
    /// The value (unused for `Rebuild`, whose operands carry their own).
    pub expr: Option<Expr>,
    pub span: Span,
    pub expansion: ExpansionId,
}

impl Fixup {
    /// About how much memory the fixup holds, counted against [`crate::Limits::max_fixup_bytes`].
    pub fn approx_bytes(&self) -> u64 {
        let node = std::mem::size_of::<(crate::expr::Node, Span)>();
        let expr = |e: &Expr| e.nodes.len() * node;
        let values = match &self.kind {
            FixKind::Rebuild { values, .. } => values
                .iter()
                .map(|v| {
                    std::mem::size_of::<FixValue>()
                        + match v {
                            FixValue::Name(n) => n.len(),
                            FixValue::Int(_) => 0,
                            FixValue::Expr(e, ..) => std::mem::size_of::<Expr>() + expr(e),
                        }
                })
                .sum(),
            _ => 0,
        };
        (std::mem::size_of::<Fixup>() + self.expr.as_ref().map_or(0, expr) + values) as u64
    }
}

/// What a relocation's value is relative to, once a file is assembled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    /// An offset in one of this file's sections.
    Section(SecId),
    /// A symbol this file does not define (resolved across files by the linker).
    External(Box<str>),
}

/// A fixup whose value is `base + addend`, to be applied when sections have addresses.
#[derive(Clone, Debug)]
pub struct Relocation {
    pub section: SecId,
    pub offset: u64,
    pub kind: FixKind,
    /// `None`: the value is the addend alone (an absolute address, such as a `0x40` target).
    pub base: Option<Base>,
    pub addend: i64,
    /// For `Rebuild`: each operand's resolved value (base and addend), in syntax order.
    pub operands: Vec<Option<(Option<Base>, i64)>>,
    pub span: Span,
    pub expansion: ExpansionId,
}

/// One assembled file.
#[derive(Debug)]
pub struct Object {
    /// The file's name, for the ELF `STT_FILE` symbol.
    pub name: String,
    pub sections: Vec<Section>,
    pub symbols: SymbolTable,
    pub relocations: Vec<Relocation>,
}
