//! The bytes of one memory: dense (tile SRAMs), or paged with read-only file overlays (L2, HBM).
//!
//! A paged memory allocates a page only when it is first written, so a 96 GB HBM costs the host
//! only what a program touches. An overlay ([`Storage::overlay`]) makes a region read its bytes
//! from shared, possibly memory-mapped data (large weights) without copying them; a write to an
//! overlaid page copies that page first (copy on write), so the data is never modified.

use std::collections::HashMap;
use std::sync::Arc;

use thiserror::Error;

/// Bytes of one page of a paged memory.
pub const PAGE_BYTES: u64 = 64 * 1024;

/// An access outside a memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("{len} bytes at offset {offset:#x} are outside a memory of {size:#x} bytes")]
pub struct OutOfBounds {
    /// First byte accessed.
    pub offset: u64,
    /// Bytes accessed.
    pub len: u64,
    /// The memory's size.
    pub size: u64,
}

/// Read-only bytes shared by the machine and, possibly, the operating system's page cache.
pub type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

#[derive(Clone)]
struct Overlay {
    offset: u64,
    data: SharedBytes,
}

impl Overlay {
    fn bytes(&self) -> &[u8] {
        (*self.data).as_ref()
    }

    fn end(&self) -> u64 {
        self.offset + self.bytes().len() as u64
    }
}

#[derive(Clone)]
enum Kind {
    Dense(Vec<u8>),
    Paged {
        pages: HashMap<u64, Box<[u8]>>,
        overlays: Vec<Overlay>,
    },
}

/// The contents of one memory.
#[derive(Clone)]
pub struct Storage {
    size: u64,
    kind: Kind,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.kind {
            Kind::Dense(_) => "dense",
            Kind::Paged { .. } => "paged",
        };
        write!(f, "Storage({kind}, {} bytes)", self.size)
    }
}

impl Storage {
    /// A zeroed memory of `size` bytes held in one allocation.
    pub fn dense(size: u64) -> Storage {
        Storage {
            size,
            kind: Kind::Dense(vec![0; size as usize]),
        }
    }

    /// A zeroed memory of `size` bytes whose pages are allocated when first written.
    pub fn paged(size: u64) -> Storage {
        Storage {
            size,
            kind: Kind::Paged {
                pages: HashMap::new(),
                overlays: Vec::new(),
            },
        }
    }

    /// The memory's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn check(&self, offset: u64, len: u64) -> Result<(), OutOfBounds> {
        match offset.checked_add(len) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(OutOfBounds {
                offset,
                len,
                size: self.size,
            }),
        }
    }

    /// The whole memory as one slice, when it is dense.
    #[inline]
    pub fn dense_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Dense(v) => Some(v),
            Kind::Paged { .. } => None,
        }
    }

    /// The whole memory as one mutable slice, when it is dense.
    #[inline]
    pub fn dense_bytes_mut(&mut self) -> Option<&mut [u8]> {
        match &mut self.kind {
            Kind::Dense(v) => Some(v),
            Kind::Paged { .. } => None,
        }
    }

    /// Copies `buf.len()` bytes starting at `offset` into `buf`.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), OutOfBounds> {
        self.check(offset, buf.len() as u64)?;
        match &self.kind {
            Kind::Dense(v) => {
                let o = offset as usize;
                buf.copy_from_slice(&v[o..o + buf.len()]);
            }
            Kind::Paged { pages, overlays } => {
                let mut done = 0usize;
                while done < buf.len() {
                    let at = offset + done as u64;
                    let page = at / PAGE_BYTES;
                    let within = (at % PAGE_BYTES) as usize;
                    let n = (PAGE_BYTES as usize - within).min(buf.len() - done);
                    let out = &mut buf[done..done + n];
                    match pages.get(&page) {
                        Some(p) => out.copy_from_slice(&p[within..within + n]),
                        None => fill_from_overlays(overlays, at, out),
                    }
                    done += n;
                }
            }
        }
        Ok(())
    }

    /// Writes `data` starting at `offset`.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), OutOfBounds> {
        self.check(offset, data.len() as u64)?;
        match &mut self.kind {
            Kind::Dense(v) => {
                let o = offset as usize;
                v[o..o + data.len()].copy_from_slice(data);
            }
            Kind::Paged { pages, overlays } => {
                let mut done = 0usize;
                while done < data.len() {
                    let at = offset + done as u64;
                    let page = at / PAGE_BYTES;
                    let within = (at % PAGE_BYTES) as usize;
                    let n = (PAGE_BYTES as usize - within).min(data.len() - done);
                    let p = pages.entry(page).or_insert_with(|| {
                        let mut fresh = vec![0u8; PAGE_BYTES as usize].into_boxed_slice();
                        fill_from_overlays(overlays, page * PAGE_BYTES, &mut fresh);
                        fresh
                    });
                    p[within..within + n].copy_from_slice(&data[done..done + n]);
                    done += n;
                }
            }
        }
        Ok(())
    }

    /// Makes `data` the contents of the region at `offset` without copying it. A dense memory
    /// copies instead. Pages already written in the region are replaced by `data`.
    pub fn overlay(&mut self, offset: u64, data: SharedBytes) -> Result<(), OutOfBounds> {
        let len = (*data).as_ref().len() as u64;
        self.check(offset, len)?;
        match &mut self.kind {
            Kind::Dense(v) => {
                let o = offset as usize;
                v[o..o + len as usize].copy_from_slice((*data).as_ref());
            }
            Kind::Paged { pages, overlays } => {
                let overlay = Overlay { offset, data };
                let end = overlay.end();
                // Pages already allocated in the region take the new bytes too.
                let first = offset / PAGE_BYTES;
                let last = end.div_ceil(PAGE_BYTES);
                overlays.retain(|o| o.end() <= offset || o.offset >= end);
                overlays.push(overlay);
                let overlays = &*overlays;
                for page in first..last {
                    if let Some(p) = pages.get_mut(&page) {
                        overlay_into(overlays, page * PAGE_BYTES, p, offset, end);
                    }
                }
            }
        }
        Ok(())
    }

    /// A fingerprint of the contents: equal contents give equal digests (a paged memory's
    /// unwritten pages count as zeros), so runs can be compared without comparing every byte.
    pub fn digest(&self) -> u64 {
        let mut h = Digest::default();
        match &self.kind {
            Kind::Dense(v) => {
                for (i, page) in v.chunks(PAGE_BYTES as usize).enumerate() {
                    if page.iter().any(|&b| b != 0) {
                        h.page(i as u64, page);
                    }
                }
            }
            Kind::Paged { pages, overlays } => {
                let mut keys: Vec<u64> = pages.keys().copied().collect();
                let first = overlays.iter().map(|o| o.offset / PAGE_BYTES);
                let last = overlays.iter().map(|o| o.end().div_ceil(PAGE_BYTES));
                for (a, b) in first.zip(last) {
                    keys.extend(a..b);
                }
                keys.sort_unstable();
                keys.dedup();
                let mut buf = vec![0u8; PAGE_BYTES as usize];
                for k in keys {
                    let len = (self.size - k * PAGE_BYTES).min(PAGE_BYTES) as usize;
                    if self.read(k * PAGE_BYTES, &mut buf[..len]).is_ok()
                        && buf[..len].iter().any(|&b| b != 0)
                    {
                        h.page(k, &buf[..len]);
                    }
                }
            }
        }
        h.0
    }

    /// Pages allocated by writes (paged memories), for memory-use reports.
    pub fn allocated_pages(&self) -> usize {
        match &self.kind {
            Kind::Dense(_) => 0,
            Kind::Paged { pages, .. } => pages.len(),
        }
    }
}

/// A 64-bit multiply-xorshift hash of pages and their indices.
#[derive(Default)]
struct Digest(u64);

impl Digest {
    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }

    fn page(&mut self, index: u64, bytes: &[u8]) {
        self.word(index);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.word(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        for &b in chunks.remainder() {
            self.word(u64::from(b));
        }
    }
}

/// Fills `out` (the bytes at `at`) from whatever overlays cover it, zero elsewhere.
fn fill_from_overlays(overlays: &[Overlay], at: u64, out: &mut [u8]) {
    out.fill(0);
    overlay_into(overlays, at, out, 0, u64::MAX);
}

/// Copies the overlaid bytes of `[lo, hi)` that fall in `out` (the bytes at `at`).
fn overlay_into(overlays: &[Overlay], at: u64, out: &mut [u8], lo: u64, hi: u64) {
    let end = at + out.len() as u64;
    for o in overlays {
        let from = o.offset.max(at).max(lo);
        let to = o.end().min(end).min(hi);
        if from < to {
            let src = &o.bytes()[(from - o.offset) as usize..(to - o.offset) as usize];
            out[(from - at) as usize..(to - at) as usize].copy_from_slice(src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paged_memory_reads_zero_until_written_and_spans_pages() {
        let mut m = Storage::paged(1 << 40);
        let mut buf = [7u8; 16];
        m.read(5 << 30, &mut buf).unwrap();
        assert_eq!(buf, [0; 16]);
        let data: Vec<u8> = (0..200).map(|i| i as u8).collect();
        let at = PAGE_BYTES - 100;
        m.write(at, &data).unwrap();
        let mut back = vec![0u8; 200];
        m.read(at, &mut back).unwrap();
        assert_eq!(back, data);
        assert_eq!(m.allocated_pages(), 2);
    }

    #[test]
    fn digests_see_contents_not_representation() {
        let mut dense = Storage::dense(3 * PAGE_BYTES);
        let mut paged = Storage::paged(3 * PAGE_BYTES);
        assert_eq!(dense.digest(), paged.digest());
        dense.write(PAGE_BYTES + 5, &[1, 2, 3]).unwrap();
        paged.write(PAGE_BYTES + 5, &[1, 2, 3]).unwrap();
        paged.write(0, &[0; 4]).unwrap();
        assert_eq!(dense.digest(), paged.digest());
        paged.write(7, &[9]).unwrap();
        assert_ne!(dense.digest(), paged.digest());
    }

    #[test]
    fn accesses_past_the_end_are_refused() {
        let mut m = Storage::dense(64);
        assert!(m.write(60, &[0; 8]).is_err());
        assert!(m.read(u64::MAX, &mut [0; 2]).is_err());
        assert!(m.write(56, &[0; 8]).is_ok());
    }

    #[test]
    fn overlays_read_through_and_copy_on_write() {
        let mut m = Storage::paged(1 << 20);
        let shared: SharedBytes = Arc::new(vec![9u8; 100]);
        m.overlay(PAGE_BYTES - 50, shared.clone()).unwrap();
        let mut buf = [0u8; 4];
        m.read(PAGE_BYTES - 52, &mut buf).unwrap();
        assert_eq!(buf, [0, 0, 9, 9]);
        m.write(PAGE_BYTES, &[1, 2]).unwrap();
        let mut around = [0u8; 4];
        m.read(PAGE_BYTES - 1, &mut around).unwrap();
        assert_eq!(around, [9, 1, 2, 9]);
        assert_eq!(
            (*shared).as_ref()[50],
            9,
            "the overlaid data is never modified"
        );
    }
}
