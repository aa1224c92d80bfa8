//! A tile's hardware semaphores: unsigned 32-bit counters, 0 at reset (docs/isa.md,
//! "Semaphores"). Every change is checked: a value may not exceed 2^32-1 or fall below zero.

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

    fn slot(&mut self, s: u8) -> Result<&mut u32, String> {
        let count = self.values.len();
        self.values
            .get_mut(s as usize)
            .ok_or_else(|| format!("semaphore s{s} does not exist ({count} per tile)"))
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
    pub fn set(&mut self, s: u8, value: i64) -> Result<(), String> {
        let v = u32::try_from(value)
            .map_err(|_| format!("s{s} cannot hold {value} (0..=4294967295)"))?;
        *self.slot(s)? = v;
        Ok(())
    }

    /// Adds `delta` (which may be negative) to `s`, returning the new value.
    pub fn add(&mut self, s: u8, delta: i64) -> Result<u32, String> {
        let slot = self.slot(s)?;
        let new = i128::from(*slot) + i128::from(delta);
        let v = u32::try_from(new).map_err(|_| {
            format!(
                "s{s} = {} {} {} would be {new}, outside 0..=4294967295",
                *slot,
                if delta < 0 { '-' } else { '+' },
                delta.unsigned_abs()
            )
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
}
