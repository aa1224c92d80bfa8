//! One channel's memory controller: for each of its pseudo-channels a read queue and a write
//! queue of bursts, the banks with their row buffers, and the timers of the timing table; the
//! channel's row and column command buses are shared by its pseudo-channels.
//!
//! Each memory cycle the controller issues at most one row command (ACT, PRE, PREA, REF) and one
//! column command (RD, WR) on the channel, chosen by FR-FCFS: a bank with a queued burst to its
//! open row (a row hit) serves the oldest such burst; otherwise the bank's oldest burst asks for
//! a PRE (another row is open) or an ACT (the bank is closed). Among the commands the timing
//! table allows in the cycle, the oldest burst's goes first; a pseudo-channel whose refresh is
//! due goes before any. A pseudo-channel serves its read queue until its write queue reaches the
//! high watermark (or it has no reads), then writes until the write queue falls to the low
//! watermark (or it has no writes). With the closed-page policy a bank is precharged as soon as
//! no queued burst hits its open row.
//!
//! Refresh: each pseudo-channel owes an all-bank REF every tREFI (the deadlines of a stack's
//! pseudo-channels staggered evenly over one tREFI). From a deadline on, the pseudo-channel
//! issues nothing but a PREA (if a bank is open) and then the REF, each as soon as allowed.
//!
//! Nothing is ticked: from a cycle where nothing may issue, the controller jumps to the first
//! cycle where a command could (the minimum over its candidates' earliest cycles, the next
//! arrival and the next refresh deadline), which gives the same commands as trying every cycle.

use std::collections::VecDeque;

use super::bank::{Bank, Timers};
use super::timing::{Command, Gaps, Params, Scope};

/// What a bank does with its row once no queued burst needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagePolicy {
    /// Keep it open (a later burst to it is a hit).
    Open,
    /// Precharge it as soon as the timing allows.
    Closed,
}

/// A controller's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The timing parameters, tCK.
    pub params: Params,
    /// The page policy.
    pub page: PagePolicy,
    /// Bursts each read queue holds.
    pub read_depth: usize,
    /// Bursts each write queue holds.
    pub write_depth: usize,
    /// Queued writes at which a pseudo-channel turns to writing.
    pub high_watermark: usize,
    /// Queued writes at which it turns back to reading.
    pub low_watermark: usize,
    /// Whether refresh runs.
    pub refresh: bool,
    /// Pseudo-channels per channel.
    pub pseudo_channels: u32,
    /// Bank groups per pseudo-channel.
    pub bank_groups: u32,
    /// Banks per bank group.
    pub banks_per_group: u32,
}

impl Settings {
    /// Banks per pseudo-channel.
    pub const fn banks(&self) -> usize {
        (self.bank_groups * self.banks_per_group) as usize
    }
}

/// How a burst found its bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowResult {
    /// Not yet served.
    Pending,
    /// Its row was open.
    Hit,
    /// The bank was closed: it needed an ACT.
    Miss,
    /// Another row was open: it needed a PRE and an ACT.
    Conflict,
}

/// A burst in a controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Burst {
    /// Its age: lower is older.
    pub seq: u64,
    /// The memory cycle it reaches the controller.
    pub entry: u64,
    /// Its request.
    pub tag: u32,
    /// Its pseudo-channel.
    pub pseudo_channel: u32,
    /// Its bank, numbered within the pseudo-channel (`bank group × banks per group + bank`).
    pub bank: u32,
    /// Its row.
    pub row: u32,
    /// Its column, in bursts.
    pub column: u32,
    /// A write.
    pub write: bool,
    /// How it found its bank.
    pub result: RowResult,
}

/// A command as issued, for checkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The memory cycle.
    pub cycle: u64,
    /// The channel (over every stack).
    pub channel: u32,
    /// The pseudo-channel.
    pub pseudo_channel: u32,
    /// The command.
    pub command: Command,
    /// Its bank group and bank within the group (unused for PREA and REF).
    pub bank_group: u32,
    /// Its bank within the group.
    pub bank: u32,
    /// The row (ACT, RD, WR).
    pub row: u32,
    /// The column (RD, WR).
    pub column: u32,
}

/// A burst whose data is done: the request it belongs to, and the memory cycle of its last beat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    /// The request.
    pub tag: u32,
    /// When its last beat is on the bus.
    pub at: u64,
    /// How it found its bank.
    pub result: RowResult,
}

/// A pseudo-channel's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// RD commands.
    pub reads: u64,
    /// WR commands.
    pub writes: u64,
    /// Bursts served from an open row.
    pub row_hits: u64,
    /// Bursts that found their bank closed.
    pub row_misses: u64,
    /// Bursts that found another row open.
    pub row_conflicts: u64,
    /// ACT commands.
    pub activates: u64,
    /// PRE and PREA commands.
    pub precharges: u64,
    /// REF commands.
    pub refreshes: u64,
    /// Sum over memory cycles of the bursts in the read queue.
    pub read_queue_burst_cycles: u64,
    /// Sum over memory cycles of the bursts in the write queue.
    pub write_queue_burst_cycles: u64,
}

/// Bursts queued per bank, oldest first.
#[derive(Clone, Debug)]
struct Queue {
    banks: Vec<VecDeque<Burst>>,
    len: usize,
    /// Bit `b` set when bank `b` has a burst.
    nonempty: u128,
    /// Bursts in the queue summed over cycles, up to `since`.
    area: u64,
    /// The cycle `len` last changed.
    since: u64,
}

impl Queue {
    fn new(banks: usize) -> Queue {
        Queue {
            banks: vec![VecDeque::new(); banks],
            len: 0,
            nonempty: 0,
            area: 0,
            since: 0,
        }
    }

    /// Bursts in the queue summed over cycles, up to `t`.
    fn area(&self, t: u64) -> u64 {
        self.area + self.len as u64 * t.saturating_sub(self.since)
    }

    /// The length changes at `t`.
    fn account(&mut self, t: u64) {
        self.area = self.area(t);
        self.since = t;
    }

    fn push(&mut self, t: u64, b: Burst) {
        self.account(t);
        self.banks[b.bank as usize].push_back(b);
        self.nonempty |= 1 << b.bank;
        self.len += 1;
    }

    fn remove(&mut self, t: u64, bank: usize, i: usize) -> Option<Burst> {
        self.account(t);
        let q = &mut self.banks[bank];
        let b = if i == 0 { q.pop_front() } else { q.remove(i) }?;
        if q.is_empty() {
            self.nonempty &= !(1 << bank);
        }
        self.len -= 1;
        Some(b)
    }
}

/// One pseudo-channel.
#[derive(Clone, Debug)]
struct PseudoChannel {
    banks: Vec<Bank>,
    groups: Vec<Timers>,
    timers: Timers,
    /// The last ACTs (a ring) for the four-activate window.
    acts: [u64; 4],
    acts_seen: usize,
    /// Bit `b` set while bank `b` has an open row.
    open: u128,
    reads: Queue,
    writes: Queue,
    /// Bursts on their way in, by entry cycle.
    arriving_reads: VecDeque<Burst>,
    arriving_writes: VecDeque<Burst>,
    writing: bool,
    /// No command of this pseudo-channel can issue before this cycle, as far as its own state
    /// goes (0: look). A command elsewhere on the channel only delays its commands, so the
    /// bound holds until its own queues, banks or mode change.
    quiet_until: u64,
    /// The next refresh deadline.
    refresh_at: u64,
    refresh_due: bool,
    counters: Counters,
}

impl PseudoChannel {
    /// Moves arrived bursts into their queues while there is room; returns when the next one
    /// could move (`u64::MAX`: none, or no room until a burst leaves).
    fn admit(&mut self, t: u64, s: &Settings) -> u64 {
        let before = self.reads.len + self.writes.len;
        let reads = admit(&mut self.arriving_reads, &mut self.reads, s.read_depth, t);
        let writes = admit(
            &mut self.arriving_writes,
            &mut self.writes,
            s.write_depth,
            t,
        );
        if self.reads.len + self.writes.len != before {
            self.quiet_until = 0;
        }
        reads.min(writes)
    }

    /// Chooses between reading and writing.
    fn choose_mode(&mut self, s: &Settings) {
        let (reads, writes) = (self.reads.len, self.writes.len);
        let writing = if self.writing {
            !(writes == 0 || (reads > 0 && writes <= s.low_watermark))
        } else {
            writes >= s.high_watermark || (reads == 0 && writes > 0)
        };
        if writing != self.writing {
            self.writing = writing;
            self.quiet_until = 0;
        }
    }

    /// True while bursts wait in it.
    fn has_work(&self) -> bool {
        self.reads.len + self.writes.len > 0
            || !self.arriving_reads.is_empty()
            || !self.arriving_writes.is_empty()
    }

    /// The earliest cycle the four-activate window allows an ACT.
    fn faw_allows(&self, faw: (usize, u64)) -> u64 {
        let (window, gap) = faw;
        if self.acts_seen < window {
            return 0;
        }
        // The window-th most recent ACT.
        self.acts[(self.acts_seen - window) % self.acts.len()] + gap
    }
}

/// Moves the bursts of `arriving` that have arrived by `t` into `queue` while it holds fewer
/// than `depth`; returns when the next one arrives (`u64::MAX`: none, or no room).
#[inline]
fn admit(arriving: &mut VecDeque<Burst>, queue: &mut Queue, depth: usize, t: u64) -> u64 {
    while let Some(b) = arriving.front() {
        if queue.len >= depth {
            return u64::MAX;
        }
        if b.entry > t {
            return b.entry;
        }
        if let Some(b) = arriving.pop_front() {
            queue.push(t, b);
        }
    }
    u64::MAX
}

/// A command the controller may issue this cycle.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    pc: usize,
    command: Command,
    /// The bank (unused for PREA and REF).
    bank: usize,
    /// The burst's place in its bank's queue (RD, WR).
    index: usize,
    /// Its burst's age (`u64::MAX` for a precharge nothing asks for).
    seq: u64,
    /// A refresh command, which goes first.
    urgent: bool,
}

impl Candidate {
    /// True if `self` goes before `other`.
    fn before(&self, other: &Candidate) -> bool {
        (!self.urgent, self.seq, self.pc) < (!other.urgent, other.seq, other.pc)
    }
}

fn keep(best: &mut Option<Candidate>, c: Candidate) {
    if best.is_none_or(|b| c.before(&b)) {
        *best = Some(c);
    }
}

/// The controller of one channel.
#[derive(Clone, Debug)]
pub struct Controller {
    id: u32,
    settings: Settings,
    gaps: Gaps,
    pcs: Vec<PseudoChannel>,
    /// The channel-scope rules' timers (its command buses).
    bus: Timers,
    /// log2 of the banks per bank group.
    group_shift: u32,
    /// Every cycle before this one is decided.
    t: u64,
    /// The first cycle at or after `t` at which anything may happen.
    resume: u64,
}

impl Controller {
    /// The controller of channel `id`; `stagger[pc]` is each pseudo-channel's first refresh
    /// deadline.
    pub fn new(id: u32, settings: Settings, stagger: &[u64]) -> Controller {
        let banks = settings.banks();
        assert!(banks <= 128, "at most 128 banks per pseudo-channel");
        assert!(
            settings.banks_per_group.is_power_of_two(),
            "banks per group a power of two"
        );
        let pc = |first: u64| PseudoChannel {
            banks: vec![Bank::default(); banks],
            groups: vec![Timers::default(); settings.bank_groups as usize],
            timers: Timers::default(),
            acts: [0; 4],
            acts_seen: 0,
            open: 0,
            reads: Queue::new(banks),
            writes: Queue::new(banks),
            arriving_reads: VecDeque::new(),
            arriving_writes: VecDeque::new(),
            writing: false,
            quiet_until: 0,
            refresh_at: first,
            refresh_due: false,
            counters: Counters::default(),
        };
        let pcs: Vec<PseudoChannel> = (0..settings.pseudo_channels as usize)
            .map(|i| pc(stagger.get(i).copied().unwrap_or(settings.params.refi)))
            .collect();
        // Idle, it runs at its first refresh deadline (or never).
        let resume = match settings.refresh {
            true => pcs.iter().map(|p| p.refresh_at).min().unwrap_or(u64::MAX),
            false => u64::MAX,
        };
        Controller {
            id,
            settings,
            gaps: Gaps::new(&settings.params),
            pcs,
            bus: Timers::default(),
            group_shift: settings.banks_per_group.trailing_zeros(),
            t: 0,
            resume,
        }
    }

    /// Takes a burst (its `entry` no earlier than any cycle decided).
    pub fn push(&mut self, b: Burst) {
        let pc = &mut self.pcs[b.pseudo_channel as usize];
        let arriving = if b.write {
            &mut pc.arriving_writes
        } else {
            &mut pc.arriving_reads
        };
        // Bursts come nearly always in entry order: the place is searched from the back.
        if arriving.back().is_none_or(|last| last.entry <= b.entry) {
            arriving.push_back(b);
        } else {
            let mut i = arriving.len();
            while i > 0 && arriving[i - 1].entry > b.entry {
                i -= 1;
            }
            arriving.insert(i, b);
        }
        self.resume = self.resume.min(b.entry.max(self.t));
    }

    /// True while bursts wait in it.
    pub fn has_work(&self) -> bool {
        self.pcs.iter().any(PseudoChannel::has_work)
    }

    /// The first cycle not yet decided at which a command could issue.
    pub fn resume(&self) -> u64 {
        self.resume.max(self.t)
    }

    /// tCK one burst holds a data bus.
    pub fn burst_tck(&self) -> u64 {
        self.settings.params.burst.max(1)
    }

    /// The counters of pseudo-channel `pc`, up to every cycle decided.
    pub fn counters(&self, pc: usize) -> Counters {
        let p = &self.pcs[pc];
        Counters {
            read_queue_burst_cycles: p.reads.area(self.t),
            write_queue_burst_cycles: p.writes.area(self.t),
            ..p.counters
        }
    }

    /// Decides every cycle before `until`: pushes the bursts whose data is done to `done`, and
    /// every command issued to `sink`.
    pub fn advance(
        &mut self,
        until: u64,
        done: &mut Vec<Done>,
        mut sink: Option<&mut dyn FnMut(&Issued)>,
    ) {
        while self.t < until {
            let t = self.t.max(self.resume);
            if t >= until {
                break;
            }
            let (issued, next) = self.step(t, done, &mut sink);
            self.resume = if issued { t + 1 } else { next };
            self.t = self.resume.min(until);
        }
        self.t = self.t.max(until);
    }

    /// The earliest cycle `command` may issue to bank `bank` of pseudo-channel `pc` (to every
    /// bank of it for PREA and REF).
    fn earliest(&self, pc: usize, command: Command, bank: usize) -> u64 {
        let p = &self.pcs[pc];
        let c = command.index();
        let mut at = p.timers.at(c).max(self.bus.at(c));
        if command.whole_pseudo_channel() {
            for b in &p.banks {
                at = at.max(b.timers.at(c));
            }
            for g in &p.groups {
                at = at.max(g.at(c));
            }
        } else {
            let group = bank >> self.group_shift;
            at = at
                .max(p.banks[bank].timers.at(c))
                .max(p.groups[group].at(c));
        }
        if command == Command::Act {
            at = at.max(p.faw_allows(self.gaps.faw));
        }
        at
    }

    /// Decides cycle `t`: returns whether a command issued, and otherwise the first cycle at
    /// which one could.
    fn step(
        &mut self,
        t: u64,
        done: &mut Vec<Done>,
        sink: &mut Option<&mut dyn FnMut(&Issued)>,
    ) -> (bool, u64) {
        let s = self.settings;
        let mut next = u64::MAX;
        let mut column: Option<Candidate> = None;
        let mut row: Option<Candidate> = None;
        for i in 0..self.pcs.len() {
            let pc = &mut self.pcs[i];
            next = next.min(pc.admit(t, &s));
            if s.refresh {
                if t >= pc.refresh_at {
                    pc.refresh_due = true;
                } else {
                    next = next.min(pc.refresh_at);
                }
            }
            if pc.refresh_due {
                let command = if pc.open != 0 {
                    Command::PreA
                } else {
                    Command::Ref
                };
                let at = self.earliest(i, command, 0);
                let c = Candidate {
                    pc: i,
                    command,
                    bank: 0,
                    index: 0,
                    seq: 0,
                    urgent: true,
                };
                if at <= t {
                    keep(&mut row, c);
                } else {
                    next = next.min(at);
                }
                continue;
            }
            if pc.reads.len + pc.writes.len == 0 && (s.page == PagePolicy::Open || pc.open == 0) {
                continue;
            }
            pc.choose_mode(&s);
            if pc.quiet_until > t {
                next = next.min(pc.quiet_until);
                continue;
            }
            let pc = &self.pcs[i];
            let queue = if pc.writing { &pc.writes } else { &pc.reads };
            let (mut quiet, mut ready) = (u64::MAX, false);
            let mut banks = queue.nonempty;
            if s.page == PagePolicy::Closed {
                banks |= pc.open;
            }
            while banks != 0 {
                let b = banks.trailing_zeros() as usize;
                banks &= banks - 1;
                let q = &queue.banks[b];
                let (command, index, seq) = match pc.banks[b].open {
                    // The head is nearly always the hit.
                    Some(open) => match q
                        .front()
                        .filter(|x| x.row == open)
                        .map(|_| 0)
                        .or_else(|| q.iter().position(|x| x.row == open))
                    {
                        Some(k) => {
                            let c = if pc.writing { Command::Wr } else { Command::Rd };
                            (c, k, q[k].seq)
                        }
                        None => (Command::Pre, 0, q.front().map_or(u64::MAX, |x| x.seq)),
                    },
                    None => match q.front() {
                        Some(x) => (Command::Act, 0, x.seq),
                        None => continue,
                    },
                };
                let at = self.earliest(i, command, b);
                if at > t {
                    quiet = quiet.min(at);
                    continue;
                }
                ready = true;
                let c = Candidate {
                    pc: i,
                    command,
                    bank: b,
                    index,
                    seq,
                    urgent: false,
                };
                keep(
                    if command.is_column() {
                        &mut column
                    } else {
                        &mut row
                    },
                    c,
                );
            }
            next = next.min(quiet);
            self.pcs[i].quiet_until = if ready { 0 } else { quiet };
        }
        let mut issued = false;
        if let Some(c) = column {
            self.issue(t, c, done, sink);
            issued = true;
        }
        if let Some(r) = row {
            // The column command may have delayed it (RD or WR to the same bank before PRE).
            let at = self.earliest(r.pc, r.command, r.bank);
            if at <= t {
                self.issue(t, r, done, sink);
                issued = true;
            } else {
                next = next.min(at);
            }
        }
        (issued, next)
    }

    /// Issues `c` at `t`.
    fn issue(
        &mut self,
        t: u64,
        c: Candidate,
        done: &mut Vec<Done>,
        sink: &mut Option<&mut dyn FnMut(&Issued)>,
    ) {
        let s = self.settings;
        let per_group = s.banks_per_group as usize;
        let group = c.bank >> self.group_shift;
        let pc = &mut self.pcs[c.pc];
        pc.quiet_until = 0;
        let mut row = 0;
        let mut column = 0;
        let queue = if pc.writing {
            &mut pc.writes
        } else {
            &mut pc.reads
        };
        match c.command {
            Command::Act => {
                let head = &mut queue.banks[c.bank][0];
                if head.result == RowResult::Pending {
                    head.result = RowResult::Miss;
                }
                row = head.row;
                pc.banks[c.bank].open = Some(row);
                pc.open |= 1 << c.bank;
                pc.acts[pc.acts_seen % 4] = t;
                pc.acts_seen += 1;
                pc.counters.activates += 1;
            }
            Command::Pre => {
                if let Some(head) = queue.banks[c.bank].front_mut()
                    && head.result == RowResult::Pending
                {
                    head.result = RowResult::Conflict;
                }
                pc.banks[c.bank].open = None;
                pc.open &= !(1 << c.bank);
                pc.counters.precharges += 1;
            }
            Command::PreA => {
                for b in &mut pc.banks {
                    b.open = None;
                }
                pc.open = 0;
                pc.counters.precharges += 1;
            }
            Command::Ref => {
                pc.refresh_due = false;
                pc.refresh_at += s.params.refi;
                pc.counters.refreshes += 1;
            }
            Command::Rd | Command::Wr => {
                if let Some(b) = queue.remove(t, c.bank, c.index) {
                    let result = match b.result {
                        RowResult::Pending => RowResult::Hit,
                        r => r,
                    };
                    let k = &mut pc.counters;
                    match result {
                        RowResult::Hit | RowResult::Pending => k.row_hits += 1,
                        RowResult::Miss => k.row_misses += 1,
                        RowResult::Conflict => k.row_conflicts += 1,
                    }
                    let at = if b.write {
                        pc.counters.writes += 1;
                        t + s.params.write_data()
                    } else {
                        pc.counters.reads += 1;
                        t + s.params.read_data()
                    };
                    done.push(Done {
                        tag: b.tag,
                        at,
                        result,
                    });
                    row = b.row;
                    column = b.column;
                }
            }
        }
        // The timing table: every later command in each scope waits its gap.
        let g = &self.gaps.gap[c.command.index()];
        if c.command.whole_pseudo_channel() {
            for b in &mut pc.banks {
                b.timers.raise(t, &g[Scope::Bank as usize]);
            }
            for grp in &mut pc.groups {
                grp.raise(t, &g[Scope::BankGroup as usize]);
            }
        } else {
            pc.banks[c.bank].timers.raise(t, &g[Scope::Bank as usize]);
            pc.groups[group].raise(t, &g[Scope::BankGroup as usize]);
        }
        pc.timers.raise(t, &g[Scope::PseudoChannel as usize]);
        self.bus.raise(t, &g[Scope::Channel as usize]);
        if let Some(sink) = sink {
            sink(&Issued {
                cycle: t,
                channel: self.id,
                pseudo_channel: c.pc as u32,
                command: c.command,
                bank_group: group as u32,
                bank: (c.bank % per_group) as u32,
                row,
                column,
            });
        }
    }
}
