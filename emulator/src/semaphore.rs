//! A tile's hardware semaphores: unsigned 32-bit counters, 0 at reset (docs/isa.md,
//! "Semaphores"). Every change is checked: a value may not exceed 2^32-1 or fall below zero.

use thiserror::Error;

/// Why a semaphore could not be named or changed (a semaphore fault).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SemaphoreFault {
    /// The tile has no semaphore `sem`.
    #[error("semaphore s{sem} does not exist ({count} per tile)")]
    Missing { sem: u8, count: u32 },
    /// A value outside the semaphore's range.
    #[error("s{sem} cannot hold {value} (0..=4294967295)")]
    CannotHold { sem: u8, value: i64 },
    /// An addition that would leave the range.
    #[error(
        "s{sem} = {old} {} {} would be {new}, outside 0..=4294967295",
        if *.delta < 0 { '-' } else { '+' },
        .delta.unsigned_abs()
    )]
    OutOfRange {
        sem: u8,
        old: u32,
        delta: i64,
        new: i128,
    },
    /// `sem.signal` names a tile that does not exist.
    #[error("chip {chip} tile {tile} does not exist ({chips} chips of {tiles} tiles)")]
    NoSuchTile {
        chip: u64,
        tile: u64,
        chips: u32,
        tiles: u32,
    },
    /// A signal that could not be added at the tile it reached.
    #[error("arriving at chip {chip} tile {tile}: {fault}")]
    Arriving {
        chip: u32,
        tile: u32,
        fault: Box<SemaphoreFault>,
    },
}

/// The semaphores of one tile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Semaphores {
    values: Vec<u32>,
}

impl Semaphores {
    /// `count` semaphores, all zero.
    pub fn new(count: u32) -> Semaphores {
        Semaphores {
            values: vec![0; count as usize],
        }
    }

    /// How many there are.
    pub fn count(&self) -> u32 {
        self.values.len() as u32
    }

    /// Every value, in order.
    pub fn values(&self) -> &[u32] {
        &self.values
    }

    fn slot(&mut self, s: u8) -> Result<&mut u32, SemaphoreFault> {
        let count = self.count();
        self.values
            .get_mut(s as usize)
            .ok_or(SemaphoreFault::Missing { sem: s, count })
    }

    /// The fault of naming `s`, if it does not exist.
    pub fn check(&self, s: u8) -> Result<(), SemaphoreFault> {
        match self.get(s) {
            Some(_) => Ok(()),
            None => Err(SemaphoreFault::Missing {
                sem: s,
                count: self.count(),
            }),
        }
    }

    /// The value of `s`, if it exists.
    #[inline]
    pub fn get(&self, s: u8) -> Option<u32> {
        self.values.get(s as usize).copied()
    }

    /// True when `s` exists and holds at least `n`.
    #[inline]
    pub fn reaches(&self, s: u8, n: i64) -> bool {
        self.get(s).is_some_and(|v| i64::from(v) >= n)
    }

    /// Sets `s` to `value`.
    pub fn set(&mut self, s: u8, value: i64) -> Result<(), SemaphoreFault> {
        let v = u32::try_from(value).map_err(|_| SemaphoreFault::CannotHold { sem: s, value })?;
        *self.slot(s)? = v;
        Ok(())
    }

    /// Adds `delta` (which may be negative) to `s`, returning the new value.
    pub fn add(&mut self, s: u8, delta: i64) -> Result<u32, SemaphoreFault> {
        let slot = self.slot(s)?;
        let new = i128::from(*slot) + i128::from(delta);
        let v = u32::try_from(new).map_err(|_| SemaphoreFault::OutOfRange {
            sem: s,
            old: *slot,
            delta,
            new,
        })?;
        *slot = v;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semaphores_refuse_to_leave_their_range() {
        let mut s = Semaphores::new(4);
        assert!(s.add(0, -1).is_err());
        assert_eq!(s.add(0, 5), Ok(5));
        assert!(s.set(1, 1 << 32).is_err());
        assert!(s.set(1, -1).is_err());
        s.set(1, u32::MAX.into()).unwrap();
        assert!(s.add(1, 1).is_err());
        assert_eq!(s.get(1), Some(u32::MAX));
        assert!(s.add(7, 1).is_err());
        assert!(s.reaches(0, 5) && !s.reaches(0, 6) && s.reaches(0, -3));
    }

    #[test]
    fn semaphore_faults_read_as_before() {
        let mut s = Semaphores::new(4);
        let text = |r: Result<u32, SemaphoreFault>| r.unwrap_err().to_string();
        assert_eq!(
            text(s.add(0, -7)),
            "s0 = 0 - 7 would be -7, outside 0..=4294967295"
        );
        s.set(1, u32::MAX.into()).unwrap();
        assert_eq!(
            text(s.add(1, 2)),
            "s1 = 4294967295 + 2 would be 4294967297, outside 0..=4294967295"
        );
        assert_eq!(
            text(s.add(9, 1)),
            "semaphore s9 does not exist (4 per tile)"
        );
        assert_eq!(
            s.set(2, -1).unwrap_err().to_string(),
            "s2 cannot hold -1 (0..=4294967295)"
        );
    }
}
