mod modelled;
mod validation;

use std::collections::BTreeSet;
use std::path::PathBuf;

use isa::DType;

use super::validate::{Allowed, KEYS};
use super::*;
use crate::time::{Bandwidth, Cycle};

pub(super) fn zw1() -> Config {
    Config::preset("zw1").expect("zw1 parses")
}

pub(super) fn with(pairs: &[(&str, &str)]) -> Config {
    let mut c = zw1();
    for (k, v) in pairs {
        c.set(k, v).unwrap_or_else(|e| panic!("set {k} = {v}: {e}"));
    }
    c
}

pub(super) fn messages(c: &Config) -> Vec<String> {
    c.problems().iter().map(ToString::to_string).collect()
}

#[test]
fn every_preset_parses_validates_and_resolves() {
    for name in PRESETS {
        let c = Config::preset(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(c.name, name);
        assert_eq!(messages(&c), Vec::<String>::new(), "{name}");
        c.resolve().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!(Config::default(), zw1());
}

#[test]
fn zw1_reproduces_every_row_of_the_chip_table() {
    let c = zw1();
    let r = c.resolve().unwrap();
    // Clock and tiles: 1.0 GHz, 16 tiles as a 4x4 block inside a 6x6 mesh.
    assert_eq!(r.clock.hz(), 1_000_000_000);
    assert_eq!((c.chip.tiles_x, c.chip.tiles_y, r.tiles), (4, 4, 16));
    assert_eq!((c.noc.cols, c.noc.rows), (6, 6));
    assert_eq!(r.tile_position(0), Some((1, 1)));
    assert_eq!(r.tile_position(15), Some((4, 4)));
    assert_eq!(r.tile_position(16), None);
    // Systolic 64x64, weight-stationary, fp8/int8 at twice the bf16 rate:
    // 16 × 4096 MAC × 2 FLOP × 1 GHz = 131 TFLOPS bf16.
    assert_eq!((c.systolic.rows, c.systolic.cols), (64, 64));
    assert_eq!(c.systolic.dataflow, Dataflow::Ws);
    let bf16 = r.tile_macs_per_cycle(DType::Bf16).unwrap();
    assert_eq!(r.tile_macs_per_cycle(DType::E4M3), Some(2 * bf16));
    assert_eq!(r.tile_macs_per_cycle(DType::I8), Some(2 * bf16));
    assert_eq!(r.tile_macs_per_cycle(DType::Fp32), None);
    let flops = u64::from(r.tiles) * bf16 * 2 * r.clock.hz();
    assert_eq!(flops, 131_072_000_000_000);
    // Vector 2048-bit: 128 bf16 / 64 fp32 lanes.
    assert_eq!(r.vector.lanes(DType::Bf16), 128);
    assert_eq!(r.vector.lanes(DType::Fp32), 64);
    // Memories.
    assert_eq!((r.scratchpad.bytes, r.scratchpad.banks), (4 << 20, 16));
    assert_eq!(r.accumulator.bytes, 512 << 10);
    assert_eq!((r.l2.bytes, r.l2.slices), (32 << 20, 8));
    // HBM2E 6 × 16 GB, 3.2 Gb/s/pin: 409.6 GB/s per stack, 2.4576 TB/s in all, 16 PCs per stack.
    assert_eq!(
        c.hbm.implementation,
        HbmImpl::Ideal,
        "until the model is the default"
    );
    assert_eq!(r.hbm.capacity_bytes, 96 << 30);
    assert_eq!(
        r.hbm.stack_bandwidth,
        Bandwidth::new(409_600_000_000, 1_000_000_000).unwrap()
    );
    assert_eq!(
        r.hbm.bandwidth.bytes_in(Cycle(1_000_000_000)),
        2_457_600_000_000
    );
    assert_eq!(r.hbm.pseudo_channels_per_stack, 16);
    assert_eq!(r.hbm.burst_bytes, 32);
    assert_eq!(r.hbm.t_rcd, Cycle(14));
    // Its memory clock: 3.2 Gb/s on both edges, tCK = 0.625 ns; 14 ns = 22.4 → 23 tCK, BL4 = 2 tCK,
    // tREFI 3.9 µs = 6240 tCK.
    assert_eq!(r.hbm.memory_clock.hz(), 1_600_000_000);
    let p = r.hbm.controller.params;
    assert_eq!(
        (p.rcd, p.burst, p.refi, p.ccd_s, p.ccd_l),
        (23, 2, 6240, 2, 4)
    );
    assert_eq!(r.hbm.mapping.geometry().rows, 1 << 16);
    // NoC: 128 B/cycle links, 2-cycle router + 1-cycle link.
    assert_eq!(r.noc.link_bandwidth, Bandwidth::per_cycle(128).unwrap());
    assert_eq!(r.noc.hop, Cycle(3));
    assert_eq!(c.noc.routing, Routing::Xy);
    assert_eq!(c.semaphore.count, 32);
    // Fabric: 7 × 50 GB/s each way (700 GB/s counting both ways), 500 ns per link, 150 ns
    // switch hop; 8-chip groups, 16 per server.
    let each_way = r
        .fabric
        .link_bandwidth
        .times(u64::from(c.fabric.links))
        .unwrap();
    assert_eq!(each_way.times(2), Bandwidth::per_cycle(700));
    assert_eq!(r.fabric.link_latency, Cycle(500));
    assert_eq!(r.fabric.switch_hop, Cycle(150));
    assert_eq!(
        (c.topology.group_size, c.topology.chips_per_server),
        (8, 16)
    );
    assert_eq!(
        r.fabric.scale_out_bandwidth,
        Bandwidth::per_cycle(50).unwrap()
    );
    // Host: PCIe 5.0 x16, 64 GB/s; 400 W.
    assert_eq!(r.host.bandwidth, Bandwidth::per_cycle(64).unwrap());
    assert_eq!(r.energy.power_envelope_mw, 400_000);
    assert_eq!(c.numerics.rounding, Rounding::Rne);
}

#[test]
fn zw1_hbm3_has_the_m890_envelope_and_zw1_elsewhere() {
    let c = Config::preset("zw1-hbm3").unwrap();
    let r = c.resolve().unwrap();
    assert_eq!(c.hbm.implementation, HbmImpl::Hbm3);
    assert_eq!(r.hbm.capacity_bytes, 144 << 30);
    assert_eq!(r.hbm.stack_bandwidth, Bandwidth::new(4096, 5).unwrap()); // 819.2 GB/s
    assert_eq!(r.hbm.burst_bytes, 32);
    // 6.4 Gb/s, four beats per tCK: 1.6 GHz; BL8 is 2 tCK.
    assert_eq!(r.hbm.memory_clock.hz(), 1_600_000_000);
    assert_eq!(r.hbm.controller.params.burst, 2);
    let each_way = r
        .fabric
        .link_bandwidth
        .times(u64::from(c.fabric.links))
        .unwrap();
    assert_eq!(each_way.times(2), Bandwidth::per_cycle(800));
    let base = zw1();
    assert_eq!(c.systolic, base.systolic);
    assert_eq!(c.noc, base.noc);
    // HBM3 timings: tRCD 19.375 ns = 31 tCK of 0.625 ns.
    assert_eq!(r.hbm.controller.params.rcd, 31);
    assert_eq!(c.hbm.t_refi_ns, base.hbm.t_refi_ns);
    // The speed bin of zw bench hbm --preset hbm3 is the preset's HBM.
    let mut bin = zw1();
    for (k, v) in SPEED_BINS[2].1 {
        bin.set(k, v).unwrap();
    }
    assert_eq!(bin.hbm, c.hbm);
    // And the HBM2E bin is ZW-1's HBM run by the model.
    let (mut bin, mut model) = (zw1(), zw1());
    for (k, v) in SPEED_BINS[1].1 {
        bin.set(k, v).unwrap();
    }
    model.set("hbm.impl", "hbm2e").unwrap();
    assert_eq!(bin.hbm, model.hbm);
}

#[test]
fn toml_output_parses_back_to_an_identical_config() {
    let mut changed = zw1();
    for a in [
        "chip.clock_ghz=0.95",
        "hbm.pin_gbit_per_s=3.6",
        "fabric.link_latency_ns=250.5",
        "topology.kind=torus",
        "topology.chips=16",
        "topology.dims=[4, 4]",
        "name=\"a # tricky \\\" name\"",
        "systolic.overlap=false",
    ] {
        changed.set_assignment(a).unwrap();
    }
    changed.validate().unwrap();
    let mut configs: Vec<Config> = PRESETS.iter().map(|p| Config::preset(p).unwrap()).collect();
    configs.push(changed);
    for c in configs {
        let text = c.to_toml_string();
        let back = Config::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, c, "{text}");
        assert_eq!(back.to_toml_string(), text);
    }
}

/// (key, value, the one message `validate` gives).
#[test]
fn set_changes_nested_keys_of_every_type() {
    let mut c = zw1();
    c.set("systolic.rows", "128").unwrap();
    c.set("hbm.impl", "ideal").unwrap();
    c.set("noc.impl", "\"mesh\"").unwrap();
    c.set("fabric.link_gb_per_s", "100").unwrap();
    c.set("systolic.overlap", "false").unwrap();
    c.set("topology.dims", "[2, 8]").unwrap();
    c.set_assignment(" chip.clock_ghz = 1.5 ").unwrap();
    c.set("vector", "{ width_bits = 4096 }").unwrap();
    assert_eq!(c.systolic.rows, 128);
    assert_eq!(c.systolic.cols, 64);
    assert_eq!(c.hbm.implementation, HbmImpl::Ideal);
    assert_eq!(c.noc.implementation, NocImpl::Mesh);
    assert_eq!(c.fabric.link_gb_per_s, 100.0);
    assert!(!c.systolic.overlap);
    assert_eq!(c.topology.dims, vec![2, 8]);
    assert_eq!(c.chip.clock_ghz, 1.5);
    assert_eq!(c.vector.width_bits, 4096);
    assert_eq!(c.vector.pipeline_depth, zw1().vector.pipeline_depth);
    c.validate().unwrap();
}

#[test]
fn set_rejects_unknown_keys_and_suggests_the_closest() {
    let mut c = zw1();
    let e = c.set("systolic.rowz", "128").unwrap_err();
    assert_eq!(
        e,
        ConfigError::UnknownKey {
            key: "systolic.rowz".into(),
            suggestion: Some("systolic.rows".into())
        }
    );
    assert_eq!(
        e.to_string(),
        "unknown key `systolic.rowz` (did you mean `systolic.rows`?)"
    );
    let e = c.set("hbm.t_rcd", "14").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown key `hbm.t_rcd` (did you mean `hbm.t_rcd_ns`?)"
    );
    let e = c.set("sytolic.rows", "1").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown key `sytolic.rows` (did you mean `systolic.rows`?)"
    );
    let e = c.set("clock_ghz", "1").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown key `clock_ghz` (did you mean `chip.clock_ghz`?)"
    );
    let e = c.set("completely.unrelated", "1").unwrap_err();
    assert_eq!(e.to_string(), "unknown key `completely.unrelated`");
    let e = c.set("zzzzzzzzzzzzzz", "1").unwrap_err();
    assert_eq!(e.to_string(), "unknown key `zzzzzzzzzzzzzz`");
    assert!(c.set("systolic..rows", "1").is_err());
    assert!(c.set("", "1").is_err());
    assert_eq!(c, zw1(), "failed sets change nothing");
}

#[test]
fn set_rejects_values_of_the_wrong_type_naming_the_key() {
    let mut c = zw1();
    assert_eq!(
        c.set("systolic.rows", "big").unwrap_err().to_string(),
        "systolic.rows: expected integer, found string"
    );
    assert_eq!(
        c.set("chip.clock_ghz", "true").unwrap_err().to_string(),
        "chip.clock_ghz: expected float, found boolean"
    );
    assert_eq!(
        c.set("systolic", "3").unwrap_err().to_string(),
        "systolic: expected table, found integer"
    );
    let e = c.set("hbm.impl", "hbm9").unwrap_err().to_string();
    assert!(e.starts_with("hbm.impl: unknown variant `hbm9`"), "{e}");
    let e = c.set("systolic.rows", "-1").unwrap_err().to_string();
    assert!(e.starts_with("systolic.rows: "), "{e}");
    assert_eq!(
        c.set_assignment("systolic.rows").unwrap_err().to_string(),
        "`systolic.rows` is not an assignment of the form key=value"
    );
    assert_eq!(c, zw1());
}

#[test]
fn every_choice_in_the_key_table_is_accepted_and_nothing_else() {
    for spec in KEYS {
        if let Allowed::Choice(names) = spec.allowed {
            for name in names {
                let mut c = zw1();
                c.set(spec.key, name)
                    .unwrap_or_else(|e| panic!("{}: {e}", spec.key));
            }
            assert!(
                zw1().set(spec.key, "no-such-choice").is_err(),
                "{}",
                spec.key
            );
        }
    }
}

#[test]
fn the_key_table_has_exactly_the_config_keys() {
    let table: Vec<&str> = KEYS.iter().map(|k| k.key).collect();
    let unique: BTreeSet<&str> = table.iter().copied().collect();
    assert_eq!(unique.len(), table.len(), "duplicate rows");
    let config: BTreeSet<String> = Config::keys().into_iter().collect();
    let table: BTreeSet<String> = unique.iter().map(|k| k.to_string()).collect();
    assert_eq!(table, config);
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zw-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_file_starting_from_a_preset_overrides_only_what_it_names() {
    let path = write_temp(
        "wide.toml",
        "preset = \"zw1\"\nname = \"wide\"\n\n[systolic]\nrows = 128\ncols = 128\n\n\
         [noc]\ncols = 10\nrows = 10\n\n[chip]\ntiles_x = 8\ntiles_y = 8\n\
         [hbm]\nimpl = \"ideal\"\nideal_bytes_per_cycle = 4096\n",
    );
    let c = Config::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    c.validate().unwrap();
    let mut expected = zw1();
    expected.name = "wide".into();
    expected.systolic.rows = 128;
    expected.systolic.cols = 128;
    expected.noc.cols = 10;
    expected.noc.rows = 10;
    expected.chip.tiles_x = 8;
    expected.chip.tiles_y = 8;
    expected.hbm.implementation = HbmImpl::Ideal;
    expected.hbm.ideal_bytes_per_cycle = 4096;
    assert_eq!(c, expected);
    let r = c.resolve().unwrap();
    assert_eq!(r.tiles, 64);
    assert_eq!(r.hbm.ideal_bandwidth, Bandwidth::per_cycle(4096));

    let dotted = Config::from_toml_str("preset = \"zw1-hbm3\"\nsystolic.rows = 32\n").unwrap();
    assert_eq!(dotted.systolic.rows, 32);
    assert_eq!(dotted.hbm.implementation, HbmImpl::Hbm3);
}

#[test]
fn file_errors_name_the_file_and_the_key() {
    let path = write_temp("typo.toml", "preset = \"zw1\"\n[hbm]\nstackz = 4\n");
    let e = Config::from_file(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(e.key(), Some("hbm.stackz"));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: unknown key `hbm.stackz` (did you mean `hbm.stacks`?)",
            path.display()
        )
    );
    let missing = PathBuf::from("/nonexistent/zw.toml");
    assert!(matches!(
        Config::from_file(&missing),
        Err(ConfigError::Io { .. })
    ));
}

#[test]
fn a_file_without_a_preset_must_give_every_key() {
    let full = zw1().to_toml_string();
    let without_routing: String = full
        .lines()
        .filter(|l| !l.starts_with("routing = "))
        .collect::<Vec<_>>()
        .join("\n");
    let e = Config::from_toml_str(&without_routing).unwrap_err();
    assert_eq!(
        e.to_string(),
        "missing key `noc.routing` (give every key, or start the file with `preset = \"zw1\"`)"
    );
    let e = Config::from_toml_str("name = \"x\"\nbogus = 1\n").unwrap_err();
    assert_eq!(e.to_string(), "unknown key `bogus`");
}

#[test]
fn presets_are_named_and_misspellings_get_a_suggestion() {
    let e = Config::preset("zw-1").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown preset `zw-1` (did you mean `zw1`?); built-in presets: zw1, zw1-hbm3"
    );
    let e = Config::from_toml_str("preset = \"zw2\"\n").unwrap_err();
    assert!(matches!(e, ConfigError::UnknownPreset { .. }));
    let e = Config::from_toml_str("preset = 1\n").unwrap_err();
    assert_eq!(e.to_string(), "preset: expected string, found integer");
    let e = Config::from_toml_str("preset = \"zw1\"\n[systolic\n").unwrap_err();
    assert!(matches!(e, ConfigError::Parse { .. }), "{e}");
}

#[test]
fn resolution_rounds_latencies_up_and_keeps_bandwidth_exact() {
    let c = with(&[("chip.clock_ghz", "1.5"), ("hbm.t_refi_ns", "3900.5")]);
    let r = c.resolve().unwrap();
    // 500 ns × 1.5 GHz = 750 cycles; 14 ns = 21; 2.5 ns = 3.75 → 4; 3900.5 ns = 5850.75 → 5850.
    assert_eq!(r.fabric.link_latency, Cycle(750));
    assert_eq!(r.hbm.t_rcd, Cycle(21));
    assert_eq!(r.hbm.t_cwl, Cycle(4));
    assert_eq!(r.hbm.t_refi, Cycle(5850));
    // 50 GB/s at 1.5 GHz = 100/3 B/cycle; 409.6 GB/s = 4096/15.
    assert_eq!(r.fabric.link_bandwidth, Bandwidth::new(100, 3).unwrap());
    assert_eq!(r.hbm.stack_bandwidth, Bandwidth::new(4096, 15).unwrap());
    // Energies in whole femtojoules.
    assert_eq!(r.energy.mac_fj(DType::Bf16), Some(2_000));
    assert_eq!(r.energy.mac_fj(DType::E5M2), Some(1_100));
    assert_eq!(r.energy.hbm_byte_fj, 31_200);
    assert_eq!(r.energy.mac_fj(DType::I32), None);
}

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/config.md");
const BEGIN: &str = "<!-- BEGIN generated from emulator/src/config/validate.rs: \
                     BLESS=1 cargo test -p emulator config -->";
const END: &str = "<!-- END generated -->";

/// The key tables of docs/config.md: one per table of the file, a row per key.
fn key_tables() -> String {
    let reference = super::overlay::reference_table();
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::new();
    let mut section = None;
    for spec in KEYS {
        let (table, leaf) = spec.key.rsplit_once('.').unwrap_or(("", spec.key));
        if section != Some(table) {
            section = Some(table);
            let title = if table.is_empty() {
                "Top level".to_string()
            } else {
                format!("`[{table}]`")
            };
            out.push_str(&format!(
                "\n### {title}\n\n| key | unit | zw1 | allowed | read by | source |\n|---|---|---|---|---|---|\n"
            ));
        }
        let value = if table.is_empty() {
            reference.get(leaf)
        } else {
            reference.get(table).and_then(|t| t.get(leaf))
        };
        let default = value.map(ToString::to_string).unwrap_or_default();
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} | {} | {} |\n",
            spec.key,
            cell(spec.unit),
            cell(&default),
            cell(&spec.allowed.to_string()),
            cell(&spec.reader.to_string()),
            cell(spec.source),
        ));
    }
    out
}

#[test]
fn docs_list_every_key_with_its_unit_default_range_and_source() {
    let docs = std::fs::read_to_string(DOCS).unwrap_or_default();
    let generated = format!("{BEGIN}\n{}\n{END}", key_tables());
    let current = match (docs.find(BEGIN), docs.find(END)) {
        (Some(b), Some(e)) if b < e => Some((b, e + END.len())),
        _ => None,
    };
    let up_to_date = current.is_some_and(|(b, e)| docs[b..e] == generated);
    if up_to_date {
        return;
    }
    if std::env::var_os("BLESS").is_some() {
        let new = match current {
            Some((b, e)) => format!("{}{generated}{}", &docs[..b], &docs[e..]),
            None => format!("{docs}\n## Keys\n\n{generated}\n"),
        };
        std::fs::write(DOCS, new).unwrap();
        return;
    }
    panic!("docs/config.md's key tables are stale: run BLESS=1 cargo test -p emulator config");
}
