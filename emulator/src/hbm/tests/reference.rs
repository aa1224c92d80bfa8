//! The model against a slow, obviously correct reference, and the unloaded latencies against
//! their formulas (docs/memory.md, "Unloaded latency").

use std::collections::HashMap;

use super::super::Hbm;
use super::super::controller::Issued;
use super::super::timing::{Command, Params, RULES, Scope};
use super::super::traffic::{Pattern, Traffic, drive};
use super::random::hbm;
use crate::memsys::MemorySystem;
use crate::sim::message::{Access, Body, Reply, Target};
use crate::time::{ClockRatio, Cycle};

/// True if `a` and `b` are in one entity of `scope` (a PREA or REF is in every bank of its
/// pseudo-channel).
fn same(scope: Scope, a: &Issued, b: &Issued) -> bool {
    let whole = a.command.whole_pseudo_channel() || b.command.whole_pseudo_channel();
    let ch = a.channel == b.channel;
    let pc = ch && a.pseudo_channel == b.pseudo_channel;
    let bg = pc && (whole || a.bank_group == b.bank_group);
    match scope {
        Scope::Channel => ch,
        Scope::PseudoChannel => pc,
        Scope::BankGroup => bg,
        Scope::Bank => bg && (whole || a.bank == b.bank),
    }
}

/// One request at a time, one burst each, open page, no refresh: each command the burst needs
/// goes at the first cycle, tried one by one, at which every rule holds against every command
/// issued before it.
struct Reference {
    p: Params,
    history: Vec<Issued>,
    open: HashMap<(u32, u32, u32, u32), u32>,
}

impl Reference {
    fn allowed(&self, c: &Issued) -> bool {
        RULES
            .iter()
            .filter(|r| r.later.contains(c.command))
            .all(|r| {
                let mut earlier: Vec<u64> = self
                    .history
                    .iter()
                    .filter(|e| r.earlier.contains(e.command) && same(r.scope, e, c))
                    .map(|e| e.cycle)
                    .collect();
                earlier.sort_unstable();
                match earlier.len().checked_sub(r.window) {
                    Some(k) => c.cycle >= earlier[k] + (r.gap)(&self.p),
                    None => true,
                }
            })
    }

    /// Serves a burst entering at `entry`; returns the cycle its last beat is on the bus.
    fn serve(&mut self, entry: u64, at: Issued, write: bool) -> u64 {
        let key = (at.channel, at.pseudo_channel, at.bank_group, at.bank);
        let mut commands = Vec::new();
        match self.open.get(&key) {
            Some(&r) if r == at.row => {}
            Some(_) => commands.extend([Command::Pre, Command::Act]),
            None => commands.push(Command::Act),
        }
        commands.push(if write { Command::Wr } else { Command::Rd });
        let mut t = entry;
        for command in commands {
            let mut c = Issued {
                cycle: t,
                command,
                ..at
            };
            while !self.allowed(&c) {
                c.cycle += 1;
            }
            t = c.cycle;
            self.history.push(c);
        }
        self.open.insert(key, at.row);
        t + if write {
            self.p.write_data()
        } else {
            self.p.read_data()
        }
    }
}

#[test]
fn one_request_at_a_time_the_model_matches_the_reference_cycle_for_cycle() {
    for (clock, read_ratio, seed) in [("1.0", 0.6, 1), ("1.4", 0.5, 2), ("0.7", 1.0, 3)] {
        let sets = [("hbm.refresh", "off"), ("chip.clock_ghz", clock)];
        let (mut h, r) = hbm(&sets);
        let t = Traffic {
            pattern: Pattern::Random,
            read_ratio,
            requests: 3000,
            request_bytes: 32,
            outstanding: 1,
            seed,
            // Four rows of each bank, so that hits, misses and conflicts all happen.
            span: 1 << 20,
        };
        let out = drive(&mut h, &t);
        let (mut hits, mut misses, mut conflicts) = (0, 0, 0);
        for ch in 0..h.channels() {
            for pc in 0..2 {
                let k = h.counters(ch, pc);
                (hits, misses, conflicts) = (
                    hits + k.row_hits,
                    misses + k.row_misses,
                    conflicts + k.row_conflicts,
                );
            }
        }
        assert!(
            hits > 100 && misses > 100 && conflicts > 100,
            "{hits} {misses} {conflicts}"
        );
        // The same requests, served by the reference.
        let ratio = ClockRatio::new(r.clock, r.hbm.memory_clock);
        let ctl = r.hbm.controller_latency.get();
        let mut reference = Reference {
            p: r.hbm.controller.params,
            history: Vec::new(),
            open: HashMap::new(),
        };
        let mut rng = isa::fuzz::SplitMix64(seed);
        let mut now = Cycle::ZERO;
        for (i, &latency) in out.latencies.iter().enumerate() {
            let (addr, read) = t.request_for_tests(i as u64, &mut rng);
            let l = h.mapping().locate(h.mapping().burst(addr));
            let at = Issued {
                cycle: 0,
                channel: l.channel,
                pseudo_channel: l.pseudo_channel,
                command: Command::Act,
                bank_group: l.bank_group,
                bank: l.bank,
                row: l.row,
                column: l.column,
            };
            let entry = ratio.to_other(now + ctl);
            let done = reference.serve(entry, at, !read);
            let leaves = ratio.to_core(done) + ctl;
            assert_eq!(
                latency,
                leaves.since(now).get(),
                "request {i} at {clock} GHz"
            );
            // The next request comes the cycle after the reply.
            now = leaves + 1;
        }
    }
}

/// The latency of one request to `addr` accepted at `at` by `h`, idle before.
fn latency(h: &mut Hbm, at: Cycle, addr: u64, write: bool) -> u64 {
    h.accept(
        at,
        Access {
            write,
            target: Target::Hbm,
            bytes: 32,
            addr,
            hops: 1,
            reply_to: Reply {
                chip: 0,
                tile: 0,
                queue: isa::QueueId::DmaIn,
                transfer: 0,
            },
            commit: None,
        },
        0,
    );
    let mut now = at;
    let mut out = Vec::new();
    loop {
        h.evaluate(now, &mut out);
        if out.iter().any(|p| matches!(p.body, Body::Done { .. })) {
            return now.since(at).get();
        }
        now = h.next_wake().expect("a reply is coming").max(now + 1);
    }
}

#[test]
fn unloaded_row_hit_miss_and_conflict_latencies_follow_their_formulas() {
    for clock in ["1.0", "1.4"] {
        let (mut h, r) = hbm(&[("hbm.refresh", "off"), ("chip.clock_ghz", clock)]);
        let p = r.hbm.controller.params;
        let ratio = ClockRatio::new(r.clock, r.hbm.memory_clock);
        let ctl = r.hbm.controller_latency.get();
        // A request at core cycle t enters the controller at e = to_tck(t + ctl); its reply
        // leaves at to_core(e + commands + data) + ctl.
        let formula = |t: u64, tck: u64| {
            let e = ratio.to_other(Cycle(t + ctl));
            (ratio.to_core(e + tck) + ctl).since(Cycle(t)).get()
        };
        let m = h.mapping().clone();
        let row = |row: u32, column: u32| {
            m.address(&super::super::mapping::Location {
                row,
                column,
                ..Default::default()
            })
        };
        let miss = latency(&mut h, Cycle(1000), row(1, 0), false);
        assert_eq!(
            miss,
            formula(1000, p.rcd + p.cl + p.burst),
            "miss at {clock}"
        );
        let hit = latency(&mut h, Cycle(2000), row(1, 1), false);
        assert_eq!(hit, formula(2000, p.cl + p.burst), "hit at {clock}");
        let conflict = latency(&mut h, Cycle(3000), row(2, 0), false);
        let tck = p.rp + p.rcd + p.cl + p.burst;
        assert_eq!(conflict, formula(3000, tck), "conflict at {clock}");
        let write_hit = latency(&mut h, Cycle(4000), row(2, 1), true);
        assert_eq!(
            write_hit,
            formula(4000, p.cwl + p.burst),
            "write hit at {clock}"
        );
        let other_bank = m.address(&super::super::mapping::Location {
            bank: 1,
            ..Default::default()
        });
        let write_miss = latency(&mut h, Cycle(5000), other_bank, true);
        assert_eq!(
            write_miss,
            formula(5000, p.rcd + p.cwl + p.burst),
            "at {clock}"
        );
        // ZW-1's HBM2E at 1 GHz: a row miss of 23 + 23 + 2 tCK = 30 ns, with 2 × 10 cycles of
        // controller: about 50 cycles.
        if clock == "1.0" {
            assert_eq!((p.rcd, p.cl, p.burst), (23, 23, 2));
            assert!((50..=52).contains(&miss), "{miss}");
        }
    }
}
