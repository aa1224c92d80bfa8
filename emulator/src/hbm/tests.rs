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

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/memory.md");
const BEGIN: &str =
    "<!-- BEGIN generated from emulator/src/hbm/timing.rs: BLESS=1 cargo test -p emulator hbm -->";
const END: &str = "<!-- END generated -->";

/// The timing table as docs/memory.md prints it, with each gap for ZW-1's HBM2E.
fn timing_table() -> String {
    use super::timing::RULES;
    let config = {
        let mut c = crate::config::Config::zw1();
        c.set("hbm.impl", "hbm2e").unwrap_or_default();
        c
    };
    let p = config.resolve().map(|r| r.hbm.controller.params).ok();
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from(
        "| rule | scope | earlier | later | gap | HBM2E, tCK | source |\n|---|---|---|---|---|---:|---|\n",
    );
    for r in RULES {
        let later = if r.window > 1 {
            format!("{} (window {})", r.later, r.window)
        } else {
            r.later.to_string()
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.name,
            r.scope.name(),
            r.earlier,
            later,
            cell(r.formula),
            p.map(|p| (r.gap)(&p).to_string()).unwrap_or_default(),
            cell(r.source)
        ));
    }
    out
}

#[test]
fn docs_print_the_timing_table() {
    let docs = std::fs::read_to_string(DOCS).unwrap_or_default();
    let generated = format!("{BEGIN}\n{}{END}", timing_table());
    let current = match (docs.find(BEGIN), docs.find(END)) {
        (Some(b), Some(e)) if b < e => Some((b, e + END.len())),
        _ => None,
    };
    if current.is_some_and(|(b, e)| docs[b..e] == generated) {
        return;
    }
    if std::env::var_os("BLESS").is_some()
        && let Some((b, e)) = current
    {
        std::fs::write(DOCS, format!("{}{generated}{}", &docs[..b], &docs[e..])).unwrap();
        return;
    }
    panic!("docs/memory.md's timing table is stale: run BLESS=1 cargo test -p emulator hbm");
}
