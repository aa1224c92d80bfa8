//! One test per row of the timing table, each expected cycle written as the row's formula of the
//! named parameters; the checker over long random traffic; the model against a slow reference.

mod random;
mod reference;
mod rules;

use super::controller::{Burst, Controller, Issued, PagePolicy, RowResult, Settings};
use super::timing::{Command, Params};

/// Small parameters, so that the one a test raises is the one that binds.
fn small() -> Params {
    Params {
        burst: 2,
        rcd: 3,
        rp: 3,
        ras: 5,
        rc: 8,
        cl: 4,
        cwl: 2,
        wr: 3,
        rtp: 2,
        rrd_s: 1,
        rrd_l: 2,
        faw: 4,
        ccd_s: 2,
        ccd_l: 3,
        wtr_s: 1,
        wtr_l: 2,
        rfc: 10,
        refi: 1 << 40,
    }
}

fn settings(params: Params) -> Settings {
    Settings {
        params,
        page: PagePolicy::Open,
        read_depth: 32,
        write_depth: 32,
        high_watermark: 24,
        low_watermark: 8,
        refresh: false,
        pseudo_channels: 2,
        bank_groups: 4,
        banks_per_group: 4,
    }
}

/// A burst for the tests: `(entry, pseudo-channel, bank group, bank, row, column, write)`.
type B = (u64, u32, u32, u32, u32, u32, bool);

fn read(entry: u64, pc: u32, bg: u32, bank: u32, row: u32, column: u32) -> B {
    (entry, pc, bg, bank, row, column, false)
}

fn write(entry: u64, pc: u32, bg: u32, bank: u32, row: u32, column: u32) -> B {
    (entry, pc, bg, bank, row, column, true)
}

/// Runs one channel on `bursts` (oldest first) and returns every command it issued.
fn run(s: Settings, stagger: &[u64], bursts: &[B]) -> Vec<Issued> {
    let mut c = Controller::new(0, s, stagger);
    for (seq, &(entry, pc, bg, bank, row, column, write)) in bursts.iter().enumerate() {
        c.push(Burst {
            seq: seq as u64,
            entry,
            tag: seq as u32,
            pseudo_channel: pc,
            bank: bg * s.banks_per_group + bank,
            row,
            column,
            write,
            result: RowResult::Pending,
        });
    }
    let mut log = Vec::new();
    let mut done = Vec::new();
    c.advance(100_000, &mut done, Some(&mut |i: &Issued| log.push(*i)));
    assert_eq!(done.len(), bursts.len(), "every burst is served: {log:?}");
    log
}

/// The cycle of the `nth` (from 0) `command` of pseudo-channel `pc` in `log`.
fn at(log: &[Issued], pc: u32, command: Command, nth: usize) -> u64 {
    log.iter()
        .filter(|i| i.command == command && i.pseudo_channel == pc)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {command} #{nth} on pseudo-channel {pc}: {log:?}"))
        .cycle
}
