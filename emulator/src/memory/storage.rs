//! The bytes of one memory: one allocation, or pages allocated when first written with read-only
//! file overlays.
//!
//! A paged memory allocates a page only when it is first written, so a 96 GB HBM costs the host
//! only what a program touches. A tile SRAM ([`Storage::sram`]) starts paged in small pages, so
//! the many tiles of a large system cost little until a program uses them, and becomes one
//! allocation once a program has written enough of it to be worth the fast path. An overlay
//! ([`Storage::overlay`]) makes a region read its bytes from shared, possibly memory-mapped data
//! (large weights, a program's data sections in every tile) without copying them; a write to an
//! overlaid page copies that page first (copy on write), so the data is never modified.

use std::collections::HashMap;
use std::sync::Arc;

use thiserror::Error;

/// Bytes of one page of a paged L2 or HBM.
pub const PAGE_BYTES: u64 = 64 * 1024;

/// Bytes of one page of a tile SRAM while it is paged.
pub const SRAM_PAGE_BYTES: u64 = 1024;

/// Pages of a tile SRAM written before it becomes one allocation (64 KiB of written bytes).
pub const SRAM_DENSE_AFTER_PAGES: usize = 64;

/// Bytes of the blocks a digest hashes: the same for every representation, so equal contents
/// give equal digests.
const DIGEST_BLOCK: u64 = 64 * 1024;

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

/// Shared bytes `data[lo..hi]` seen at `offset` of the memory.
#[derive(Clone)]
struct Overlay {
    offset: u64,
    data: SharedBytes,
    lo: usize,
    hi: usize,
}

impl Overlay {
    fn bytes(&self) -> &[u8] {
        &(*self.data).as_ref()[self.lo..self.hi]
    }

    fn end(&self) -> u64 {
        self.offset + (self.hi - self.lo) as u64
    }

    /// The part of the overlay in `[from, to)` (which must lie inside it).
    fn window(&self, from: u64, to: u64) -> Overlay {
        let lo = self.lo + (from - self.offset) as usize;
        Overlay {
            offset: from,
            data: self.data.clone(),
            lo,
            hi: lo + (to - from) as usize,
        }
    }
}

/// Hashes a page number with one multiplication: page numbers are not chosen by an adversary of
/// the hash table, and every access of a paged memory looks one up.
#[derive(Clone, Copy, Default)]
struct PageHasher(u64);

impl std::hash::Hasher for PageHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, page: u64) {
        self.0 = (self.0 ^ page).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Pages = HashMap<u64, Box<[u8]>, std::hash::BuildHasherDefault<PageHasher>>;

/// Pages allocated when first written, over zeros and overlays.
#[derive(Clone)]
struct Paged {
    /// Bytes per page.
    page: u64,
    /// Written pages after which the memory becomes one allocation (`None`: never).
    dense_after: Option<usize>,
    pages: Pages,
    overlays: Vec<Overlay>,
}

impl Paged {
    /// Copies `buf.len()` bytes at `offset` into `buf`.
    fn read(&self, offset: u64, buf: &mut [u8]) {
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset + done as u64;
            let (page, within) = (at / self.page, (at % self.page) as usize);
            let n = (self.page as usize - within).min(buf.len() - done);
            let out = &mut buf[done..done + n];
            match self.pages.get(&page) {
                Some(p) => out.copy_from_slice(&p[within..within + n]),
                None => fill_from_overlays(&self.overlays, at, out),
            }
            done += n;
        }
    }

    /// Writes `data` at `offset`, allocating the pages it reaches.
    fn write(&mut self, offset: u64, data: &[u8]) {
        let size = self.page as usize;
        let mut done = 0usize;
        while done < data.len() {
            let at = offset + done as u64;
            let (page, within) = (at / self.page, (at % self.page) as usize);
            let n = (size - within).min(data.len() - done);
            let overlays = &self.overlays;
            let p = self.pages.entry(page).or_insert_with(|| {
                let mut fresh = vec![0u8; size].into_boxed_slice();
                fill_from_overlays(overlays, page * size as u64, &mut fresh);
                fresh
            });
            p[within..within + n].copy_from_slice(&data[done..done + n]);
            done += n;
        }
    }

    /// Makes `overlay` the contents of its region: older overlays keep only what lies outside
    /// it, and pages already written take its bytes.
    fn overlay(&mut self, overlay: Overlay) {
        let (start, end) = (overlay.offset, overlay.end());
        let mut kept = Vec::with_capacity(self.overlays.len() + 1);
        for o in self.overlays.drain(..) {
            if o.end() <= start || o.offset >= end {
                kept.push(o);
                continue;
            }
            if o.offset < start {
                kept.push(o.window(o.offset, start));
            }
            if o.end() > end {
                kept.push(o.window(end, o.end()));
            }
        }
        kept.push(overlay);
        self.overlays = kept;
        for page in start / self.page..end.div_ceil(self.page) {
            if let Some(p) = self.pages.get_mut(&page) {
                overlay_into(&self.overlays, page * self.page, p, start, end);
            }
        }
    }

    /// True when the memory should now be one allocation.
    fn wants_dense(&self) -> bool {
        self.dense_after.is_some_and(|n| self.pages.len() > n)
    }

    /// True when no byte of `[offset, offset + len)` was written or overlaid.
    fn untouched(&self, offset: u64, len: u64) -> bool {
        let end = offset + len;
        let range = offset / self.page..end.div_ceil(self.page);
        // Look up the range's pages or scan the written ones, whichever is fewer.
        let written = if range.end - range.start <= self.pages.len() as u64 {
            range.clone().any(|p| self.pages.contains_key(&p))
        } else {
            self.pages.keys().any(|p| range.contains(p))
        };
        !written
            && !self
                .overlays
                .iter()
                .any(|o| o.offset < end && o.end() > offset)
    }
}

#[derive(Clone)]
enum Kind {
    Dense(Vec<u8>),
    Paged(Paged),
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
            Kind::Paged(_) => "paged",
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

    /// A zeroed memory of `size` bytes whose pages ([`PAGE_BYTES`]) are allocated when first
    /// written (L2, HBM).
    pub fn paged(size: u64) -> Storage {
        Storage::paged_in(size, PAGE_BYTES, None)
    }

    /// A zeroed tile SRAM of `size` bytes: paged in [`SRAM_PAGE_BYTES`] pages until more than
    /// [`SRAM_DENSE_AFTER_PAGES`] are written, then one allocation (the same contents either way).
    pub fn sram(size: u64) -> Storage {
        Storage::paged_in(size, SRAM_PAGE_BYTES, Some(SRAM_DENSE_AFTER_PAGES))
    }

    fn paged_in(size: u64, page: u64, dense_after: Option<usize>) -> Storage {
        Storage {
            size,
            kind: Kind::Paged(Paged {
                page,
                dense_after,
                pages: Pages::default(),
                overlays: Vec::new(),
            }),
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

    /// The whole memory as one slice, when it is one allocation.
    #[inline]
    pub fn dense_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Dense(v) => Some(v),
            Kind::Paged(_) => None,
        }
    }

    /// The whole memory as one mutable slice, when it is one allocation.
    #[inline]
    pub fn dense_bytes_mut(&mut self) -> Option<&mut [u8]> {
        match &mut self.kind {
            Kind::Dense(v) => Some(v),
            Kind::Paged(_) => None,
        }
    }

    /// True when one allocation holds the whole memory.
    pub fn is_dense(&self) -> bool {
        matches!(self.kind, Kind::Dense(_))
    }

    /// Copies `buf.len()` bytes starting at `offset` into `buf`.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), OutOfBounds> {
        self.check(offset, buf.len() as u64)?;
        match &self.kind {
            Kind::Dense(v) => {
                let o = offset as usize;
                buf.copy_from_slice(&v[o..o + buf.len()]);
            }
            Kind::Paged(p) => p.read(offset, buf),
        }
        Ok(())
    }

    /// True when the `len` bytes at `offset` were never written nor overlaid, so they read as
    /// zeros without being looked at (a one-allocation memory answers false).
    pub fn untouched(&self, offset: u64, len: u64) -> Result<bool, OutOfBounds> {
        self.check(offset, len)?;
        Ok(match &self.kind {
            Kind::Dense(_) => false,
            Kind::Paged(p) => p.untouched(offset, len),
        })
    }

    /// Writes `data` starting at `offset`.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), OutOfBounds> {
        self.check(offset, data.len() as u64)?;
        match &mut self.kind {
            Kind::Dense(v) => {
                let o = offset as usize;
                v[o..o + data.len()].copy_from_slice(data);
            }
            Kind::Paged(p) => {
                p.write(offset, data);
                if p.wants_dense() {
                    self.make_dense();
                }
            }
        }
        Ok(())
    }

    /// Turns a paged memory into one allocation holding the same bytes.
    fn make_dense(&mut self) {
        if let Kind::Paged(p) = &self.kind {
            let mut all = vec![0u8; self.size as usize];
            for o in &p.overlays {
                all[o.offset as usize..o.end() as usize].copy_from_slice(o.bytes());
            }
            for (&page, bytes) in &p.pages {
                let at = (page * p.page) as usize;
                let n = bytes.len().min(all.len() - at);
                all[at..at + n].copy_from_slice(&bytes[..n]);
            }
            self.kind = Kind::Dense(all);
        }
    }

    /// Makes `data` the contents of the region at `offset` without copying it. A dense memory
    /// copies instead. Pages already written in the region are replaced by `data`.
    pub fn overlay(&mut self, offset: u64, data: SharedBytes) -> Result<(), OutOfBounds> {
        let len = (*data).as_ref().len();
        self.check(offset, len as u64)?;
        match &mut self.kind {
            Kind::Dense(v) => {
                let o = offset as usize;
                v[o..o + len].copy_from_slice((*data).as_ref());
            }
            Kind::Paged(p) => p.overlay(Overlay {
                offset,
                data,
                lo: 0,
                hi: len,
            }),
        }
        Ok(())
    }

    /// A fingerprint of the contents: equal contents give equal digests whatever holds them
    /// (unwritten pages count as zeros), so runs can be compared without comparing every byte.
    pub fn digest(&self) -> u64 {
        let mut h = Digest::default();
        let mut buf = vec![0u8; DIGEST_BLOCK as usize];
        let blocks: Vec<u64> = match &self.kind {
            Kind::Dense(_) => (0..self.size.div_ceil(DIGEST_BLOCK)).collect(),
            Kind::Paged(p) => {
                let pages = p.pages.keys().map(|&k| {
                    let at = k * p.page;
                    at / DIGEST_BLOCK..(at + p.page).div_ceil(DIGEST_BLOCK)
                });
                let overlays = p
                    .overlays
                    .iter()
                    .map(|o| o.offset / DIGEST_BLOCK..o.end().div_ceil(DIGEST_BLOCK));
                let mut keys: Vec<u64> = pages.chain(overlays).flatten().collect();
                keys.sort_unstable();
                keys.dedup();
                keys
            }
        };
        for k in blocks {
            let at = k * DIGEST_BLOCK;
            let len = (self.size.saturating_sub(at)).min(DIGEST_BLOCK) as usize;
            if self.read(at, &mut buf[..len]).is_ok() && buf[..len].iter().any(|&b| b != 0) {
                h.page(k, &buf[..len]);
            }
        }
        h.0
    }

    /// Pages allocated by writes (paged memories), for memory-use reports.
    pub fn allocated_pages(&self) -> usize {
        match &self.kind {
            Kind::Dense(_) => 0,
            Kind::Paged(p) => p.pages.len(),
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

    #[test]
    fn an_overlay_over_part_of_another_keeps_the_rest_of_it() {
        for mut m in [Storage::paged(1 << 20), Storage::sram(1 << 20)] {
            m.overlay(100, Arc::new(vec![1u8; 100])).unwrap();
            m.overlay(150, Arc::new(vec![2u8; 10])).unwrap();
            m.overlay(90, Arc::new(vec![3u8; 20])).unwrap();
            let mut buf = vec![0u8; 120];
            m.read(90, &mut buf).unwrap();
            let mut want = vec![3u8; 20];
            want.extend([1u8; 40]);
            want.extend([2u8; 10]);
            want.extend([1u8; 40]);
            want.extend([0u8; 10]);
            assert_eq!(buf, want, "{m:?}");
        }
    }

    #[test]
    fn a_tile_sram_stays_paged_until_enough_is_written_then_holds_the_same_bytes() {
        let size = 4 << 20;
        let mut sram = Storage::sram(size);
        let mut dense = Storage::dense(size);
        let image: SharedBytes = Arc::new((0..3000u32).map(|i| i as u8).collect::<Vec<u8>>());
        for m in [&mut sram, &mut dense] {
            m.overlay(500, image.clone()).unwrap();
            m.write(1000, &[7; 9]).unwrap();
        }
        assert!(!sram.is_dense());
        assert_eq!(sram.allocated_pages(), 1);
        assert_eq!(sram.digest(), dense.digest());
        // Pages far apart, one at a time, until the threshold passes.
        let mut written = 1;
        while !sram.is_dense() {
            let at = written as u64 * 3 * SRAM_PAGE_BYTES + 11;
            for m in [&mut sram, &mut dense] {
                m.write(at, &[written as u8; 5]).unwrap();
            }
            written += 1;
        }
        assert_eq!(written, SRAM_DENSE_AFTER_PAGES + 1);
        let (mut a, mut b) = (vec![0u8; size as usize], vec![1u8; size as usize]);
        sram.read(0, &mut a).unwrap();
        dense.read(0, &mut b).unwrap();
        assert!(a == b, "the dense copy holds every page and overlay");
        assert_eq!(sram.digest(), dense.digest());
    }

    #[test]
    fn untouched_ranges_are_those_never_written_or_overlaid() {
        let mut m = Storage::paged(1 << 40);
        assert!(m.untouched(0, 1 << 40).unwrap());
        m.write(5 * PAGE_BYTES + 3, &[1]).unwrap();
        m.overlay(9 * PAGE_BYTES, Arc::new(vec![0u8; 10])).unwrap();
        assert!(m.untouched(0, 5 * PAGE_BYTES).unwrap());
        assert!(!m.untouched(5 * PAGE_BYTES, 1).unwrap());
        assert!(
            !m.untouched(0, 1 << 40).unwrap(),
            "scanning the written pages"
        );
        assert!(m.untouched(6 * PAGE_BYTES, 3 * PAGE_BYTES).unwrap());
        assert!(!m.untouched(9 * PAGE_BYTES + 9, 1).unwrap());
        assert!(m.untouched(1 << 40, 1).is_err());
        assert!(!Storage::dense(64).untouched(0, 64).unwrap());
    }
}
