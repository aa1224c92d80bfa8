//! The HBM timing rules as one table ([`RULES`]): each row says that a later command may issue
//! no sooner than `gap` memory cycles (tCK) after an earlier one in the same scope (bank, bank
//! group, pseudo-channel or channel), the gap a formula of named parameters ([`Params`]), with the
//! clause of the standard it comes from. The controller applies the table ([`Gaps`]) and the
//! checker (`hbm::checker`) validates every command against it; docs/memory.md prints it.

use core::fmt;

/// A DRAM command. `PreA` (precharge all) and `Ref` (all-bank refresh) address every bank of a
/// pseudo-channel; the others one bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    /// Activate: open a row of a bank.
    Act,
    /// Precharge: close a bank's row.
    Pre,
    /// Precharge every bank of a pseudo-channel.
    PreA,
    /// Read one burst from an open row.
    Rd,
    /// Write one burst to an open row.
    Wr,
    /// Refresh every bank of a pseudo-channel (all banks closed).
    Ref,
}

/// The number of commands.
pub const COMMANDS: usize = 6;

impl Command {
    /// Every command, in index order.
    pub const ALL: [Command; COMMANDS] = [
        Command::Act,
        Command::Pre,
        Command::PreA,
        Command::Rd,
        Command::Wr,
        Command::Ref,
    ];

    /// Its index in [`Command::ALL`].
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Its JEDEC mnemonic.
    pub const fn name(self) -> &'static str {
        match self {
            Command::Act => "ACT",
            Command::Pre => "PRE",
            Command::PreA => "PREA",
            Command::Rd => "RD",
            Command::Wr => "WR",
            Command::Ref => "REF",
        }
    }

    /// True for a command on the column bus (RD, WR); the others use the row bus.
    pub const fn is_column(self) -> bool {
        matches!(self, Command::Rd | Command::Wr)
    }

    /// True for a command that addresses every bank of its pseudo-channel.
    pub const fn whole_pseudo_channel(self) -> bool {
        matches!(self, Command::PreA | Command::Ref)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commands(u8);

impl Commands {
    /// The set of `commands`.
    pub const fn of(commands: &[Command]) -> Commands {
        let mut bits = 0u8;
        let mut i = 0;
        while i < commands.len() {
            bits |= 1 << commands[i] as u8;
            i += 1;
        }
        Commands(bits)
    }

    /// True if `c` is in the set.
    #[inline]
    pub const fn contains(self, c: Command) -> bool {
        self.0 & (1 << c as u8) != 0
    }

    /// The commands of the set, in index order.
    pub fn iter(self) -> impl Iterator<Item = Command> {
        Command::ALL.into_iter().filter(move |&c| self.contains(c))
    }
}

impl fmt::Display for Commands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Command::name).collect();
        f.write_str(&names.join(", "))
    }
}

/// Which pairs of commands a rule relates: those to the same bank, the same bank group, the same
/// pseudo-channel or the same channel (whose pseudo-channels share the row and column command
/// buses). A command to every bank of a pseudo-channel is in the scope of each of its banks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The same bank.
    Bank,
    /// The same bank group of a pseudo-channel.
    BankGroup,
    /// The same pseudo-channel.
    PseudoChannel,
    /// The same channel.
    Channel,
}

/// The number of scopes.
pub const SCOPES: usize = 4;

impl Scope {
    /// Its name in tables.
    pub const fn name(self) -> &'static str {
        match self {
            Scope::Bank => "bank",
            Scope::BankGroup => "bank group",
            Scope::PseudoChannel => "pseudo-channel",
            Scope::Channel => "channel",
        }
    }
}

/// The timing parameters, in memory clock cycles (tCK): each time of the `[hbm]` keys in ns
/// divided by tCK and rounded up (tREFI rounded down: a deadline must not be late).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// Cycles one burst occupies the data bus: burst length / beats per tCK.
    pub burst: u64,
    /// ACT to RD or WR (tRCD).
    pub rcd: u64,
    /// PRE to ACT (tRP).
    pub rp: u64,
    /// ACT to PRE (tRAS).
    pub ras: u64,
    /// ACT to ACT, same bank (tRC).
    pub rc: u64,
    /// RD to first data (RL, tCL).
    pub cl: u64,
    /// WR to first data (WL, tCWL).
    pub cwl: u64,
    /// End of write data to PRE (tWR).
    pub wr: u64,
    /// RD to PRE (tRTP).
    pub rtp: u64,
    /// ACT to ACT, other bank group (tRRD_S).
    pub rrd_s: u64,
    /// ACT to ACT, same bank group (tRRD_L).
    pub rrd_l: u64,
    /// Four-activate window (tFAW).
    pub faw: u64,
    /// Column to column, other bank group (tCCD_S).
    pub ccd_s: u64,
    /// Column to column, same bank group (tCCD_L).
    pub ccd_l: u64,
    /// End of write data to RD, other bank group (tWTR_S).
    pub wtr_s: u64,
    /// End of write data to RD, same bank group (tWTR_L).
    pub wtr_l: u64,
    /// All-bank refresh cycle (tRFC).
    pub rfc: u64,
    /// Average refresh interval (tREFI).
    pub refi: u64,
}

impl Params {
    /// Cycles from RD to its last data beat: `RL + burst`.
    pub const fn read_data(&self) -> u64 {
        self.cl + self.burst
    }

    /// Cycles from WR to its last data beat: `WL + burst`.
    pub const fn write_data(&self) -> u64 {
        self.cwl + self.burst
    }
}

/// One timing rule: `later` may issue no sooner than `gap` after the `window`-th most recent
/// `earlier` in the same `scope`.
#[derive(Clone, Copy)]
pub struct Rule {
    /// Its name (the JEDEC parameter it is built on).
    pub name: &'static str,
    /// Where it applies.
    pub scope: Scope,
    /// The earlier commands.
    pub earlier: Commands,
    /// The later commands.
    pub later: Commands,
    /// Counted from the `window`-th most recent earlier command (1 for the last; 4 for tFAW:
    /// a fifth ACT waits for the first of the last four).
    pub window: usize,
    /// The gap in tCK.
    pub gap: fn(&Params) -> u64,
    /// The gap as a formula of the parameters.
    pub formula: &'static str,
    /// Where it comes from.
    pub source: &'static str,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("name", &self.name)
            .field("scope", &self.scope)
            .field("earlier", &self.earlier)
            .field("later", &self.later)
            .field("window", &self.window)
            .field("formula", &self.formula)
            .finish()
    }
}

use Command::{Act, Pre, PreA, Rd, Ref, Wr};

const ROW: Commands = Commands::of(&[Act, Pre, PreA, Ref]);
const COLUMN: Commands = Commands::of(&[Rd, Wr]);
const PRECHARGES: Commands = Commands::of(&[Pre, PreA]);

/// Every timing rule of the model.
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    Rule { name: "tRCD", scope: Scope::Bank, earlier: Commands::of(&[Act]), later: COLUMN, window: 1,
        gap: |p| p.rcd, formula: "tRCD",
        source: "JESD235 tRCDRD/tRCDWR (one value for both), JESD238 tRCD" },
    Rule { name: "tRAS", scope: Scope::Bank, earlier: Commands::of(&[Act]), later: PRECHARGES, window: 1,
        gap: |p| p.ras, formula: "tRAS", source: "JESD235/JESD238 tRAS" },
    Rule { name: "tRC", scope: Scope::Bank, earlier: Commands::of(&[Act]), later: Commands::of(&[Act, Ref]), window: 1,
        gap: |p| p.rc, formula: "tRC",
        source: "JESD235/JESD238 tRC (ACT to ACT, and ACT to REF, of one bank)" },
    Rule { name: "tRP", scope: Scope::Bank, earlier: PRECHARGES, later: Commands::of(&[Act, Ref]), window: 1,
        gap: |p| p.rp, formula: "tRP", source: "JESD235/JESD238 tRP (PRE or PREA to ACT or REF)" },
    Rule { name: "tRTP", scope: Scope::Bank, earlier: Commands::of(&[Rd]), later: PRECHARGES, window: 1,
        gap: |p| p.rtp, formula: "tRTP", source: "JESD235/JESD238 tRTP" },
    Rule { name: "tWR", scope: Scope::Bank, earlier: Commands::of(&[Wr]), later: PRECHARGES, window: 1,
        gap: |p| p.cwl + p.burst + p.wr, formula: "WL + burst + tWR",
        source: "JESD235/JESD238 tWR, counted from the end of the write data" },
    Rule { name: "tRFC", scope: Scope::PseudoChannel, earlier: Commands::of(&[Ref]), later: Commands::of(&[Act, Ref]), window: 1,
        gap: |p| p.rfc, formula: "tRFC", source: "JESD235/JESD238 tRFC (all-bank refresh)" },
    Rule { name: "tRRD_L", scope: Scope::BankGroup, earlier: Commands::of(&[Act]), later: Commands::of(&[Act]), window: 1,
        gap: |p| p.rrd_l, formula: "tRRD_L", source: "JESD235/JESD238 tRRDL (same bank group)" },
    Rule { name: "tRRD_S", scope: Scope::PseudoChannel, earlier: Commands::of(&[Act]), later: Commands::of(&[Act]), window: 1,
        gap: |p| p.rrd_s, formula: "tRRD_S", source: "JESD235/JESD238 tRRDS (any bank group)" },
    Rule { name: "tFAW", scope: Scope::PseudoChannel, earlier: Commands::of(&[Act]), later: Commands::of(&[Act]), window: 4,
        gap: |p| p.faw, formula: "tFAW (the fifth ACT after the first of four)",
        source: "JESD235/JESD238 tFAW" },
    Rule { name: "tCCD_L read", scope: Scope::BankGroup, earlier: Commands::of(&[Rd]), later: Commands::of(&[Rd]), window: 1,
        gap: |p| p.ccd_l, formula: "tCCD_L", source: "JESD235/JESD238 tCCDL (same bank group)" },
    Rule { name: "tCCD_L write", scope: Scope::BankGroup, earlier: Commands::of(&[Wr]), later: Commands::of(&[Wr]), window: 1,
        gap: |p| p.ccd_l, formula: "tCCD_L", source: "JESD235/JESD238 tCCDL (same bank group)" },
    Rule { name: "tCCD_S read", scope: Scope::PseudoChannel, earlier: Commands::of(&[Rd]), later: Commands::of(&[Rd]), window: 1,
        gap: |p| p.ccd_s, formula: "tCCD_S", source: "JESD235/JESD238 tCCDS (any bank group)" },
    Rule { name: "tCCD_S write", scope: Scope::PseudoChannel, earlier: Commands::of(&[Wr]), later: Commands::of(&[Wr]), window: 1,
        gap: |p| p.ccd_s, formula: "tCCD_S", source: "JESD235/JESD238 tCCDS (any bank group)" },
    Rule { name: "read burst", scope: Scope::PseudoChannel, earlier: Commands::of(&[Rd]), later: Commands::of(&[Rd]), window: 1,
        gap: |p| p.burst, formula: "burst = BL / beats per tCK",
        source: "data bus: one burst at a time (JESD235 BL4 in pseudo-channel mode is 2 tCK; JESD238 BL8 is 2 tCK)" },
    Rule { name: "write burst", scope: Scope::PseudoChannel, earlier: Commands::of(&[Wr]), later: Commands::of(&[Wr]), window: 1,
        gap: |p| p.burst, formula: "burst = BL / beats per tCK", source: "data bus: one burst at a time" },
    Rule { name: "tWTR_L", scope: Scope::BankGroup, earlier: Commands::of(&[Wr]), later: Commands::of(&[Rd]), window: 1,
        gap: |p| p.cwl + p.burst + p.wtr_l, formula: "WL + burst + tWTR_L",
        source: "JESD235/JESD238 tWTRL, counted from the end of the write data" },
    Rule { name: "tWTR_S", scope: Scope::PseudoChannel, earlier: Commands::of(&[Wr]), later: Commands::of(&[Rd]), window: 1,
        gap: |p| p.cwl + p.burst + p.wtr_s, formula: "WL + burst + tWTR_S",
        source: "JESD235/JESD238 tWTRS, counted from the end of the write data" },
    Rule { name: "read to write", scope: Scope::PseudoChannel, earlier: Commands::of(&[Rd]), later: Commands::of(&[Wr]), window: 1,
        gap: |p| (p.cl + p.burst + 2).saturating_sub(p.cwl), formula: "RL + burst + 2 - WL",
        source: "bus turnaround: the read data, then 2 tCK, before the write data (the tRTW form of \
                 DRAM datasheets, e.g. Qimonda HYB18H512321 tRTW = CL + BL/2 + 2 - WL)" },
    Rule { name: "row bus", scope: Scope::Channel, earlier: ROW, later: ROW, window: 1,
        gap: |_| 1, formula: "1",
        source: "JESD235/JESD238: the pseudo-channels of a channel share its row command bus" },
    Rule { name: "ACT on the row bus", scope: Scope::Channel, earlier: Commands::of(&[Act]), later: ROW, window: 1,
        gap: |_| 2, formula: "2",
        source: "JESD235/JESD238: ACT takes two cycles of the row command bus" },
    Rule { name: "column bus", scope: Scope::Channel, earlier: COLUMN, later: COLUMN, window: 1,
        gap: |_| 1, formula: "1",
        source: "JESD235/JESD238: the pseudo-channels of a channel share its column command bus" },
];

/// The rules compiled for the controller: for each earlier command and scope, the gap before
/// each later command (0 where no rule applies), and the one windowed rule (tFAW).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gaps {
    /// `gap[earlier][scope][later]`.
    pub gap: [[[u64; COMMANDS]; SCOPES]; COMMANDS],
    /// The four-activate window: `(window, gap)`, the window counted in ACTs of a pseudo-channel.
    pub faw: (usize, u64),
}

impl Gaps {
    /// The table's gaps for `p`.
    pub fn new(p: &Params) -> Gaps {
        let mut gap = [[[0; COMMANDS]; SCOPES]; COMMANDS];
        let mut faw = (1, 0);
        for rule in RULES {
            let g = (rule.gap)(p);
            if rule.window > 1 {
                // Only tFAW counts more than the last command (a test checks).
                faw = (rule.window, g);
                continue;
            }
            for e in rule.earlier.iter() {
                for l in rule.later.iter() {
                    let slot = &mut gap[e.index()][rule.scope as usize][l.index()];
                    *slot = (*slot).max(g);
                }
            }
        }
        Gaps { gap, faw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tfaw_counts_more_than_the_last_command_and_every_rule_has_a_source() {
        for r in RULES {
            assert!(r.window == 1 || r.name == "tFAW", "{}", r.name);
            assert!(!r.source.is_empty() && !r.formula.is_empty(), "{}", r.name);
            assert!(r.earlier.iter().count() > 0 && r.later.iter().count() > 0);
        }
        let names: std::collections::BTreeSet<_> = RULES.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), RULES.len(), "rule names are unique");
    }

    #[test]
    fn compiled_gaps_take_the_largest_rule_of_each_pair() {
        let p = Params {
            burst: 2,
            ccd_s: 1,
            ccd_l: 4,
            ..Params::default()
        };
        let g = Gaps::new(&p);
        let rd = Command::Rd.index();
        // RD to RD in a pseudo-channel: max(tCCD_S, burst); in a bank group: tCCD_L.
        assert_eq!(g.gap[rd][Scope::PseudoChannel as usize][rd], 2);
        assert_eq!(g.gap[rd][Scope::BankGroup as usize][rd], 4);
        assert_eq!(g.gap[rd][Scope::Channel as usize][rd], 1);
        let act = Command::Act.index();
        assert_eq!(g.gap[act][Scope::Channel as usize][Command::Pre.index()], 2);
    }
}
