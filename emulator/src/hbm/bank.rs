//! A bank's state: its open row (the row buffer) and, for each command, the earliest memory
//! cycle the bank-scope rules allow it. The same timer array serves bank groups, pseudo-channels
//! and channels for the rules of their scope.

use super::timing::COMMANDS;

/// The earliest cycle each command may issue, as far as one scope's rules go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timers(pub [u64; COMMANDS]);

impl Timers {
    /// A command issued at `t`: each later command waits its gap.
    #[inline]
    pub fn raise(&mut self, t: u64, gaps: &[u64; COMMANDS]) {
        for (next, &g) in self.0.iter_mut().zip(gaps) {
            *next = (*next).max(t + g);
        }
    }

    /// The earliest cycle for command index `c`.
    #[inline]
    pub fn at(&self, c: usize) -> u64 {
        self.0[c]
    }
}

/// One bank.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bank {
    /// The open row, if any.
    pub open: Option<u32>,
    /// The bank-scope rules' earliest cycles.
    pub timers: Timers,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timer_keeps_the_latest_constraint() {
        let mut t = Timers::default();
        t.raise(10, &[5, 0, 0, 3, 0, 0]);
        t.raise(12, &[1, 0, 0, 3, 0, 0]);
        assert_eq!(t.at(0), 15);
        assert_eq!(t.at(3), 15);
        assert_eq!(t.at(1), 12);
    }
}
