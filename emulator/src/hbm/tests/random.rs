//! The checker over long random traffic with refresh on: no command breaks a rule.

use super::super::Hbm;
use super::super::checker::{Checker, Shape};
use super::super::controller::Issued;
use super::super::timing::{Command, Params};
use super::super::traffic::{Pattern, Traffic, drive};
use crate::config::{Config, Resolved};

/// One HBM2E stack of ZW-1 with `sets`, and its checker.
pub(super) fn hbm(sets: &[(&str, &str)]) -> (Hbm, Resolved) {
    let mut c = Config::zw1();
    c.set("hbm.impl", "hbm2e").unwrap();
    c.set("hbm.stacks", "1").unwrap();
    for (k, v) in sets {
        c.set(k, v).unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    let r = c.resolve().unwrap_or_else(|e| panic!("{e}"));
    let mut h = Hbm::new(&r, 0, 1);
    let s = r.hbm.controller;
    h.check_with(Checker::new(
        s.params,
        Shape {
            pseudo_channels: s.pseudo_channels,
            bank_groups: s.bank_groups,
            banks_per_group: s.banks_per_group,
        },
        s.refresh,
    ));
    (h, r)
}

#[test]
fn long_random_traffic_with_refresh_breaks_no_rule() {
    let cases = [
        (Pattern::Random, 1.0, "open", 64),
        (Pattern::Random, 0.5, "open", 256),
        (Pattern::Sequential, 0.7, "closed", 256),
        (Pattern::Strided(4096 + 32), 0.5, "open", 32),
        (Pattern::Random, 0.0, "closed", 32),
    ];
    for (i, (pattern, read_ratio, page, bytes)) in cases.into_iter().enumerate() {
        let (mut h, r) = hbm(&[("hbm.page_policy", page)]);
        let t = Traffic {
            pattern,
            read_ratio,
            requests: 60_000,
            request_bytes: bytes,
            outstanding: 128,
            seed: 7 + i as u64,
            span: r.hbm.stack_bytes,
        };
        let out = drive(&mut h, &t);
        let bursts = t.requests * bytes.div_ceil(32);
        let refi = r.hbm.controller.params.refi;
        let decided = h.decided();
        let k = h.checker().unwrap();
        assert_eq!(k.violations(), &[] as &[String], "{pattern:?} {page}");
        assert_eq!(k.count(Command::Rd) + k.count(Command::Wr), bursts);
        // Every pseudo-channel refreshed once per tREFI.
        let refreshes = k.count(Command::Ref);
        assert!(
            refreshes >= 16 * (decided / refi - 1),
            "{refreshes} in {decided} tCK"
        );
        assert!(refreshes <= 16 * (decided / refi + 1));
        assert!(out.latencies.iter().all(|&l| l > 0));
    }
}

/// A command for the checker: (cycle, pseudo-channel, command, bank group, bank, row).
type Cmd = (u64, u32, Command, u32, u32, u32);

/// Issues `commands` to a checker.
fn violations(p: Params, commands: &[Cmd]) -> Vec<String> {
    let mut k = Checker::new(
        p,
        Shape {
            pseudo_channels: 2,
            bank_groups: 4,
            banks_per_group: 4,
        },
        false,
    );
    for &(cycle, pc, command, bank_group, bank, row) in commands {
        k.check(&Issued {
            cycle,
            channel: 0,
            pseudo_channel: pc,
            command,
            bank_group,
            bank,
            row,
            column: 0,
        });
    }
    k.violations().to_vec()
}

#[test]
fn the_checker_finds_a_command_one_cycle_early() {
    use Command::{Act, Pre, PreA, Rd, Ref, Wr};
    let p = Params {
        faw: 20,
        ..super::small()
    };
    let burst_end_write = p.cwl + p.burst;
    // Each sequence is legal with its last command one cycle later, and names its rule.
    let cases: Vec<(&str, Vec<Cmd>)> = vec![
        (
            "tRCD",
            vec![(0, 0, Act, 0, 0, 1), (p.rcd - 1, 0, Rd, 0, 0, 1)],
        ),
        (
            "tRAS",
            vec![(0, 0, Act, 0, 0, 1), (p.ras - 1, 0, Pre, 0, 0, 1)],
        ),
        (
            "tRP",
            vec![
                (0, 0, Act, 0, 0, 1),
                (20, 0, Pre, 0, 0, 1),
                (20 + p.rp - 1, 0, Act, 0, 0, 2),
            ],
        ),
        (
            "tWR",
            vec![
                (0, 0, Act, 0, 0, 1),
                (10, 0, Wr, 0, 0, 1),
                (10 + burst_end_write + p.wr - 1, 0, PreA, 0, 0, 0),
            ],
        ),
        (
            "tRRD_L",
            vec![(0, 0, Act, 0, 0, 1), (p.rrd_l - 1, 0, Act, 0, 1, 1)],
        ),
        (
            "tFAW",
            vec![
                (0, 0, Act, 0, 0, 1),
                (2, 0, Act, 1, 0, 1),
                (4, 0, Act, 2, 0, 1),
                (6, 0, Act, 3, 0, 1),
                (p.faw - 1, 0, Act, 0, 1, 1),
            ],
        ),
        (
            "tRFC",
            vec![(0, 0, Ref, 0, 0, 0), (p.rfc - 1, 0, Act, 2, 1, 1)],
        ),
        ("row bus", vec![(0, 0, Pre, 0, 0, 0), (0, 1, Act, 0, 0, 1)]),
        (
            "ACT on the row bus",
            vec![(0, 0, Act, 0, 0, 1), (1, 1, Act, 0, 0, 1)],
        ),
    ];
    for (rule, commands) in cases {
        let found = violations(p, &commands);
        assert!(
            found.iter().any(|v| v.contains(&format!("{rule} ("))),
            "{rule}: {found:?}"
        );
        let mut later = commands.clone();
        if let Some(last) = later.last_mut() {
            last.0 += 1;
        }
        let fine: Vec<_> = violations(p, &later)
            .into_iter()
            .filter(|v| v.contains(&format!("{rule} (")))
            .collect();
        assert_eq!(fine, Vec::<String>::new(), "{rule} one cycle later");
    }
    // Bank states.
    let v = violations(p, &[(0, 0, Rd, 0, 0, 1)]);
    assert!(v[0].contains("row 1 is not open"), "{v:?}");
    let v = violations(p, &[(0, 0, Act, 0, 0, 1), (20, 0, Ref, 0, 0, 0)]);
    assert!(v.iter().any(|v| v.contains("a bank is open")), "{v:?}");
}
