//! When each component next needs to run. A component holds at most one live wake: asking for an
//! earlier one replaces the later, and a stale entry left in the heap is skipped when it comes
//! up. Wakes of one cycle come out by rank: by default the component order of
//! [`crate::sim::component`] (the fabric and the networks deliver, then memory systems and tiles
//! evaluate). Any other order gives the same results, since whatever a component hands another
//! within a cycle wakes that one again in the same cycle; tests run permuted ranks to show it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::time::Cycle;

/// A component's place in the wake order.
pub type ComponentId = u32;

/// The pending wakes.
#[derive(Clone, Debug, Default)]
pub struct Wakes {
    heap: BinaryHeap<Reverse<(Cycle, u32, ComponentId)>>,
    at: Vec<Cycle>,
    rank: Vec<u32>,
}

impl Wakes {
    /// Wakes for `components` components, none pending.
    pub fn new(components: usize) -> Wakes {
        Wakes::ranked((0..components as u32).collect())
    }

    /// Wakes where component `c` comes `rank[c]`-th among those of one cycle.
    pub fn ranked(rank: Vec<u32>) -> Wakes {
        Wakes {
            heap: BinaryHeap::new(),
            at: vec![Cycle::MAX; rank.len()],
            rank,
        }
    }

    /// Reorders the components of one cycle (live wakes stay).
    pub fn rerank(&mut self, rank: Vec<u32>) {
        assert_eq!(rank.len(), self.at.len(), "a rank per component");
        self.rank = rank;
        self.heap = (0..self.at.len() as ComponentId)
            .filter(|&c| self.at[c as usize] != Cycle::MAX)
            .map(|c| Reverse((self.at[c as usize], self.rank[c as usize], c)))
            .collect();
    }

    /// Asks for component `c` to run at cycle `t` (kept if it is earlier than its live wake);
    /// true if that makes `t` the earliest wake of all.
    #[inline]
    pub fn schedule(&mut self, c: ComponentId, t: Cycle) -> bool {
        let slot = &mut self.at[c as usize];
        if t < *slot {
            *slot = t;
            // A stale entry is later than its component's live one, so the top is the earliest.
            let earliest = self.heap.peek().is_none_or(|e| t < e.0.0);
            self.heap.push(Reverse((t, self.rank[c as usize], c)));
            return earliest;
        }
        false
    }

    /// The cycle of the earliest live wake.
    #[inline]
    pub fn next_time(&mut self) -> Option<Cycle> {
        while let Some(&Reverse((t, _, c))) = self.heap.peek() {
            if self.at[c as usize] == t {
                return Some(t);
            }
            self.heap.pop();
        }
        None
    }

    /// Takes the earliest live wake at or before `t`: the component, which now has none.
    #[inline]
    pub fn pop_until(&mut self, t: Cycle) -> Option<(Cycle, ComponentId)> {
        let at = self.next_time()?;
        if at > t {
            return None;
        }
        let Reverse((at, _, c)) = self.heap.pop()?;
        self.at[c as usize] = Cycle::MAX;
        Some((at, c))
    }

    /// Live wakes (at most one per component).
    #[cfg(test)]
    pub fn live(&self) -> usize {
        self.at.iter().filter(|&&t| t != Cycle::MAX).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_keeps_only_its_earliest_wake() {
        let mut w = Wakes::new(3);
        w.schedule(2, Cycle(9));
        w.schedule(2, Cycle(4));
        w.schedule(2, Cycle(7));
        w.schedule(1, Cycle(4));
        assert_eq!(w.live(), 2);
        assert_eq!(w.pop_until(Cycle(100)), Some((Cycle(4), 1)));
        assert_eq!(w.pop_until(Cycle(100)), Some((Cycle(4), 2)));
        assert_eq!(
            w.pop_until(Cycle(100)),
            None,
            "the later asks were replaced"
        );
        assert_eq!(w.live(), 0);
    }

    #[test]
    fn ranks_order_the_wakes_of_one_cycle() {
        let mut w = Wakes::ranked(vec![2, 0, 1]);
        for c in 0..3 {
            w.schedule(c, Cycle(5));
        }
        w.schedule(0, Cycle(4));
        let order: Vec<_> = std::iter::from_fn(|| w.pop_until(Cycle(9))).collect();
        assert_eq!(order, [(Cycle(4), 0), (Cycle(5), 1), (Cycle(5), 2)]);
    }
}
