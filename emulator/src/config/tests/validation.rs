//! Refusals: each value out of its range, each inconsistency between keys, each topology that
//! does not fit its links, named by key.

use super::{messages, with};
use crate::config::validate::KEYS;
use crate::config::*;
const OUT_OF_RANGE: &[(&str, &str, &str)] = &[
    (
        "systolic.rows",
        "7",
        "systolic.rows = 7 is out of range: allowed 8..=256",
    ),
    (
        "systolic.cols",
        "257",
        "systolic.cols = 257 is out of range: allowed 8..=256",
    ),
    (
        "chip.clock_ghz",
        "2.5",
        "chip.clock_ghz = 2.5 is out of range: allowed 0.5..=2.0",
    ),
    (
        "chip.clock_ghz",
        "nan",
        "chip.clock_ghz = NaN is out of range: allowed 0.5..=2.0",
    ),
    (
        "chip.tiles_x",
        "0",
        "chip.tiles_x = 0 is out of range: allowed 1..=8",
    ),
    (
        "vector.width_bits",
        "1000",
        "vector.width_bits = 1000 is out of range: allowed 512..=4096, a multiple of 128",
    ),
    (
        "vector.width_bits",
        "256",
        "vector.width_bits = 256 is out of range: allowed 512..=4096, a multiple of 128",
    ),
    (
        "scratchpad.size_kib",
        "512",
        "scratchpad.size_kib = 512 is out of range: allowed 1024..=32768",
    ),
    (
        "scratchpad.banks",
        "12",
        "scratchpad.banks = 12 is out of range: allowed 1..=64, a power of two",
    ),
    (
        "accumulator.size_kib",
        "4096",
        "accumulator.size_kib = 4096 is out of range: allowed 128..=2048",
    ),
    (
        "l2.size_kib",
        "262144",
        "l2.size_kib = 262144 is out of range: allowed 0..=131072",
    ),
    (
        "hbm.stacks",
        "9",
        "hbm.stacks = 9 is out of range: allowed 1..=8",
    ),
    (
        "noc.rows",
        "11",
        "noc.rows = 11 is out of range: allowed 4..=10",
    ),
    (
        "noc.link_bytes_per_cycle",
        "16",
        "noc.link_bytes_per_cycle = 16 is out of range: allowed 32..=256",
    ),
    (
        "noc.link_latency_cycles",
        "0",
        "noc.link_latency_cycles = 0 is out of range: allowed 1..=16",
    ),
    (
        "fabric.links",
        "17",
        "fabric.links = 17 is out of range: allowed 1..=16",
    ),
    (
        "fabric.link_gb_per_s",
        "20",
        "fabric.link_gb_per_s = 20.0 is out of range: allowed 25.0..=200.0",
    ),
    (
        "energy.hbm_byte_pj",
        "-1.0",
        "energy.hbm_byte_pj = -1.0 is out of range: allowed 0.0..=10000.0",
    ),
    (
        "semaphore.count",
        "33",
        "semaphore.count = 33 is out of range: allowed 1..=32",
    ),
    (
        "topology.chips",
        "0",
        "topology.chips = 0 is out of range: allowed 1..=16384",
    ),
];

#[test]
fn each_out_of_range_value_fails_with_a_message_naming_key_value_and_range() {
    for (key, value, expected) in OUT_OF_RANGE {
        let c = with(&[(key, value)]);
        assert_eq!(messages(&c), vec![expected.to_string()], "{key} = {value}");
        let err = c.validate().unwrap_err();
        assert_eq!(err.key(), Some(*key));
        assert!(c.resolve().is_err());
    }
}

#[test]
fn every_numeric_key_rejects_values_just_outside_its_range() {
    for spec in KEYS {
        let (below, above) = match spec.allowed {
            Allowed::Int { min, max, .. } => (
                (min > 0).then(|| (min - 1).to_string()),
                (max < u64::from(u32::MAX)).then(|| (max + 1).to_string()),
            ),
            Allowed::Float { min, max, .. } => (
                Some(format!("{:?}", min - 0.25 * min.abs().max(1.0))),
                Some(format!("{:?}", max * 1.25)),
            ),
            _ => continue,
        };
        for value in [below, above].into_iter().flatten() {
            let c = with(&[(spec.key, &value)]);
            let found = c.problems().into_iter().any(|e| {
                matches!(&e, ConfigError::OutOfRange { key, allowed, .. }
                    if key == spec.key && *allowed == spec.allowed.to_string())
            });
            assert!(
                found,
                "{} = {value} was not rejected: {:?}",
                spec.key,
                messages(&c)
            );
        }
    }
}

/// (overrides, the one message `validate` gives).
const INCONSISTENT: &[(&[(&str, &str)], &str)] = &[
    (
        &[("chip.tiles_x", "5")],
        "chip.tiles_x = 5 is invalid: tiles sit inside the mesh, so at most noc.cols - 2 = 4",
    ),
    (
        &[("noc.rows", "5")],
        "chip.tiles_y = 4 is invalid: tiles sit inside the mesh, so at most noc.rows - 2 = 3",
    ),
    (
        &[("l2.slices", "7")],
        "l2.slices = 7 is invalid: must divide l2.size_kib = 32768",
    ),
    (
        &[("hbm.t_rc_ns", "40.0")],
        "hbm.t_rc_ns = 40.0 is invalid: must be at least hbm.t_ras_ns + hbm.t_rp_ns = 47.0",
    ),
    (
        &[("hbm.t_rfc_ns", "5000")],
        "hbm.t_rfc_ns = 5000.0 is invalid: must be less than hbm.t_refi_ns = 3900.0",
    ),
    (
        &[
            ("hbm.channels_per_stack", "32"),
            ("hbm.bus_bits_per_stack", "512"),
        ],
        "hbm.bus_bits_per_stack = 512 is invalid: must split into hbm.channels_per_stack × \
         hbm.pseudo_channels_per_channel = 64 pseudo-channels of at least 16 bits",
    ),
    (
        &[("hbm.write_high_watermark", "40")],
        "hbm.write_high_watermark = 40 is invalid: must be at most hbm.write_queue_depth = 32",
    ),
    (
        &[("hbm.write_low_watermark", "24")],
        "hbm.write_low_watermark = 24 is invalid: must be less than hbm.write_high_watermark = 24",
    ),
    (
        &[("hbm.address_mapping", "ro-ba-co-bg-ch-pc")],
        "hbm.address_mapping = \"ro-ba-co-bg-ch-pc\" is invalid: `ro-ba-co-bg-ch-pc` has no `st` \
         field",
    ),
    (
        &[("hbm.address_mapping", "ro-ba-co4-bg-st-ch-pc")],
        "hbm.address_mapping = \"ro-ba-co4-bg-st-ch-pc\" is invalid: the parts of `co` cover 4 \
         bits, but there are 32 values",
    ),
    (
        &[
            ("hbm.channels_per_stack", "1"),
            ("hbm.burst_length", "16"),
            ("hbm.row_bytes", "256"),
        ],
        "hbm.row_bytes = 256 is invalid: must hold whole bursts of 1024 bytes, and \
         hbm.stack_capacity_gib must be a whole number (at most 2^32) of rows in every bank of \
         every pseudo-channel",
    ),
    (
        &[("hbm.impl", "hbm3"), ("hbm.burst_length", "2")],
        "hbm.burst_length = 2 is invalid: must be a multiple of the 4 data beats per tCK of this \
         hbm.impl",
    ),
    (
        &[("fabric.links", "6"), ("topology.chips", "16")],
        "topology.group_size = 8 is invalid: an all-to-all group of 8 chips needs 7 links, \
         and fabric.links = 6",
    ),
    (
        &[("fabric.links", "2"), ("topology.chips", "4")],
        "topology.chips = 4 is invalid: an all-to-all group of 4 chips needs 3 links, \
         and fabric.links = 2",
    ),
    (
        &[("topology.chips_per_server", "12")],
        "topology.chips_per_server = 12 is invalid: must be a multiple of topology.group_size = 8",
    ),
    (
        &[("topology.kind", "all-to-all"), ("topology.chips", "9")],
        "topology.chips = 9 is invalid: all-to-all needs chips - 1 links per chip, and \
         fabric.links = 7",
    ),
    (
        &[
            ("topology.kind", "ring"),
            ("topology.chips", "4"),
            ("fabric.links", "1"),
        ],
        "fabric.links = 1 is invalid: a ring of 4 chips needs 2 links per chip",
    ),
    (
        &[
            ("topology.kind", "torus"),
            ("topology.chips", "16"),
            ("topology.dims", "[4, 2]"),
        ],
        "topology.dims = [4, 2] is invalid: their product must equal topology.chips = 16",
    ),
    (
        &[
            ("topology.kind", "torus"),
            ("topology.chips", "4"),
            ("topology.dims", "[4]"),
        ],
        "topology.dims = [4] is invalid: a torus has 2 or 3 dimensions, each of size at least 2",
    ),
    (
        &[
            ("topology.kind", "torus"),
            ("topology.chips", "64"),
            ("topology.dims", "[4, 4, 4]"),
            ("fabric.links", "5"),
        ],
        "fabric.links = 5 is invalid: a torus of [4, 4, 4] needs 6 links per chip",
    ),
    (
        &[
            ("topology.kind", "graph"),
            ("topology.chips", "2"),
            ("topology.edges", "[[0, 2]]"),
        ],
        "topology.edges = [0, 2] is invalid: edges join two different chips below \
         topology.chips = 2",
    ),
    (
        &[
            ("topology.kind", "graph"),
            ("topology.chips", "3"),
            ("fabric.links", "1"),
            ("topology.edges", "[[0, 1], [0, 2]]"),
        ],
        "topology.edges = chip 0 with 2 links is invalid: each chip has fabric.links = 1",
    ),
];

#[test]
fn each_inconsistency_between_keys_fails_with_a_message_naming_both() {
    for (overrides, expected) in INCONSISTENT {
        let c = with(overrides);
        assert_eq!(messages(&c), vec![expected.to_string()], "{overrides:?}");
    }
}

#[test]
fn consistent_topologies_validate() {
    for overrides in [
        &[
            ("topology.kind", "torus"),
            ("topology.chips", "8"),
            ("topology.dims", "[2, 2, 2]"),
        ][..],
        &[("topology.kind", "ring"), ("topology.chips", "16")],
        &[("topology.kind", "switch"), ("topology.chips", "1000")],
        &[("topology.kind", "all-to-all"), ("topology.chips", "8")],
        &[
            ("topology.kind", "graph"),
            ("topology.chips", "3"),
            ("topology.edges", "[[0, 1], [1, 2]]"),
        ],
        &[("topology.chips", "16384")],
    ] {
        let c = with(overrides);
        assert_eq!(messages(&c), Vec::<String>::new(), "{overrides:?}");
    }
}

#[test]
fn a_key_of_thousands_of_parts_or_a_deeply_nested_value_is_an_error_not_a_stack_overflow() {
    let mut c = Config::zw1();
    let deep_key = vec!["chip"; 40_000].join(".");
    assert!(matches!(
        c.set(&deep_key, "1"),
        Err(ConfigError::UnknownKey { .. })
    ));
    let deep_value = format!("{}1{}", "[".repeat(40_000), "]".repeat(40_000));
    assert!(c.set("chip.tiles_x", &deep_value).is_err());
    assert_eq!(c, Config::zw1());
}

#[test]
fn torus_dimensions_whose_product_passes_2_to_the_64_are_refused_not_wrapped() {
    let mut c = Config::zw1();
    c.set("topology.kind", "torus").unwrap();
    c.set("topology.chips", "16").unwrap();
    c.set("topology.dims", "[4294967295, 4294967295, 2]")
        .unwrap();
    let e = c.validate().unwrap_err().to_string();
    assert!(e.contains("topology.dims"), "{e}");
}

#[test]
fn fewer_chips_than_a_group_need_links_only_among_themselves() {
    let mut c = Config::zw1();
    c.set("topology.chips", "2").unwrap();
    c.set("fabric.links", "1").unwrap();
    assert_eq!(c.validate(), Ok(()), "two chips of a server need one link");
}

#[test]
fn a_mesh_too_small_or_without_channels_is_refused_naming_the_key() {
    let first_key = |pairs: &[(&str, &str)]| match with(pairs).validate() {
        Err(ConfigError::Inconsistent { key, .. } | ConfigError::OutOfRange { key, .. }) => key,
        other => panic!("{pairs:?}: {other:?}"),
    };
    let mesh = ("noc.impl", "mesh");
    // Tiles inside the rim: checked for any network (chip.rs), naming the tile key.
    assert_eq!(first_key(&[mesh, ("noc.cols", "5")]), "chip.tiles_x");
    assert_eq!(first_key(&[mesh, ("chip.tiles_y", "5")]), "chip.tiles_y");
    let short = [mesh, ("chip.tiles_y", "2"), ("noc.rows", "4")];
    assert_eq!(
        first_key(&short),
        "noc.rows",
        "6 HBM controllers on two edges of 2"
    );
    assert_eq!(first_key(&[mesh, ("l2.slices", "16")]), "noc.cols");
    assert_eq!(
        first_key(&[mesh, ("noc.vcs_per_vnet", "0")]),
        "noc.vcs_per_vnet"
    );
    assert_eq!(
        first_key(&[mesh, ("noc.vc_buffer_flits", "0")]),
        "noc.vc_buffer_flits"
    );
    assert_eq!(
        first_key(&[mesh, ("noc.virtual_networks", "1")]),
        "noc.virtual_networks"
    );
    assert_eq!(
        first_key(&[mesh, ("noc.link_latency_cycles", "0")]),
        "noc.link_latency_cycles"
    );
    // The ideal network has no rim to fit.
    assert!(with(&[("l2.slices", "16")]).validate().is_ok());
    assert!(with(&[mesh]).validate().is_ok());
}
