//! What is modelled: unbuilt implementations warn, keys nothing reads are refused, and
//! `to_marked_toml_string` marks both.

use super::{messages, with, zw1};
use crate::config::{Config, ConfigError, KEYS, PRESETS, Reader, Unmodelled};

const ALL_IDEAL: &[(&str, &str)] = &[
    ("core.impl", "ideal"),
    ("systolic.impl", "ideal"),
    ("vector.impl", "ideal"),
    ("l2.impl", "ideal"),
    ("hbm.impl", "ideal"),
    ("noc.impl", "ideal"),
    ("dma.impl", "ideal"),
    ("fabric.impl", "ideal"),
];

fn keys(u: &[Unmodelled]) -> Vec<&str> {
    u.iter().map(|u| u.key).collect()
}

#[test]
fn zw1_reports_each_unbuilt_model_and_each_warning_names_its_key() {
    let u = zw1().unmodelled();
    assert_eq!(keys(&u), ["l2.impl"]);
    let text: Vec<String> = u.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "l2.impl = \"sliced\" is not modelled yet; the ideal L2 runs instead \
             (l2.ideal_latency_cycles, l2.ideal_bytes_per_cycle)",
        ]
    );
    for u in &u {
        assert_eq!(u.substitute, "ideal");
        assert!(u.to_string().starts_with(u.key));
        for k in u.keys {
            assert!(KEYS.iter().any(|s| s.key == *k), "{k}");
        }
    }
    // Every HBM implementation is built.
    for hbm in ["hbm2", "hbm2e", "hbm3", "ideal"] {
        let c = with(&[("hbm.impl", hbm)]);
        assert!(!keys(&c.unmodelled()).contains(&"hbm.impl"), "{hbm}");
    }
    // No preset chooses an unbuilt model without it being reported.
    for name in PRESETS {
        assert!(
            !Config::preset(name).unwrap().unmodelled().is_empty(),
            "{name}"
        );
    }
}

#[test]
fn a_config_with_every_impl_ideal_reports_nothing() {
    let c = with(ALL_IDEAL);
    assert_eq!(c.unmodelled(), Vec::new());
    assert_eq!(messages(&c), Vec::<String>::new());
    let shown = c.to_marked_toml_string();
    assert!(!shown.contains("not modelled yet"), "{shown}");
}

#[test]
fn stochastic_rounding_is_refused_naming_the_key() {
    let c = with(&[("numerics.rounding", "stochastic")]);
    assert_eq!(
        messages(&c),
        [
            "numerics.rounding = \"stochastic\" is not modelled: stochastic rounding is not built; \
          every rounding to a narrower type is to nearest, ties to even (\"rne\")"
        ]
    );
    assert_eq!(c.validate().unwrap_err().key(), Some("numerics.rounding"));
    assert!(c.resolve().is_err());
}

#[test]
fn each_key_nothing_reads_is_refused_at_any_value_but_zw1s() {
    let unread: Vec<&str> = KEYS
        .iter()
        .filter(|k| matches!(k.reader, Reader::Nothing(_)))
        .map(|k| k.key)
        .collect();
    assert_eq!(unread.len(), 2 + 11 + 1, "{unread:?}");
    for key in &unread {
        // 7 is in range for every one of them and is no zw1 value.
        let c = with(&[(key, "7")]);
        let found = c.problems();
        assert_eq!(found.len(), 1, "{key}: {:?}", messages(&c));
        assert!(
            matches!(&found[0], ConfigError::NotModelled { key: k, .. } if k == key),
            "{key}: {:?}",
            messages(&c)
        );
    }
    assert_eq!(
        messages(&with(&[("host.gb_per_s", "32")])),
        [
            "host.gb_per_s = 32.0 is not modelled: the host link is not simulated (loads and dumps \
          take no simulated time), so only the zw1 value 64.0 is accepted"
        ]
    );
    assert_eq!(
        messages(&with(&[("numerics.stochastic_seed", "5")])),
        [
            "numerics.stochastic_seed = 5 is not modelled: stochastic rounding is not built, so \
          only the zw1 value 0 is accepted"
        ]
    );
    assert_eq!(
        messages(&with(&[("energy.mac_bf16_pj", "1.5")])),
        [
            "energy.mac_bf16_pj = 1.5 is not modelled: no energy is computed yet, so only the zw1 \
          value 2.0 is accepted"
        ]
    );
}

#[test]
fn keys_only_unbuilt_models_read_are_kept_and_accepted() {
    let c = with(&[
        ("hbm.t_rcd_ns", "20"),
        ("l2.latency_cycles", "30"),
        ("noc.router_latency_cycles", "4"),
        ("fabric.link_latency_ns", "400"),
    ]);
    assert_eq!(messages(&c), Vec::<String>::new());
    let unbuilt = |model: &'static str| {
        KEYS.iter()
            .filter(|k| k.reader == Reader::Unbuilt(model))
            .count()
    };
    assert_eq!(unbuilt("the sliced L2 model"), 3);
    assert_eq!(unbuilt("the mesh NoC model"), 0, "the mesh is built");
    assert_eq!(
        unbuilt("the link fabric model"),
        0,
        "the link fabric is built"
    );
}

#[test]
fn show_marks_unbuilt_models_and_keys_and_parses_back() {
    for name in PRESETS {
        let c = Config::preset(name).unwrap();
        let shown = c.to_marked_toml_string();
        assert_eq!(Config::from_toml_str(&shown).unwrap(), c, "{shown}");
        for u in c.unmodelled() {
            let line = format!(
                "impl = \"{}\"  # not modelled yet: runs as \"ideal\"",
                u.value
            );
            assert!(shown.lines().any(|l| l == line), "{line}\n{shown}");
        }
    }
    let link = with(&[("fabric.impl", "link")]).to_marked_toml_string();
    assert!(link.lines().any(|l| l == "impl = \"link\""), "{link}");
    let shown = zw1().to_marked_toml_string();
    for line in [
        "t_rcd_ns = 14.0",
        "slices = 8  # read by the sliced L2 model (not built yet)",
        "routing = \"xy\"",
        "kind = \"server\"",
        "gb_per_s = 64.0  # read by nothing yet: only this value is accepted",
        "stochastic_seed = 0  # read by nothing yet: only this value is accepted",
        "rows = 64",
        "impl = \"in-order\"",
        "ideal_latency_cycles = 100",
    ] {
        assert!(
            shown.lines().any(|l| l == line),
            "`{line}` missing:\n{shown}"
        );
    }
}
