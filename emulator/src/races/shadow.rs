//! Shadow memory: for every byte range of one memory that a program has touched, the last write
//! and the reads since it, as ranges rather than bytes (scratchpads are MiBs, HBM GBs). An access
//! is checked against them and then recorded, in the manner of FastTrack: a write replaces
//! everything; a read replaces the reads that happen before it (a later write ordered after the
//! new read is ordered after them too), so a range keeps at most one read per thread.

use std::collections::BTreeMap;

use super::clock::Epoch;

/// What a range of bytes remembers: access numbers (indices into the checker's table).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    /// The first byte after the range.
    end: u64,
    /// The last write.
    write: Option<u32>,
    /// The reads since it, none happening before another.
    reads: Vec<u32>,
}

/// One access being checked.
pub(crate) struct Access<'a> {
    /// Its number.
    pub(crate) id: u32,
    /// Its thread's clock when it happens.
    pub(crate) now: &'a [u32],
    /// True for a write.
    pub(crate) write: bool,
}

/// A conflict found: the earlier access's number and the bytes they share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Conflict {
    /// The earlier access.
    pub(crate) earlier: u32,
    /// First byte shared.
    pub(crate) lo: u64,
    /// First byte after.
    pub(crate) hi: u64,
}

/// The shadow of one memory.
#[derive(Debug, Default)]
pub(crate) struct Shadow {
    /// Ranges by their first byte; they never overlap.
    map: BTreeMap<u64, Segment>,
    /// Scratch: ranges not yet touched, keys to merge.
    gaps: Vec<(u64, u64)>,
    keys: Vec<u64>,
}

impl Shadow {
    /// Ranges held (for tests and for the cost).
    #[cfg(test)]
    pub(crate) fn ranges(&self) -> usize {
        self.map.len()
    }

    /// Makes `at` a range boundary.
    fn split(&mut self, at: u64) {
        let right = match self.map.range_mut(..at).next_back() {
            Some((_, seg)) if seg.end > at => {
                let right = seg.clone();
                seg.end = at;
                right
            }
            _ => return,
        };
        self.map.insert(at, right);
    }

    /// Checks access `a` to bytes `lo..hi` against what they remember (`epochs[id]` is the
    /// epoch of access `id`), pushes each access it races with to `out`, and records it.
    pub(crate) fn access(
        &mut self,
        lo: u64,
        hi: u64,
        a: &Access<'_>,
        epochs: &[Epoch],
        out: &mut Vec<Conflict>,
    ) {
        if lo >= hi {
            return;
        }
        self.split(lo);
        self.split(hi);
        let ordered = |id: u32| epochs[id as usize].before(a.now);
        let mut cursor = lo;
        self.gaps.clear();
        for (&start, seg) in self.map.range_mut(lo..hi) {
            if start > cursor {
                self.gaps.push((cursor, start));
            }
            cursor = seg.end;
            let conflict = |earlier| Conflict {
                earlier,
                lo: start,
                hi: seg.end,
            };
            if let Some(w) = seg.write
                && !ordered(w)
            {
                out.push(conflict(w));
            }
            if a.write {
                for &r in &seg.reads {
                    if !ordered(r) {
                        out.push(conflict(r));
                    }
                }
                seg.write = Some(a.id);
                seg.reads.clear();
            } else {
                seg.reads.retain(|&r| !ordered(r));
                seg.reads.push(a.id);
            }
        }
        if cursor < hi {
            self.gaps.push((cursor, hi));
        }
        for i in 0..self.gaps.len() {
            let (start, end) = self.gaps[i];
            let seg = if a.write {
                Segment {
                    end,
                    write: Some(a.id),
                    reads: Vec::new(),
                }
            } else {
                Segment {
                    end,
                    write: None,
                    reads: vec![a.id],
                }
            };
            self.map.insert(start, seg);
        }
        self.coalesce(lo, hi);
    }

    /// Merges neighbouring ranges that remember the same, from the one before `lo` to `hi`.
    fn coalesce(&mut self, lo: u64, hi: u64) {
        let from = self.map.range(..lo).next_back().map_or(lo, |(&s, _)| s);
        self.keys.clear();
        self.keys.extend(self.map.range(from..=hi).map(|(&k, _)| k));
        let mut prev = match self.keys.first() {
            Some(&k) => k,
            None => return,
        };
        for i in 1..self.keys.len() {
            let k = self.keys[i];
            let same = match (self.map.get(&prev), self.map.get(&k)) {
                (Some(p), Some(c)) => p.end == k && p.write == c.write && p.reads == c.reads,
                _ => false,
            };
            if same {
                if let Some(end) = self.map.remove(&k).map(|c| c.end)
                    && let Some(p) = self.map.get_mut(&prev)
                {
                    p.end = end;
                }
            } else {
                prev = k;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads 0 and 1; each access `(thread, time)` gets the next number.
    struct World {
        shadow: Shadow,
        epochs: Vec<Epoch>,
    }

    impl World {
        fn new() -> World {
            World {
                shadow: Shadow::default(),
                epochs: Vec::new(),
            }
        }

        fn access(
            &mut self,
            thread: u32,
            now: &[u32],
            write: bool,
            lo: u64,
            hi: u64,
        ) -> Vec<Conflict> {
            let id = self.epochs.len() as u32;
            self.epochs.push(Epoch {
                thread,
                time: now[thread as usize],
            });
            let mut out = Vec::new();
            let a = Access { id, now, write };
            self.shadow.access(lo, hi, &a, &self.epochs, &mut out);
            out
        }
    }

    #[test]
    fn unordered_writes_to_shared_bytes_conflict_on_exactly_those_bytes() {
        let mut w = World::new();
        assert!(w.access(0, &[1, 0], true, 0, 100).is_empty());
        let c = w.access(1, &[0, 1], true, 50, 150);
        assert_eq!(
            c,
            vec![Conflict {
                earlier: 0,
                lo: 50,
                hi: 100
            }]
        );
    }

    #[test]
    fn ordered_accesses_do_not_conflict_and_reads_do_not_conflict_with_reads() {
        let mut w = World::new();
        assert!(w.access(0, &[1, 0], true, 0, 64).is_empty());
        // Thread 1 has seen thread 0's time 1: ordered.
        assert!(w.access(1, &[1, 1], false, 0, 64).is_empty());
        assert!(w.access(0, &[2, 0], false, 0, 64).is_empty());
        // Thread 0 writes again at time 3 without having seen thread 1's read.
        let c = w.access(0, &[3, 0], true, 8, 16);
        assert_eq!(
            c,
            vec![Conflict {
                earlier: 1,
                lo: 8,
                hi: 16
            }]
        );
    }

    #[test]
    fn neighbouring_ranges_that_remember_the_same_merge() {
        let mut w = World::new();
        let now = [1, 0];
        let id = w.epochs.len() as u32;
        w.epochs.push(Epoch { thread: 0, time: 1 });
        for i in 0..100 {
            let a = Access {
                id,
                now: &now,
                write: true,
            };
            w.shadow
                .access(i * 8, i * 8 + 8, &a, &w.epochs, &mut Vec::new());
        }
        assert_eq!(w.shadow.ranges(), 1);
        // A read in the middle splits it in three.
        assert!(w.access(0, &[2, 0], false, 100, 200).is_empty());
        assert_eq!(w.shadow.ranges(), 3);
    }
}
