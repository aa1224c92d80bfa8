//! One test per row of [`RULES`]: a few bursts that make that row the one that binds, and the
//! later command's cycle computed from the row's formula of the named parameters.

use super::super::timing::{Command, RULES};
use super::{at, read, run, settings, small, write};

use Command::{Act, Pre, Rd, Ref, Wr};

/// The rows these tests cover, by name.
const TESTED: &[&str] = &[
    "tRCD",
    "tRAS",
    "tRC",
    "tRP",
    "tRTP",
    "tWR",
    "tRFC",
    "tRRD_L",
    "tRRD_S",
    "tFAW",
    "tCCD_L read",
    "tCCD_L write",
    "tCCD_S read",
    "tCCD_S write",
    "read burst",
    "write burst",
    "tWTR_L",
    "tWTR_S",
    "read to write",
    "row bus",
    "ACT on the row bus",
    "column bus",
];

#[test]
fn every_row_of_the_table_has_its_test() {
    let mut rows: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    let mut tested = TESTED.to_vec();
    rows.sort_unstable();
    tested.sort_unstable();
    assert_eq!(rows, tested);
}

#[test]
fn t_rcd_act_to_rd() {
    let p = super::Params { rcd: 40, ..small() };
    let log = run(settings(p), &[], &[read(0, 0, 0, 0, 1, 0)]);
    assert_eq!(at(&log, 0, Rd, 0), at(&log, 0, Act, 0) + p.rcd);
    let log = run(settings(p), &[], &[write(0, 0, 0, 0, 1, 0)]);
    assert_eq!(at(&log, 0, Wr, 0), at(&log, 0, Act, 0) + p.rcd);
}

/// Two reads to one bank, rows 1 then 2: ACT, RD, PRE, ACT, RD.
fn conflict(p: super::Params) -> Vec<super::Issued> {
    run(
        settings(p),
        &[],
        &[read(0, 0, 0, 0, 1, 0), read(0, 0, 0, 0, 2, 0)],
    )
}

#[test]
fn t_ras_act_to_pre() {
    let p = super::Params {
        ras: 40,
        rc: 50,
        ..small()
    };
    let log = conflict(p);
    assert_eq!(at(&log, 0, Pre, 0), at(&log, 0, Act, 0) + p.ras);
}

#[test]
fn t_rc_act_to_act_and_to_ref() {
    let p = super::Params { rc: 60, ..small() };
    let log = conflict(p);
    assert_eq!(at(&log, 0, Act, 1), at(&log, 0, Act, 0) + p.rc);
    // A refresh due while the bank is open: PREA, then REF no sooner than tRC after the ACT.
    let s = super::Settings {
        refresh: true,
        params: super::Params { refi: 1000, ..p },
        ..settings(p)
    };
    let log = run(s, &[1, 1000], &[read(0, 0, 0, 0, 1, 0)]);
    assert_eq!(at(&log, 0, Ref, 0), at(&log, 0, Act, 0) + p.rc);
}

#[test]
fn t_rp_pre_to_act() {
    let p = super::Params { rp: 40, ..small() };
    let log = conflict(p);
    assert_eq!(at(&log, 0, Act, 1), at(&log, 0, Pre, 0) + p.rp);
}

#[test]
fn t_rtp_rd_to_pre() {
    let p = super::Params { rtp: 40, ..small() };
    let log = conflict(p);
    assert_eq!(at(&log, 0, Pre, 0), at(&log, 0, Rd, 0) + p.rtp);
}

#[test]
fn t_wr_end_of_write_data_to_pre() {
    let p = super::Params { wr: 40, ..small() };
    let log = run(
        settings(p),
        &[],
        &[write(0, 0, 0, 0, 1, 0), write(0, 0, 0, 0, 2, 0)],
    );
    assert_eq!(
        at(&log, 0, Pre, 0),
        at(&log, 0, Wr, 0) + p.cwl + p.burst + p.wr
    );
}

#[test]
fn t_rfc_ref_to_act() {
    let p = super::Params {
        rfc: 80,
        refi: 1000,
        ..small()
    };
    let s = super::Settings {
        refresh: true,
        ..settings(p)
    };
    // The refresh is due at 50; a read comes at 60.
    let log = run(s, &[50, 1000], &[read(60, 0, 0, 0, 1, 0)]);
    assert_eq!(at(&log, 0, Ref, 0), 50);
    assert_eq!(at(&log, 0, Act, 0), at(&log, 0, Ref, 0) + p.rfc);
}

#[test]
fn t_rrd_l_act_to_act_same_bank_group() {
    let p = super::Params {
        rrd_l: 40,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[read(0, 0, 0, 0, 1, 0), read(0, 0, 0, 1, 1, 0)],
    );
    assert_eq!(at(&log, 0, Act, 1), at(&log, 0, Act, 0) + p.rrd_l);
}

#[test]
fn t_rrd_s_act_to_act_other_bank_group() {
    let p = super::Params {
        rrd_s: 40,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[read(0, 0, 0, 0, 1, 0), read(0, 0, 1, 0, 1, 0)],
    );
    assert_eq!(at(&log, 0, Act, 1), at(&log, 0, Act, 0) + p.rrd_s);
}

#[test]
fn t_faw_fifth_act_after_the_first_of_four() {
    let p = super::Params {
        faw: 40,
        rrd_s: 1,
        rrd_l: 1,
        ..small()
    };
    let bursts: Vec<_> = [(0, 0), (1, 0), (2, 0), (3, 0), (0, 1)]
        .iter()
        .map(|&(bg, bank)| read(0, 0, bg, bank, 1, 0))
        .collect();
    let log = run(settings(p), &[], &bursts);
    assert_eq!(at(&log, 0, Act, 4), at(&log, 0, Act, 0) + p.faw);
    // The four before it were held only by the row bus.
    assert_eq!(at(&log, 0, Act, 3), at(&log, 0, Act, 0) + 3 * 2);
}

#[test]
fn t_ccd_l_read_to_read_same_bank_group() {
    let p = super::Params {
        ccd_l: 40,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[read(0, 0, 0, 0, 1, 0), read(0, 0, 0, 0, 1, 1)],
    );
    assert_eq!(at(&log, 0, Rd, 1), at(&log, 0, Rd, 0) + p.ccd_l);
}

#[test]
fn t_ccd_l_write_to_write_same_bank_group() {
    let p = super::Params {
        ccd_l: 40,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[write(0, 0, 0, 0, 1, 0), write(0, 0, 0, 0, 1, 1)],
    );
    assert_eq!(at(&log, 0, Wr, 1), at(&log, 0, Wr, 0) + p.ccd_l);
}

#[test]
fn t_ccd_s_read_to_read_other_bank_group() {
    let p = super::Params {
        ccd_s: 40,
        ccd_l: 1,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[read(0, 0, 0, 0, 1, 0), read(0, 0, 1, 0, 1, 0)],
    );
    assert_eq!(at(&log, 0, Rd, 1), at(&log, 0, Rd, 0) + p.ccd_s);
}

#[test]
fn t_ccd_s_write_to_write_other_bank_group() {
    let p = super::Params {
        ccd_s: 40,
        ccd_l: 1,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[write(0, 0, 0, 0, 1, 0), write(0, 0, 1, 0, 1, 0)],
    );
    assert_eq!(at(&log, 0, Wr, 1), at(&log, 0, Wr, 0) + p.ccd_s);
}

#[test]
fn read_burst_holds_the_data_bus() {
    let p = super::Params {
        burst: 40,
        ccd_s: 1,
        ccd_l: 1,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[read(0, 0, 0, 0, 1, 0), read(0, 0, 1, 0, 1, 0)],
    );
    assert_eq!(at(&log, 0, Rd, 1), at(&log, 0, Rd, 0) + p.burst);
}

#[test]
fn write_burst_holds_the_data_bus() {
    let p = super::Params {
        burst: 40,
        ccd_s: 1,
        ccd_l: 1,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[write(0, 0, 0, 0, 1, 0), write(0, 0, 1, 0, 1, 0)],
    );
    assert_eq!(at(&log, 0, Wr, 1), at(&log, 0, Wr, 0) + p.burst);
}

#[test]
fn t_wtr_l_end_of_write_data_to_rd_same_bank_group() {
    let p = super::Params {
        wtr_l: 40,
        ..small()
    };
    // The read comes once the write has issued (reads would go first otherwise).
    let log = run(
        settings(p),
        &[],
        &[write(0, 0, 0, 0, 1, 0), read(10, 0, 0, 1, 1, 0)],
    );
    assert!(at(&log, 0, Wr, 0) < 10);
    assert_eq!(
        at(&log, 0, Rd, 0),
        at(&log, 0, Wr, 0) + p.cwl + p.burst + p.wtr_l
    );
}

#[test]
fn t_wtr_s_end_of_write_data_to_rd_other_bank_group() {
    let p = super::Params {
        wtr_s: 40,
        ..small()
    };
    let log = run(
        settings(p),
        &[],
        &[write(0, 0, 0, 0, 1, 0), read(10, 0, 1, 0, 1, 0)],
    );
    assert!(at(&log, 0, Wr, 0) < 10);
    assert_eq!(
        at(&log, 0, Rd, 0),
        at(&log, 0, Wr, 0) + p.cwl + p.burst + p.wtr_s
    );
}

#[test]
fn read_to_write_turns_the_bus_around() {
    let p = super::Params { cl: 40, ..small() };
    let log = run(
        settings(p),
        &[],
        &[read(0, 0, 0, 0, 1, 0), write(10, 0, 1, 0, 1, 0)],
    );
    assert!(at(&log, 0, Act, 1) < at(&log, 0, Rd, 0) + 10);
    assert_eq!(
        at(&log, 0, Wr, 0),
        at(&log, 0, Rd, 0) + p.cl + p.burst + 2 - p.cwl
    );
}

#[test]
fn row_bus_one_row_command_per_cycle_per_channel() {
    let p = small();
    // Pseudo-channel 0 precharges for its second read when pseudo-channel 1's read arrives: the
    // older burst's PRE goes first, the ACT one cycle later.
    let pre = {
        let log = conflict(p);
        at(&log, 0, Pre, 0)
    };
    let log = run(
        settings(p),
        &[],
        &[
            read(0, 0, 0, 0, 1, 0),
            read(0, 0, 0, 0, 2, 0),
            read(pre, 1, 0, 0, 1, 0),
        ],
    );
    assert_eq!(at(&log, 0, Pre, 0), pre);
    assert_eq!(at(&log, 1, Act, 0), at(&log, 0, Pre, 0) + 1);
}

#[test]
fn act_on_the_row_bus_takes_two_cycles() {
    let p = small();
    let log = run(
        settings(p),
        &[],
        &[read(0, 0, 0, 0, 1, 0), read(0, 1, 0, 0, 1, 0)],
    );
    assert_eq!(at(&log, 1, Act, 0), at(&log, 0, Act, 0) + 2);
}

#[test]
fn column_bus_one_column_command_per_cycle_per_channel() {
    let p = small();
    // Pseudo-channel 1 has its row open; pseudo-channel 0's read becomes ready at the cycle
    // pseudo-channel 1's second read arrives: the older goes first.
    let ready = 17 + p.rcd;
    let log = run(
        settings(p),
        &[],
        &[
            read(0, 1, 0, 0, 1, 0),
            read(17, 0, 0, 0, 1, 0),
            read(ready, 1, 0, 0, 1, 1),
        ],
    );
    assert_eq!(at(&log, 0, Rd, 0), ready);
    assert_eq!(at(&log, 1, Rd, 1), at(&log, 0, Rd, 0) + 1);
}
