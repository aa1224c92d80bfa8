//! A checker for the commands a controller issues: every command is validated against every
//! rule of the timing table ([`RULES`]), against the bank states (ACT only to a closed bank, RD
//! and WR only to the open row, REF only with every bank closed) and against the refresh rate
//! (no pseudo-channel more than one REF behind one per tREFI). It keeps the history of commands
//! per scope rather than the controller's "earliest next" timers, so it checks the controller's
//! bookkeeping, not a copy of it.

use std::collections::{HashMap, VecDeque};

use super::controller::Issued;
use super::timing::{Command, Params, RULES, Scope};

/// Which banks a checker watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Pseudo-channels per channel.
    pub pseudo_channels: u32,
    /// Bank groups per pseudo-channel.
    pub bank_groups: u32,
    /// Banks per bank group.
    pub banks_per_group: u32,
}

/// One scope's instance: a bank, a bank group, a pseudo-channel or a channel.
type Entity = (Scope, u32, u32, u32, u32);

/// Validates issued commands.
#[derive(Clone, Debug)]
pub struct Checker {
    params: Params,
    shape: Shape,
    refresh: bool,
    /// The last four cycles of each command in each entity, latest last.
    history: HashMap<(Entity, Command), VecDeque<u64>>,
    /// Open rows, by (channel, pseudo-channel, bank group, bank).
    open: HashMap<(u32, u32, u32, u32), u32>,
    /// REFs per (channel, pseudo-channel).
    refreshes: HashMap<(u32, u32), u64>,
    /// Commands checked, by command.
    counts: [u64; 6],
    /// The last cycle seen.
    last: u64,
    violations: Vec<String>,
}

impl Checker {
    /// A checker of the table for `params` on banks of `shape`; with `refresh`, the refresh rate
    /// is checked too.
    pub fn new(params: Params, shape: Shape, refresh: bool) -> Checker {
        Checker {
            params,
            shape,
            refresh,
            history: HashMap::new(),
            open: HashMap::new(),
            refreshes: HashMap::new(),
            counts: [0; 6],
            last: 0,
            violations: Vec::new(),
        }
    }

    /// Every violation found, in words.
    pub fn violations(&self) -> &[String] {
        &self.violations
    }

    /// Commands checked, of `c`.
    pub fn count(&self, c: Command) -> u64 {
        self.counts[c.index()]
    }

    /// The entities of `scope` that command `i` is in (every bank or bank group of its
    /// pseudo-channel for PREA and REF).
    fn entities(&self, scope: Scope, i: &Issued) -> Vec<Entity> {
        let (ch, pc) = (i.channel, i.pseudo_channel);
        let whole = i.command.whole_pseudo_channel();
        match scope {
            Scope::Channel => vec![(scope, ch, 0, 0, 0)],
            Scope::PseudoChannel => vec![(scope, ch, pc, 0, 0)],
            Scope::BankGroup if whole => (0..self.shape.bank_groups)
                .map(|g| (scope, ch, pc, g, 0))
                .collect(),
            Scope::BankGroup => vec![(scope, ch, pc, i.bank_group, 0)],
            Scope::Bank if whole => (0..self.shape.bank_groups)
                .flat_map(|g| (0..self.shape.banks_per_group).map(move |b| (scope, ch, pc, g, b)))
                .collect(),
            Scope::Bank => vec![(scope, ch, pc, i.bank_group, i.bank)],
        }
    }

    fn fail(&mut self, i: &Issued, why: String) {
        if self.violations.len() < 100 {
            self.violations.push(format!(
                "cycle {}: {} on channel {} pseudo-channel {} bank group {} bank {}: {why}",
                i.cycle, i.command, i.channel, i.pseudo_channel, i.bank_group, i.bank
            ));
        }
    }

    /// Checks command `i` (commands come in cycle order per channel).
    pub fn check(&mut self, i: &Issued) {
        self.counts[i.command.index()] += 1;
        self.last = self.last.max(i.cycle);
        // Every rule whose later command this is.
        for rule in RULES.iter().filter(|r| r.later.contains(i.command)) {
            let gap = (rule.gap)(&self.params);
            for e in self.entities(rule.scope, i) {
                // The window-th most recent earlier command of the rule in this entity.
                let mut times: Vec<u64> = rule
                    .earlier
                    .iter()
                    .filter_map(|c| self.history.get(&(e, c)))
                    .flat_map(|h| h.iter().copied())
                    .collect();
                times.sort_unstable();
                let Some(&at) = times.len().checked_sub(rule.window).map(|k| &times[k]) else {
                    continue;
                };
                if i.cycle < at + gap {
                    let why = format!(
                        "{} ({}): {} after {} at cycle {at}, needs {gap} ({})",
                        rule.name,
                        rule.scope.name(),
                        i.cycle - at,
                        rule.earlier,
                        rule.formula
                    );
                    self.fail(i, why);
                }
            }
        }
        self.check_state(i);
        for scope in [
            Scope::Bank,
            Scope::BankGroup,
            Scope::PseudoChannel,
            Scope::Channel,
        ] {
            for e in self.entities(scope, i) {
                let h = self.history.entry((e, i.command)).or_default();
                h.push_back(i.cycle);
                if h.len() > 4 {
                    h.pop_front();
                }
            }
        }
        if self.refresh {
            self.check_refresh_rate(i.channel, i.pseudo_channel, i.cycle);
        }
    }

    /// Bank states: rows opened, read and closed in a legal order.
    fn check_state(&mut self, i: &Issued) {
        let key = (i.channel, i.pseudo_channel, i.bank_group, i.bank);
        let banks_of_pc = |k: &(u32, u32, u32, u32)| k.0 == i.channel && k.1 == i.pseudo_channel;
        match i.command {
            Command::Act => {
                if let Some(r) = self.open.insert(key, i.row) {
                    self.fail(i, format!("row {r} is still open"));
                }
            }
            Command::Pre => {
                if self.open.remove(&key).is_none() {
                    self.fail(i, "the bank is closed".into());
                }
            }
            Command::PreA => self.open.retain(|k, _| !banks_of_pc(k)),
            Command::Rd | Command::Wr => match self.open.get(&key) {
                Some(&r) if r == i.row => {}
                other => self.fail(i, format!("row {} is not open ({other:?} is)", i.row)),
            },
            Command::Ref => {
                if self.open.keys().any(banks_of_pc) {
                    self.fail(i, "a bank is open".into());
                }
                *self
                    .refreshes
                    .entry((i.channel, i.pseudo_channel))
                    .or_default() += 1;
            }
        }
    }

    /// No pseudo-channel more than one REF behind one every tREFI at cycle `t`.
    fn check_refresh_rate(&mut self, ch: u32, pc: u32, t: u64) {
        let owed = (t / self.params.refi.max(1)).saturating_sub(1);
        let done = self.refreshes.get(&(ch, pc)).copied().unwrap_or(0);
        if done < owed {
            self.violations.push(format!(
                "cycle {t}: channel {ch} pseudo-channel {pc} has refreshed {done} times, owes {owed}"
            ));
        }
    }

    /// Checks the refresh rate of every pseudo-channel of `channels` channels at cycle `t` (the
    /// end of a run).
    pub fn finish(&mut self, channels: u32, t: u64) {
        if !self.refresh {
            return;
        }
        for ch in 0..channels {
            for pc in 0..self.shape.pseudo_channels {
                self.check_refresh_rate(ch, pc, t);
            }
        }
    }
}
