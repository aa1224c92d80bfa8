//! Several assembled files to one executable image: sections of the same name joined and placed
//! by the chip's memory map (`isa::abi::placement`), symbols resolved across files (duplicates and
//! undefined references reported), relocations applied with `isa::abi::apply`, and the entry
//! point `_start` found.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::{RelBase, Val};
use crate::hash::FastMap;
use crate::layout::{Session, check_data_range};
use crate::object::{Base, FixKind, Object, SecId, SymDef, SymId, SymKind};
use isa::abi::{Placement, Reloc, apply};
use isa::memory_map::{Memory, own_base};

/// A placed section of the executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSection {
    pub name: String,
    pub placement: Placement,
    pub addr: u64,
    pub align: u64,
    pub size: u64,
    /// The bytes (empty for zero-filled sections).
    pub data: Vec<u8>,
}

/// A symbol of the executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSymbol {
    pub name: String,
    pub value: u64,
    /// Index into [`Image::sections`]; `None` for absolute symbols (`.equ`).
    pub section: Option<usize>,
    pub global: bool,
    pub kind: SymKind,
    pub size: u64,
    /// Index into [`Image::files`]: the file that defines it.
    pub file: usize,
}

/// A linked program, ready to be written as ELF (or loaded directly).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub entry: u64,
    /// In address order within each memory; memories in the order imem, spad, l2, hbm.
    pub sections: Vec<ImageSection>,
    /// Each file's local symbols in file order, then the global ones.
    pub symbols: Vec<ImageSymbol>,
    /// The input files' names.
    pub files: Vec<String>,
}

impl Image {
    pub fn section(&self, name: &str) -> Option<&ImageSection> {
        self.sections.iter().find(|s| s.name == name)
    }

    pub fn symbol(&self, name: &str) -> Option<&ImageSymbol> {
        self.symbols.iter().find(|s| s.name == name)
    }

    /// The bytes of every executable section, in address order.
    pub fn code(&self) -> Vec<u8> {
        self.sections
            .iter()
            .filter(|s| s.placement.executable)
            .flat_map(|s| s.data.iter().copied())
            .collect()
    }

    /// The ELF64 executable.
    pub fn to_elf(&self) -> Vec<u8> {
        crate::elf::write::write(self)
    }
}

fn memory_rank(m: Memory) -> u8 {
    match m {
        Memory::Imem => 0,
        Memory::Spad => 1,
        Memory::Acc => 2,
        Memory::L2 => 3,
        Memory::Hbm => 4,
    }
}

/// Code, then writable data, read-only data, and zero-filled data: `.data`, `.rodata`, `.bss`.
fn class_rank(p: Placement) -> u8 {
    match (p.executable, p.nobits, p.writable) {
        (true, _, _) => 0,
        (_, true, _) => 3,
        (_, false, true) => 1,
        (_, false, false) => 2,
    }
}

/// Where an input section went: output section and offset in it.
type Placed = Vec<Vec<Option<(usize, u64)>>>;

pub(crate) fn link(s: &mut Session<'_>, mut objects: Vec<Object>) -> Option<Image> {
    // Which input sections are kept: those with bytes, size or symbols.
    let mut has_symbols: Vec<Vec<bool>> = objects
        .iter()
        .map(|o| vec![false; o.sections.len()])
        .collect();
    for (f, o) in objects.iter().enumerate() {
        for sym in &o.symbols.symbols {
            if let SymDef::Label { section, .. }
            | SymDef::Value(Val::Rel {
                base: RelBase::Section(section),
                ..
            }) = sym.def
            {
                has_symbols[f][section.0 as usize] = true;
            }
        }
    }
    // Output sections in placement order.
    let mut names: Vec<(u8, u8, usize, String, Placement)> = Vec::new();
    let mut seen: FastMap<String, ()> = FastMap::default();
    for (f, o) in objects.iter().enumerate() {
        // In the order the file first used them.
        let mut by_use: Vec<usize> = (0..o.sections.len()).collect();
        by_use.sort_by_key(|&i| o.sections[i].order);
        for i in by_use {
            let sec = &o.sections[i];
            if (sec.size == 0 && !has_symbols[f][i]) || seen.contains_key(&sec.name) {
                continue;
            }
            seen.insert(sec.name.clone(), ());
            let order = names.len();
            names.push((
                memory_rank(sec.placement.memory),
                class_rank(sec.placement),
                order,
                sec.name.clone(),
                sec.placement,
            ));
        }
    }
    names.sort_by_key(|n| (n.0, n.1, n.2));
    let index: FastMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.3.as_str(), i))
        .collect();
    let mut out: Vec<ImageSection> = names
        .iter()
        .map(|n| ImageSection {
            name: n.3.clone(),
            placement: n.4,
            addr: 0,
            align: 1,
            size: 0,
            data: Vec::new(),
        })
        .collect();
    // Join the pieces.
    let mut placed: Placed = objects
        .iter()
        .map(|o| vec![None; o.sections.len()])
        .collect();
    for (f, o) in objects.iter_mut().enumerate() {
        for (i, sec) in o.sections.iter_mut().enumerate() {
            let Some(&k) = index.get(sec.name.as_str()) else {
                continue;
            };
            let target = &mut out[k];
            let offset = target.size.next_multiple_of(sec.align);
            target.align = target.align.max(sec.align);
            if !sec.placement.nobits {
                if target.data.is_empty() && offset == 0 {
                    // The first piece: its bytes move, they are not copied.
                    target.data = std::mem::take(&mut sec.data);
                } else {
                    target.data.resize(offset as usize, 0);
                    target.data.extend_from_slice(&sec.data);
                    sec.data = Vec::new();
                }
            }
            target.size = offset + sec.size;
            placed[f][i] = Some((k, offset));
        }
    }
    // Addresses: each memory from its base, each section aligned.
    let mut cursor: FastMap<u8, u64> = FastMap::default();
    for sec in &mut out {
        let memory = sec.placement.memory;
        let base = own_base(memory);
        let at = cursor.entry(memory_rank(memory)).or_insert(base);
        sec.addr = at.next_multiple_of(sec.align);
        *at = sec.addr + sec.size;
        let limit = base + (1u64 << isa::memory_map::OFFSET_BITS);
        if *at > limit {
            s.report(Diagnostic::global(format!(
                "section `{}` ends at {:#x}, beyond the {} address space (offsets below 2^40)",
                sec.name,
                *at,
                memory.name()
            )));
            return None;
        }
    }
    let addr_of: Vec<u64> = out.iter().map(|s| s.addr).collect();
    let section_address = |f: usize, sec: SecId| -> Option<(usize, u64)> {
        placed[f][sec.0 as usize].map(|(k, off)| (k, addr_of[k] + off))
    };

    // Global symbols.
    let mut globals: FastMap<&str, (usize, SymId)> = FastMap::default();
    for (f, o) in objects.iter().enumerate() {
        for (i, sym) in o.symbols.symbols.iter().enumerate() {
            if !sym.global || matches!(sym.def, SymDef::Undefined) {
                continue;
            }
            if let Some(&(g, gid)) = globals.get(&*sym.name) {
                let first = objects[g].symbols.sym(gid);
                let (span, expansion) = sym.defined_at.expect("defined symbols have a place");
                let mut d = Diagnostic::error(
                    format!("symbol `{}` is defined in more than one file", sym.name),
                    span,
                    expansion,
                )
                .with_label("defined again here");
                if let Some((at, _)) = first.defined_at {
                    d = d.with_secondary(at, "first defined here");
                }
                s.report(
                    d.with_note("help: make one of them local (drop its `.global`), or rename it"),
                );
                continue;
            }
            globals.insert(&sym.name, (f, SymId(i as u32)));
        }
    }

    // Symbol values, resolving aliases of other files' symbols.
    let value_of = |f: usize, id: SymId| -> Option<(u64, Option<usize>)> {
        let mut f = f;
        let mut id = id;
        let mut addend = 0i64;
        for _ in 0..64 {
            let sym = objects[f].symbols.sym(id);
            match &sym.def {
                SymDef::Label { section, offset } => {
                    let (k, addr) = section_address(f, *section)?;
                    return Some((
                        addr.wrapping_add(*offset).wrapping_add(addend as u64),
                        Some(k),
                    ));
                }
                SymDef::Value(Val::Abs(v)) => return Some((v.wrapping_add(addend) as u64, None)),
                SymDef::Value(Val::Rel {
                    base: RelBase::Section(sec),
                    offset,
                }) => {
                    let (k, addr) = section_address(f, *sec)?;
                    return Some((
                        addr.wrapping_add(offset.wrapping_add(addend) as u64),
                        Some(k),
                    ));
                }
                SymDef::Value(Val::Rel {
                    base: RelBase::Symbol(other),
                    offset,
                }) => {
                    addend = addend.wrapping_add(*offset);
                    let name = &objects[f].symbols.sym(*other).name;
                    let &(g, gid) = globals.get(&**name)?;
                    f = g;
                    id = gid;
                }
                SymDef::Undefined => {
                    let &(g, gid) = globals.get(&*sym.name)?;
                    if (g, gid) == (f, id) {
                        return None;
                    }
                    f = g;
                    id = gid;
                }
                SymDef::Pending(_) => return None,
            }
        }
        None
    };

    // Relocations.
    let mut undefined: FastMap<(usize, String), ()> = FastMap::default();
    for (f, o) in objects.iter().enumerate() {
        for r in &o.relocations {
            let Some((k, sec_addr)) = section_address(f, r.section) else {
                continue;
            };
            let place = sec_addr + r.offset;
            let offset_in_out = (place - addr_of[k]) as usize;
            // The value of a base, or the symbol that is missing.
            let resolve_base = |base: &Option<Base>| -> Result<i64, String> {
                match base {
                    None => Ok(0),
                    Some(Base::Section(sec)) => section_address(f, *sec)
                        .map(|(_, a)| a as i64)
                        .ok_or_else(String::new),
                    Some(Base::External(name)) => globals
                        .get(&**name)
                        .and_then(|&(g, gid)| value_of(g, gid))
                        .map(|(v, _)| v as i64)
                        .ok_or_else(|| name.to_string()),
                }
            };
            let mut report_undefined = |name: &str, s: &mut Session<'_>| {
                if name.is_empty() || undefined.insert((f, name.to_string()), ()).is_some() {
                    return;
                }
                let mut d =
                    Diagnostic::error(format!("undefined symbol `{name}`"), r.span, r.expansion)
                        .with_label("used here");
                // A local symbol of that name in another file?
                for (g, other) in objects.iter().enumerate() {
                    if g != f
                        && let Some(id) = other.symbols.get(name)
                        && !matches!(other.symbols.sym(id).def, SymDef::Undefined)
                        && !other.symbols.sym(id).global
                    {
                        if let Some((at, _)) = other.symbols.sym(id).defined_at {
                            d = d.with_secondary(at, "a local symbol of this name is defined here");
                        }
                        d = d.with_note(format!(
                            "help: add `.global {name}` in {} to export it",
                            other.name
                        ));
                    }
                }
                let mut candidates: Vec<&str> = globals.keys().copied().collect();
                candidates.extend(o.symbols.names());
                if let Some(c) = did_you_mean(name, candidates) {
                    d = d.with_note(format!("help: did you mean `{c}`?"));
                }
                s.report(d);
            };
            let data = &mut out[k].data;
            let bytes = &mut data[offset_in_out..];
            let result: Result<(), String> = match &r.kind {
                FixKind::Rebuild { spec, values } => {
                    let mut missing = None;
                    let address =
                        |b: &Base| -> i64 { resolve_base(&Some(b.clone())).unwrap_or_default() };
                    for b in r.operands.iter().flatten().filter_map(|(b, _)| b.as_ref()) {
                        if let Err(name) = resolve_base(&Some(b.clone())) {
                            missing = Some(name);
                        }
                    }
                    if let Some(name) = missing {
                        report_undefined(&name, s);
                        Ok(())
                    } else {
                        match crate::resolve::rebuild(spec, values, &r.operands, place, &address) {
                            Ok(word) => {
                                bytes[..8].copy_from_slice(&word.to_le_bytes());
                                Ok(())
                            }
                            Err((span, msg)) => {
                                s.report(Diagnostic::error(
                                    msg,
                                    span.unwrap_or(r.span),
                                    r.expansion,
                                ));
                                Ok(())
                            }
                        }
                    }
                }
                kind => match resolve_base(&r.base) {
                    Err(name) => {
                        report_undefined(&name, s);
                        Ok(())
                    }
                    Ok(base) => {
                        let value = base.wrapping_add(r.addend);
                        match kind {
                            FixKind::Target => apply(Reloc::Target, bytes, place, value as u64)
                                .map_err(|e| e.to_string()),
                            FixKind::Hi32 => apply(Reloc::Hi32, bytes, place, value as u64)
                                .map_err(|e| e.to_string()),
                            FixKind::Lo32 => apply(Reloc::Lo32, bytes, place, value as u64)
                                .map_err(|e| e.to_string()),
                            FixKind::Data(8) => apply(Reloc::Abs64, bytes, place, value as u64)
                                .map_err(|e| e.to_string()),
                            FixKind::Data(4) if r.base.is_some() => {
                                apply(Reloc::Abs32, bytes, place, value as u64)
                                    .map_err(|e| e.to_string())
                            }
                            FixKind::Data(n) => check_data_range(value, *n, r.span)
                                .map(|_| {
                                    bytes[..*n as usize]
                                        .copy_from_slice(&value.to_le_bytes()[..*n as usize])
                                })
                                .map_err(|e| e.into_detail().message),
                            FixKind::Rebuild { .. } => unreachable!("handled above"),
                        }
                    }
                },
            };
            if let Err(msg) = result {
                s.report(Diagnostic::error(msg, r.span, r.expansion));
            }
        }
    }

    // The symbol table: each file's locals, then the globals.
    let mut symbols = Vec::new();
    let mut global_syms = Vec::new();
    for (f, o) in objects.iter().enumerate() {
        for (i, sym) in o.symbols.symbols.iter().enumerate() {
            if sym.temporary || matches!(sym.def, SymDef::Undefined) {
                continue;
            }
            if sym.global && globals.get(&*sym.name) != Some(&(f, SymId(i as u32))) {
                continue;
            }
            let Some((value, section)) = value_of(f, SymId(i as u32)) else {
                continue;
            };
            let s = ImageSymbol {
                name: sym.name.to_string(),
                value,
                section,
                global: sym.global,
                kind: sym.kind,
                size: sym.size,
                file: f,
            };
            if sym.global {
                global_syms.push(s);
            } else {
                symbols.push(s);
            }
        }
    }
    symbols.extend(global_syms);

    // The entry point.
    let entry_name = isa::abi::ENTRY_SYMBOL;
    let entry = match globals.get(entry_name) {
        Some(&(f, id)) => value_of(f, id),
        None => {
            let locals: Vec<&ImageSymbol> =
                symbols.iter().filter(|s| s.name == entry_name).collect();
            match locals.as_slice() {
                [one] => Some((one.value, one.section)),
                _ => None,
            }
        }
    };
    let entry = match entry {
        Some((v, Some(k))) if out[k].placement.executable => v,
        Some(_) => {
            s.report(
                Diagnostic::global(format!(
                    "the entry point `{entry_name}` is not in an executable section"
                ))
                .with_note("help: define `_start:` in `.text`"),
            );
            return None;
        }
        None => {
            s.report(
                Diagnostic::global(format!("no entry point: no file defines `{entry_name}`"))
                    .with_note(format!("help: add `.global {entry_name}` and a `{entry_name}:` label where execution starts")),
            );
            return None;
        }
    };
    if s.error_count() > 0 {
        return None;
    }
    Some(Image {
        entry,
        sections: out,
        symbols,
        files: objects.into_iter().map(|o| o.name).collect(),
    })
}
