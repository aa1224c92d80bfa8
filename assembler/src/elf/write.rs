//! An [`Image`] to ELF64 bytes, built in memory in one go (never a partial file).

use crate::link::{Image, ImageSection};
use crate::object::SymKind;
use object::Endianness;
use object::elf;
use object::write::elf::{FileHeader, ProgramHeader, SectionHeader, SectionIndex, Sym, Writer};

/// The largest file alignment a segment asks for. Sections aligned more strictly still land
/// correctly: every memory's base address is a multiple of 2^40.
const MAX_FILE_ALIGN: u64 = 4096;

/// A loadable segment: consecutive sections in one memory.
struct Segment {
    sections: std::ops::Range<usize>,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
    flags: u32,
    offset: u64,
}

fn segments(image: &Image) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for (i, s) in image.sections.iter().enumerate() {
        let same = out.last().is_some_and(|seg| {
            image.sections[seg.sections.start].placement.memory == s.placement.memory
        });
        if !same {
            out.push(Segment {
                sections: i..i,
                vaddr: s.addr,
                filesz: 0,
                memsz: 0,
                align: 1,
                flags: elf::PF_R.0,
                offset: 0,
            });
        }
        let seg = out.last_mut().expect("pushed above");
        seg.sections.end = i + 1;
        seg.memsz = s.addr + s.size - seg.vaddr;
        if !s.placement.nobits {
            seg.filesz = s.addr + s.size - seg.vaddr;
        }
        seg.align = seg.align.max(s.align.min(MAX_FILE_ALIGN));
        if s.placement.writable {
            seg.flags |= elf::PF_W.0;
        }
        if s.placement.executable {
            seg.flags |= elf::PF_X.0;
        }
    }
    out
}

fn section_flags(s: &ImageSection) -> u64 {
    let mut f = elf::SHF_ALLOC.0;
    if s.placement.writable {
        f |= elf::SHF_WRITE.0;
    }
    if s.placement.executable {
        f |= elf::SHF_EXECINSTR.0;
    }
    f
}

fn symbol_type(kind: SymKind) -> elf::SymbolType {
    match kind {
        SymKind::NoType => elf::STT_NOTYPE,
        SymKind::Function => elf::STT_FUNC,
        SymKind::Object => elf::STT_OBJECT,
    }
}

/// The ELF file for `image`.
pub fn write(image: &Image) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut w = Writer::new(Endianness::Little, true, &mut buf);
    let mut segs = segments(image);

    w.reserve_file_header();
    w.reserve_program_headers(segs.len() as u32);
    for seg in &mut segs {
        seg.offset = w.reserve(seg.filesz, seg.align);
    }
    w.reserve_null_section_index();
    let mut section_index: Vec<SectionIndex> = Vec::new();
    let mut section_name = Vec::new();
    for s in &image.sections {
        section_name.push(w.add_section_name(s.name.as_bytes()));
        section_index.push(w.reserve_section_index());
    }
    w.reserve_symtab_section_index();
    w.reserve_strtab_section_index();
    w.reserve_shstrtab_section_index();

    // Symbols: for each file, an STT_FILE entry and its locals; then every global.
    w.reserve_null_symbol_index();
    let mut file_names = Vec::new();
    let mut entries: Vec<(Option<usize>, usize)> = Vec::new(); // (symbol, or None for the file entry; file)
    for (f, name) in image.files.iter().enumerate() {
        file_names.push(w.add_string(name.as_bytes()));
        w.reserve_symbol_index(None);
        entries.push((None, f));
        for (i, sym) in image.symbols.iter().enumerate() {
            if !sym.global && sym.file == f {
                w.reserve_symbol_index(sym.section.map(|k| section_index[k]));
                entries.push((Some(i), f));
            }
        }
    }
    let num_local = 1 + entries.len() as u32;
    for (i, sym) in image.symbols.iter().enumerate() {
        if sym.global {
            w.reserve_symbol_index(sym.section.map(|k| section_index[k]));
            entries.push((Some(i), sym.file));
        }
    }
    let symbol_names: Vec<_> = image
        .symbols
        .iter()
        .map(|s| w.add_string(s.name.as_bytes()))
        .collect();
    w.reserve_symtab();
    w.reserve_strtab()
        .expect("string tables of an image are well formed");
    w.reserve_shstrtab()
        .expect("section names of an image are well formed");
    w.reserve_section_headers();

    w.write_file_header(&FileHeader {
        os_abi: elf::ELFOSABI_NONE,
        abi_version: 0,
        e_type: elf::ET_EXEC,
        e_machine: elf::Machine(isa::abi::EM_ZW),
        e_entry: image.entry,
        e_flags: elf::FileFlags(isa::abi::ISA_VERSION),
    })
    .expect("the header of an image is well formed");
    w.write_align_program_headers();
    for seg in &segs {
        w.write_program_header(&ProgramHeader {
            p_type: elf::PT_LOAD,
            p_flags: elf::ProgramFlags(seg.flags),
            p_offset: seg.offset,
            p_vaddr: seg.vaddr,
            p_paddr: seg.vaddr,
            p_filesz: seg.filesz,
            p_memsz: seg.memsz,
            p_align: seg.align,
        });
    }
    for seg in &segs {
        w.pad_until(seg.offset);
        for s in &image.sections[seg.sections.clone()] {
            if s.placement.nobits {
                continue;
            }
            w.pad_until(seg.offset + (s.addr - seg.vaddr));
            w.write(&s.data);
        }
        w.pad_until(seg.offset + seg.filesz);
    }
    w.write_null_symbol();
    for &(sym, f) in &entries {
        match sym {
            None => {
                w.write_symbol(&Sym {
                    section: None,
                    st_name: w.string_offset(Some(file_names[f])),
                    st_info: elf::SymbolInfo::new(elf::STB_LOCAL, elf::STT_FILE),
                    st_other: elf::SymbolOther(elf::STV_DEFAULT.0),
                    st_shndx: elf::SHN_ABS,
                    st_value: 0,
                    st_size: 0,
                });
            }
            Some(i) => {
                let s = &image.symbols[i];
                let bind = if s.global {
                    elf::STB_GLOBAL
                } else {
                    elf::STB_LOCAL
                };
                w.write_symbol(&Sym {
                    section: s.section.map(|k| section_index[k].0),
                    st_name: w.string_offset(Some(symbol_names[i])),
                    st_info: elf::SymbolInfo::new(bind, symbol_type(s.kind)),
                    st_other: elf::SymbolOther(elf::STV_DEFAULT.0),
                    st_shndx: if s.section.is_some() {
                        elf::SHN_UNDEF
                    } else {
                        elf::SHN_ABS
                    },
                    st_value: s.value,
                    st_size: s.size,
                });
            }
        }
    }
    w.write_strtab();
    w.write_shstrtab();
    w.write_null_section_header();
    for (k, s) in image.sections.iter().enumerate() {
        let seg = segs
            .iter()
            .find(|g| g.sections.contains(&k))
            .expect("every section is in a segment");
        let within = s.addr - seg.vaddr;
        w.write_section_header(&SectionHeader {
            sh_name: w.section_name_offset(Some(section_name[k])),
            sh_type: if s.placement.nobits {
                elf::SHT_NOBITS
            } else {
                elf::SHT_PROGBITS
            },
            sh_flags: elf::SectionFlags(section_flags(s)),
            sh_addr: s.addr,
            sh_offset: seg.offset + within.min(seg.filesz),
            sh_size: s.size,
            sh_link: 0,
            sh_info: 0,
            sh_addralign: s.align,
            sh_entsize: 0,
        });
    }
    w.write_symtab_section_header(num_local);
    w.write_strtab_section_header();
    w.write_shstrtab_section_header();
    buf
}
