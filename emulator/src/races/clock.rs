//! Vector clocks: one logical time per thread of the machine (each tile's core and its four
//! engine queues, on every chip), joined along every synchronization edge.

/// A vector clock: entry `i` is the latest event of thread `i` known to happen before now.
pub(crate) type Clock = Vec<u32>;

/// `into = into ⊔ from`, entry by entry. Missing entries are 0: a clock is only as long as the
/// highest thread it has heard of, so the threads of tiles that do nothing cost nothing.
#[inline]
pub(crate) fn join(into: &mut Clock, from: &[u32]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, &b) in into.iter_mut().zip(from) {
        *a = (*a).max(b);
    }
}

/// Advances thread `thread`'s own entry: its next events are not known to anyone yet.
#[inline]
pub(crate) fn tick(clock: &mut Clock, thread: u32) {
    let i = thread as usize;
    if clock.len() <= i {
        clock.resize(i + 1, 0);
    }
    clock[i] += 1;
}

/// One event of one thread: its thread and its own entry of the clock at the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Epoch {
    /// The thread.
    pub(crate) thread: u32,
    /// Its clock.
    pub(crate) time: u32,
}

impl Epoch {
    /// True when the event happens before a thread whose clock is `now`.
    #[inline]
    pub(crate) fn before(self, now: &[u32]) -> bool {
        self.time <= now.get(self.thread as usize).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_takes_the_later_time_of_every_thread() {
        let mut a = vec![3, 0];
        join(&mut a, &[1, 4, 5]);
        assert_eq!(a, vec![3, 4, 5]);
        tick(&mut a, 4);
        assert_eq!(a, vec![3, 4, 5, 0, 1]);
        let e = Epoch { thread: 1, time: 4 };
        assert!(e.before(&a));
        assert!(!Epoch { thread: 1, time: 5 }.before(&a));
        assert!(!Epoch { thread: 9, time: 1 }.before(&a));
    }
}
