//! Source text: the files read, the texts made by macro expansion, spans into them, and the chain
//! of `.include`s and macro invocations each statement came through.

use codespan_reporting::files::{Error as FilesError, Files};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A source text in a [`SourceMap`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range of one source text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(file: FileId, start: u32, end: u32) -> Span {
        Span { file, start, end }
    }

    /// The span from the start of `self` to the end of `other` (same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Where a statement came from when it is not plain text of an input file: an index into
/// the source map's expansion records ([`SourceMap::expansion`]); [`ExpansionId::NONE`] for input text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct ExpansionId(pub u32);

impl ExpansionId {
    pub const NONE: ExpansionId = ExpansionId(0);
}

/// How text was brought in.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ExpansionKind {
    /// `.include "file"`.
    Include,
    /// An invocation of the macro with this name.
    Macro(String),
    /// The body of a `.rept` or `.irp` block.
    Repeat,
}

/// One step of the chain: what brought the text in, where, and what brought that in.
#[derive(Clone, Debug)]
pub struct Expansion {
    pub kind: ExpansionKind,
    /// The directive or invocation.
    pub at: Span,
    pub parent: ExpansionId,
}

/// One source text.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown in messages (the path as given, or the defining file of a macro).
    pub name: String,
    /// The path it was read from, for resolving `.include` and `.incbin` relative to it.
    pub path: Option<PathBuf>,
    pub text: Arc<str>,
    /// Line number of the text's first line minus one: macro expansions carry the line numbers
    /// of the definition they were made from.
    pub first_line: usize,
    /// Made by macro or `.irp` substitution, not read from a file.
    pub expanded: bool,
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    fn line_starts(&self) -> &[usize] {
        self.line_starts
            .get_or_init(|| codespan_reporting::files::line_starts(&self.text).collect())
    }

    /// 1-based line and column of a byte offset.
    pub fn location(&self, offset: usize) -> (usize, usize) {
        let starts = self.line_starts();
        let line = starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
            .min(starts.len().saturating_sub(1));
        let start = starts.get(line).copied().unwrap_or(0);
        let end = offset.min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map_or(1, |s| s.chars().count() + 1);
        (line + 1 + self.first_line, col)
    }
}

/// Every source text of one assembly, and the expansion chains.
#[derive(Debug)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    expansions: Vec<Expansion>,
}

impl Default for SourceMap {
    fn default() -> Self {
        Self::new()
    }
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap {
            files: Vec::new(),
            // Index 0 stands for "no expansion".
            expansions: vec![Expansion {
                kind: ExpansionKind::Include,
                at: Span::new(FileId(0), 0, 0),
                parent: ExpansionId::NONE,
            }],
        }
    }

    /// Adds a text and returns its id.
    pub fn add(&mut self, name: String, path: Option<PathBuf>, text: Arc<str>) -> FileId {
        self.add_at_line(name, path, text, 0)
    }

    /// Adds a text whose first line is line `first_line + 1` of `name`.
    pub fn add_at_line(
        &mut self,
        name: String,
        path: Option<PathBuf>,
        text: Arc<str>,
        first_line: usize,
    ) -> FileId {
        self.files.push(SourceFile {
            name,
            path,
            text,
            first_line,
            expanded: false,
            line_starts: OnceLock::new(),
        });
        FileId(self.files.len() as u32 - 1)
    }

    /// Adds text made by substitution, standing for `name` from line `first_line + 1` on.
    pub fn add_expanded(
        &mut self,
        name: String,
        path: Option<PathBuf>,
        text: Arc<str>,
        first_line: usize,
    ) -> FileId {
        let id = self.add_at_line(name, path, text, first_line);
        self.files[id.0 as usize].expanded = true;
        id
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn text(&self, id: FileId) -> &Arc<str> {
        &self.file(id).text
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.file(span.file).text.get(span.range()).unwrap_or("")
    }

    /// `name:line:col` of a span's start.
    pub fn describe(&self, span: Span) -> String {
        let f = self.file(span.file);
        let (line, col) = f.location(span.start as usize);
        format!("{}:{line}:{col}", f.name)
    }

    pub fn add_expansion(
        &mut self,
        kind: ExpansionKind,
        at: Span,
        parent: ExpansionId,
    ) -> ExpansionId {
        self.expansions.push(Expansion { kind, at, parent });
        ExpansionId(self.expansions.len() as u32 - 1)
    }

    pub fn expansion(&self, id: ExpansionId) -> Option<&Expansion> {
        if id == ExpansionId::NONE {
            None
        } else {
            self.expansions.get(id.0 as usize)
        }
    }

    /// How deep `id` is nested.
    pub fn depth(&self, mut id: ExpansionId) -> usize {
        let mut depth = 0;
        while let Some(e) = self.expansion(id) {
            depth += 1;
            id = e.parent;
        }
        depth
    }

    /// The directory `.include` and `.incbin` paths in `file` are relative to.
    pub fn directory_of(&self, file: FileId) -> Option<&Path> {
        self.file(file).path.as_deref().and_then(Path::parent)
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id.0 as usize)
            .map(|f| f.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id.0 as usize)
            .map(|f| &*f.text)
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let f = self
            .files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?;
        let starts = f.line_starts();
        Ok(starts
            .partition_point(|&s| s <= byte_index)
            .saturating_sub(1))
    }

    fn line_number(&'a self, id: FileId, line_index: usize) -> Result<usize, FilesError> {
        let f = self
            .files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?;
        Ok(line_index + 1 + f.first_line)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self
            .files
            .get(id.0 as usize)
            .ok_or(FilesError::FileMissing)?;
        let starts = f.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len().saturating_sub(1),
        })?;
        let end = starts.get(line_index + 1).copied().unwrap_or(f.text.len());
        Ok(start..end)
    }
}

/// A file opened for reading: its bytes, read on demand, and its length when it has one.
pub struct Opened<'a> {
    pub reader: Box<dyn ReadSeek + 'a>,
    /// The length of a regular file; `None` for devices and pipes, which may never end.
    pub len: Option<u64>,
}

/// What a file is read through.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Where source files, `.include` and `.incbin` read files from. The assembler reads nothing
/// else, and never more of a file than a limit (see [`read_limited`] and [`read_range`]).
pub trait Loader {
    fn open(&self, path: &Path) -> io::Result<Opened<'_>>;
}

/// Reads files from the file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileSystem;

impl Loader for FileSystem {
    fn open(&self, path: &Path) -> io::Result<Opened<'_>> {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::other("it is a directory"));
        }
        Ok(Opened {
            len: meta.is_file().then_some(meta.len()),
            reader: Box::new(file),
        })
    }
}

/// Serves files from memory (tests, fuzzing): no file-system access at all.
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

impl Loader for MemoryFiles {
    fn open(&self, path: &Path) -> io::Result<Opened<'_>> {
        let data = self
            .files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, data)| data.as_slice())
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        Ok(Opened {
            len: Some(data.len() as u64),
            reader: Box::new(io::Cursor::new(data)),
        })
    }
}

/// Reads a whole file of at most `max` bytes: a longer one (or an endless one, such as
/// `/dev/zero`) is refused, without reading more than `max + 1` bytes of it.
pub fn read_limited(file: Opened<'_>, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let Opened { mut reader, len } = file;
    read_limited_into(&mut reader, len, max, &mut bytes)?;
    Ok(bytes)
}

/// [`read_limited`] for the rest of a file whose first `bytes.len()` bytes are read already
/// (`len` is the whole file's length, when known): appends to `bytes`, at most `max` in all.
pub fn read_limited_into(
    reader: &mut dyn Read,
    len: Option<u64>,
    max: u64,
    bytes: &mut Vec<u8>,
) -> io::Result<()> {
    let too_long = || io::Error::other(format!("it is longer than {max} bytes, the limit"));
    if len.is_some_and(|len| len > max) {
        return Err(too_long());
    }
    let have = bytes.len() as u64;
    let left = max.saturating_sub(have);
    bytes.reserve(len.map_or(0, |len| len.saturating_sub(have)) as usize);
    reader.take(left).read_to_end(bytes)?;
    // One byte more says whether it ends there.
    if reader.read(&mut [0u8])? > 0 {
        return Err(too_long());
    }
    Ok(())
}

/// Reads `count` bytes from `skip` on (to the end when `count` is `None`), at most `max` in
/// all, seeking rather than reading what comes before. A file with no length (a device or a
/// pipe) is read no further than `max` bytes from its start. Errors say what is wrong with the
/// range, in words that follow "`file` ".
pub fn read_range(
    file: Opened<'_>,
    skip: u64,
    count: Option<u64>,
    max: u64,
) -> Result<Vec<u8>, String> {
    let Opened { mut reader, len } = file;
    let io = |e: io::Error| format!("cannot be read: {e}");
    let n = match (len, count) {
        (Some(len), _) => {
            let end = match count {
                Some(n) => skip.checked_add(n),
                None => Some(len),
            };
            match end {
                Some(end) if skip <= end && end <= len => end - skip,
                _ => {
                    return Err(format!(
                        "has {len} bytes; offset {skip} and count {} are outside it",
                        count.map_or_else(|| "(to the end)".to_string(), |n| n.to_string())
                    ));
                }
            }
        }
        (None, Some(n)) => {
            if skip.checked_add(n).is_none_or(|end| end > max) {
                return Err(format!(
                    "is not a regular file: offset {skip} plus count {n} is beyond {max} bytes, \
                     the most read from it"
                ));
            }
            n
        }
        (None, None) => {
            if skip > max {
                return Err(format!(
                    "is not a regular file: offset {skip} is beyond {max} bytes, the most read from it"
                ));
            }
            io::copy(&mut (&mut reader).take(skip), &mut io::sink()).map_err(io)?;
            let bytes = read_limited(Opened { reader, len: None }, max - skip).map_err(|_| {
                format!(
                    "is not a regular file and does not end within {max} bytes: give a byte count"
                )
            })?;
            return Ok(bytes);
        }
    };
    if n > max {
        return Err(format!(
            "has {n} bytes from offset {skip} on, more than {max}, the most one section holds"
        ));
    }
    if len.is_some() {
        reader.seek(SeekFrom::Start(skip)).map_err(io)?;
    } else {
        io::copy(&mut (&mut reader).take(skip), &mut io::sink()).map_err(io)?;
    }
    let mut bytes = Vec::with_capacity(n as usize);
    reader.take(n).read_to_end(&mut bytes).map_err(io)?;
    if (bytes.len() as u64) < n {
        return Err(format!(
            "ended after {} bytes, before offset {skip} plus count {n}",
            skip + bytes.len() as u64
        ));
    }
    Ok(bytes)
}
