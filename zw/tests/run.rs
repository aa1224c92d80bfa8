//! `zw run`, `zw config` and `zw bench` from the outside: exit codes, messages, and the files
//! they read and write.

mod common;

use common::{code, text, write, zw};
use std::path::Path;
use std::process::Output;

const SMALL: [&str; 4] = ["--set", "chip.tiles_x=2", "--set", "chip.tiles_y=1"];

fn run(dir: &Path, program: &str, extra: &[&str]) -> Output {
    let mut args = vec!["run", program];
    args.extend_from_slice(&SMALL);
    args.extend_from_slice(extra);
    zw(&args, dir)
}

#[test]
fn a_halting_program_exits_0_and_prints_cycles_time_utilization_and_host_speed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "p.s",
        ".global _start\n_start: li x5, 3\nhalt\n",
    );
    let o = run(dir.path(), "p.s", &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for want in [
        "every tile halted",
        "cycles",
        " ns",
        "control",
        "dma-in",
        "vector",
        "cycles/s",
    ] {
        assert!(out.contains(want), "`{want}` missing from:\n{out}");
    }
}

#[test]
fn each_way_a_run_can_fail_has_its_own_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "bad.s", ".global _start\n_start: addi x5, x99, 1\n");
    write(d, "trap.s", ".global _start\n_start: trap 3\n");
    write(d, "loop.s", ".global _start\n_start: j _start\n");
    write(
        d,
        "dead.s",
        ".global _start\n_start: sem.wait s1, x0, 1\nhalt\n",
    );
    write(d, "ok.s", ".global _start\n_start: halt\n");
    write(d, "junk.elf", "not an executable");

    let o = run(d, "bad.s", &[]);
    assert_eq!(code(&o), 3, "assembly error: {}", text(&o.stderr));
    let o = run(d, "trap.s", &[]);
    assert_eq!(code(&o), 4);
    assert!(
        text(&o.stderr).contains(
            "tile 0 (chip 0) trapped at pc 0x0: trap 3 — software trap (code 3); 1 more trap in \
             the same cycle"
        ),
        "both tiles trap at once: {}",
        text(&o.stderr)
    );
    // Two chips of a server need only the link between them: nothing the user did not set is
    // refused.
    let o = run(
        d,
        "ok.s",
        &["--set", "topology.chips=2", "--set", "fabric.links=1"],
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let o = run(d, "loop.s", &["--max-cycles", "1000"]);
    assert_eq!(code(&o), 5);
    let o = run(d, "dead.s", &[]);
    assert_eq!(code(&o), 6);
    let err = text(&o.stderr);
    assert!(
        err.contains("deadlock") && err.contains("tile 1 (chip 0)") && err.contains("s1 >= 1"),
        "{err}"
    );
    let o = run(d, "ok.s", &["--set", "systolic.rowz=4"]);
    assert_eq!(code(&o), 2, "a config error is a usage error");
    assert!(text(&o.stderr).contains("systolic.rowz"));
    let o = zw(&["run"], d);
    assert_eq!(code(&o), 2, "a missing argument");
    let o = run(d, "junk.elf", &[]);
    assert_eq!(code(&o), 1);
    let o = run(d, "missing.elf", &[]);
    assert_eq!(code(&o), 1);
}

#[test]
fn tensors_load_from_npy_and_dump_to_npy_by_symbol() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Copies 64 bf16 values from `x` to `y` in HBM through the scratchpad.
    write(
        d,
        "copy.s",
        "
        .section .hbm.bss
        .balign 64
        .global x, y
x:      .space 128
y:      .space 128
        .bss
buf:    .space 128
        .text
        .global _start
_start: csrr x5, tile_id
        bne x5, x0, 1f
        li x6, 128
        li x7, 1
        dma.dim 0, x6, x7, x7
        la x10, x
        la x11, y
        la x12, buf
        dma.in x12, x10, s0
        q.take dmaout, s0, 1
        dma.out x11, x12, s1
        sem.take s1, x0, 1
1:      halt
",
    );
    let values: Vec<u8> = (0..128u8).map(|i| i.wrapping_mul(37)).collect();
    let file = emulator::npy::write(isa::DType::Bf16, &[8, 8], &values).unwrap();
    std::fs::write(d.join("in.npy"), file).unwrap();
    let o = run(
        d,
        "copy.s",
        &[
            "--load",
            "in.npy@x",
            "--dump",
            "y:bf16[8,8]=out.npy",
            "--dump",
            "y+64:64=raw.bin",
            "--stats",
            "s.json",
            "--trace",
            "t.json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let out = std::fs::read(d.join("out.npy")).unwrap();
    let h = emulator::npy::parse(&out).unwrap();
    assert_eq!(
        (h.descr.as_str(), h.shape.as_slice()),
        ("<V2", &[8u64, 8][..])
    );
    assert_eq!(emulator::npy::data(&out).unwrap(), &values[..]);
    assert_eq!(std::fs::read(d.join("raw.bin")).unwrap(), &values[64..]);

    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("s.json")).unwrap()).unwrap();
    assert_eq!(stats["schema_version"], 2);
    assert_eq!(stats["exit"], "halted");
    // Simulated figures only: host pages are not among them.
    assert!(stats["chips"][0].get("hbm_touched_bytes").is_none());
    let trace: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("t.json")).unwrap()).unwrap();
    // The JSON array form of the Chrome trace-event format (Perfetto opens it).
    let events = trace.as_array().expect("a Chrome trace-event file");
    assert!(events.iter().any(|e| e["name"] == "dma.in"), "{trace}");
}

#[test]
fn config_show_prints_the_effective_config_and_check_names_bad_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = zw(&["config", "show", "--set", "systolic.rows=128"], d);
    assert_eq!(code(&o), 0);
    let shown = text(&o.stdout);
    let parsed = emulator::config::Config::from_toml_str(&shown).unwrap();
    assert_eq!(parsed.systolic.rows, 128);
    write(d, "good.toml", "preset = \"zw1\"\n[systolic]\nrows = 32\n");
    let o = zw(&["config", "check", "good.toml"], d);
    assert_eq!(code(&o), 0);
    assert!(
        text(&o.stderr).contains("warning: good.toml: l2.impl = \"sliced\" is not modelled yet"),
        "{}",
        text(&o.stderr)
    );
    write(
        d,
        "bad.toml",
        "preset = \"zw1\"\n[systolic]\nrows = 100000\n",
    );
    // A configuration that is not valid is exit 2 for `config check` as for `run`.
    let o = zw(&["config", "check", "bad.toml"], d);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("systolic.rows"),
        "{}",
        text(&o.stderr)
    );
    let o = zw(&["run", "x.s", "--config", "bad.toml"], d);
    assert_eq!(code(&o), 2);
    // One that cannot be read is exit 1 for both.
    for args in [
        &["config", "check", "missing.toml"][..],
        &["run", "x.s", "--config", "missing.toml"][..],
        &["config", "show", "--config", "missing.toml"][..],
    ] {
        let o = zw(args, d);
        assert_eq!(code(&o), 1, "{args:?}: {}", text(&o.stderr));
    }
}

#[test]
fn every_bench_prints_one_json_object_with_json() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["bench", "core", "--iterations", "1000", "--json"][..],
        &["bench", "wait", "--ops", "10", "--json"][..],
        &[
            "bench", "systolic", "--m", "16", "--n", "16", "--k", "16", "--json",
        ][..],
    ] {
        let o = zw(args, dir.path());
        assert_eq!(code(&o), 0, "{args:?}: {}", text(&o.stderr));
        let out = text(&o.stdout);
        assert_eq!(out.trim().lines().count(), 1, "{out}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert!(v.is_object());
    }
}

#[test]
fn bench_systolic_takes_the_array_flags_and_compares_both_models_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "bench",
        "systolic",
        "--rows",
        "16",
        "--cols",
        "8",
        "--dataflow",
        "os",
        "--m",
        "20",
        "--n",
        "12",
        "--k",
        "33",
        "--overlap",
        "off",
        "--json",
    ];
    let o = zw(&args, dir.path());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert_eq!(v["rows"], 16);
    assert_eq!(v["cols"], 8);
    assert_eq!(v["dataflow"], "os");
    assert_eq!(v["overlap"], false);
    assert_eq!(v["models_agree"], true);
    let u = v["utilization"].as_f64().unwrap();
    assert!(u > 0.0 && u <= 1.0, "{u}");
    assert!(v["cycles"].as_u64().unwrap() > 0);
    // Without --json, words, like the other benches.
    let o = zw(&args[..args.len() - 1], dir.path());
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        serde_json::from_str::<serde_json::Value>(out.trim()).is_err(),
        "{out}"
    );
    assert!(
        out.starts_with("systolic: 16x8 os array, bf16 GEMM 20x12x33") && out.contains("agree"),
        "{out}"
    );
    let o = zw(&["bench", "systolic", "--rows", "7"], dir.path());
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("systolic.rows = 7 is out of range"));
}

#[test]
fn bench_hbm_reports_bandwidth_latency_and_host_speed_and_refuses_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    for (preset, extra) in [
        ("hbm2e", &["--pattern", "seq"][..]),
        ("hbm3", &["--pattern", "random", "--read-ratio", "0.5"][..]),
        ("hbm2", &["--pattern", "strided", "--stride", "4096"][..]),
    ] {
        let mut args = vec![
            "bench",
            "hbm",
            "--preset",
            preset,
            "--stacks",
            "1",
            "--channels",
            "1",
            "--requests",
            "5000",
            "--json",
        ];
        args.extend_from_slice(extra);
        let o = zw(&args, dir.path());
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
        let peak = v["peak_gbps"].as_f64().unwrap();
        let bw = v["bandwidth_gbps"].as_f64().unwrap();
        assert!(bw > 0.0 && bw <= peak, "{bw} of {peak}");
        for key in [
            "latency_ns_mean",
            "latency_ns_p99",
            "row_hit_rate",
            "requests_per_host_second",
        ] {
            assert!(v[key].as_f64().unwrap() >= 0.0, "{key}");
        }
        assert_eq!(v["requests"], 5000);
    }
    // One channel of HBM2E peaks at 2 pseudo-channels × 64 bits × 3.2 Gb/s = 51.2 GB/s.
    let o = zw(
        &[
            "bench",
            "hbm",
            "--stacks",
            "1",
            "--channels",
            "1",
            "--requests",
            "10",
            "--json",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert!((v["peak_gbps"].as_f64().unwrap() - 51.2).abs() < 1e-9);
    for (bad, says) in [
        (&["--pattern", "zigzag"][..], "--pattern"),
        (&["--read-ratio", "1.5"][..], "--read-ratio"),
        (&["--preset", "hbm9"][..], "hbm9"),
        (&["--stacks", "9"][..], "hbm.stacks = 9"),
        (&["--refresh", "maybe"][..], "--refresh"),
    ] {
        let mut args = vec!["bench", "hbm", "--requests", "10"];
        args.extend_from_slice(bad);
        let o = zw(&args, dir.path());
        assert_eq!(code(&o), 2, "{bad:?}");
        assert!(
            text(&o.stderr).contains(says),
            "{bad:?}: {}",
            text(&o.stderr)
        );
    }
}

/// The warnings `zw run` gives for the zw1 preset: its L2 is not built.
const ZW1_WARNINGS: [&str; 1] = [
    "warning: l2.impl = \"sliced\" is not modelled yet; the ideal L2 runs instead \
     (l2.ideal_latency_cycles, l2.ideal_bytes_per_cycle)",
];

const ALL_IDEAL: [&str; 8] = [
    "--set",
    "l2.impl=ideal",
    "--set",
    "hbm.impl=ideal",
    "--set",
    "noc.impl=ideal",
    "--set",
    "fabric.impl=ideal",
];

#[test]
fn run_warns_once_per_unbuilt_model_and_not_for_ideal_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "ok.s", ".global _start\n_start: halt\n");
    let o = run(d, "ok.s", &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let warnings: Vec<String> = text(&o.stderr)
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .map(String::from)
        .collect();
    assert_eq!(warnings, ZW1_WARNINGS, "{}", text(&o.stderr));

    // Every HBM implementation is built: none warns.
    for hbm in ["hbm2", "hbm2e", "hbm3"] {
        let o = run(d, "ok.s", &["--set", &format!("hbm.impl={hbm}")]);
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        assert!(!text(&o.stderr).contains("hbm.impl"), "{}", text(&o.stderr));
    }

    let o = run(d, "ok.s", &ALL_IDEAL);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("warning"), "{}", text(&o.stderr));
}

#[test]
fn config_show_marks_what_is_not_modelled_and_run_refuses_what_nothing_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = zw(&["config", "show"], d);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let shown = text(&o.stdout);
    for line in [
        "impl = \"sliced\"  # not modelled yet: runs as \"ideal\"",
        "impl = \"ideal\"",
        "t_rcd_ns = 14.0",
        "slices = 8  # read by the sliced L2 model (not built yet)",
        "hbm_byte_pj = 31.2  # read by nothing yet: only this value is accepted",
    ] {
        assert!(
            shown.lines().any(|l| l == line),
            "`{line}` missing from:\n{shown}"
        );
    }
    let parsed = emulator::config::Config::from_toml_str(&shown).unwrap();
    assert_eq!(parsed, emulator::config::Config::zw1());

    let mut args = vec!["config", "show"];
    args.extend_from_slice(&ALL_IDEAL);
    let shown = text(&zw(&args, d).stdout);
    assert!(!shown.contains("not modelled yet"), "{shown}");

    write(d, "ok.s", ".global _start\n_start: halt\n");
    let o = run(d, "ok.s", &["--set", "numerics.rounding=stochastic"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("numerics.rounding = \"stochastic\" is not modelled"),
        "{}",
        text(&o.stderr)
    );
    let o = run(d, "ok.s", &["--set", "energy.hbm_byte_pj=10"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(
            "energy.hbm_byte_pj = 10.0 is not modelled: no energy is computed yet, so only the \
             zw1 value 31.2 is accepted"
        ),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn outputs_that_cannot_be_written_are_found_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // It traps if it runs: an exit of 4 would mean the check came after the run.
    write(d, "trap.s", ".global _start\n_start: trap 3\n");
    std::fs::create_dir(d.join("out")).unwrap();
    for (flag, value, says) in [
        (
            "--stats",
            "nowhere/s.json",
            "the folder nowhere does not exist",
        ),
        (
            "--trace",
            "nowhere/t.json",
            "the folder nowhere does not exist",
        ),
        (
            "--dump",
            "0x10000000000:4=nowhere/d.bin",
            "the folder nowhere does not exist",
        ),
        ("--stats", "out", "it is a directory"),
    ] {
        let o = run(d, "trap.s", &[flag, value]);
        assert_eq!(code(&o), 1, "{flag} {value}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains(says) && !err.contains("trapped"), "{err}");
    }
    assert!(!d.join("nowhere").exists());
    // The reference interpreter keeps no stats and draws no trace: said, not ignored.
    for flag in ["--stats", "--trace"] {
        let o = run(d, "trap.s", &["--reference", flag, "x.json"]);
        assert_eq!(code(&o), 2, "{}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("--reference"),
            "{}",
            text(&o.stderr)
        );
        assert!(!d.join("x.json").exists());
    }
}

#[test]
fn the_summary_counts_the_cycles_tiles_ran_and_prints_as_json_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Tile 1 halts at once; tile 0 counts down for a while.
    write(
        d,
        "p.s",
        ".global _start\n_start: csrr x6, tile_id\nbnez x6, 2f\nli x5, 400\n1: addi x5, x5, -1\nbnez x5, 1b\n2: halt\n",
    );
    let o = run(d, "p.s", &["--json", "-v"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 1, "one JSON object: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["exit"], "halted");
    assert_eq!(v["chips"], 1);
    assert_eq!(v["tiles_per_chip"], 2);
    let cycles = v["simulated_cycles"].as_u64().unwrap();
    assert!(cycles > 400, "{cycles}");
    // Shares are of the cycles the tiles ran: the core was busy or stalled in every one.
    let control = &v["units"][0];
    assert_eq!(control["unit"], "control");
    let sum =
        control["busy_percent"].as_f64().unwrap() + control["stalled_percent"].as_f64().unwrap();
    assert!((sum - 100.0).abs() < 1e-9, "{sum}");
    let tiles = v["per_tile"].as_array().unwrap();
    assert_eq!(tiles.len(), 2);
    assert!(tiles[1]["ran_cycles"].as_u64().unwrap() < 10);
    assert_eq!(tiles[0]["ran_cycles"].as_u64().unwrap(), cycles);
    // Text: each tile with -v, and singulars where there is one.
    let o = run(d, "p.s", &["-v", "--set", "chip.tiles_x=1"]);
    let out = text(&o.stdout);
    assert!(out.contains(": 1 tile x 1 chip,"), "{out}");
    assert!(out.contains("tile 0 (chip 0), "), "{out}");
}

#[test]
fn load_and_dump_name_a_chip_and_a_tile_or_stack_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Every tile writes (chip << 8 | tile) into its own `out`.
    write(
        d,
        "mt.s",
        ".data\n.balign 8\nout: .dword 0\nnext: .dword 0x55\n.text\n.global _start\n\
         _start: csrr x5, tile_id\ncsrr x6, chip_id\nslli x6, x6, 8\nor x5, x5, x6\n\
         la x7, out\nsd x5, 0(x7)\nhalt\n",
    );
    let two_chips = ["--set", "topology.chips=2", "--set", "fabric.links=1"];
    let mut args = two_chips.to_vec();
    args.extend([
        "--dump",
        "chip*:tile*:out:i32[2]=all.npy",
        "--dump",
        "chip1:tile0:out:8=one.bin",
        "--dump",
        "tile1:out:8=own_chip.bin",
    ]);
    let o = run(d, "mt.s", &args);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let all = std::fs::read(d.join("all.npy")).unwrap();
    let header = String::from_utf8_lossy(&all[..128]).into_owned();
    assert!(
        header.contains("'shape': (2, 2, 2)"),
        "chips, tiles, then the array: {header}"
    );
    let words: Vec<u32> = all[128..]
        .chunks(8)
        .map(|c| u32::from_le_bytes(c[..4].try_into().unwrap()))
        .collect();
    assert_eq!(words, [0x000, 0x001, 0x100, 0x101]);
    assert_eq!(
        std::fs::read(d.join("one.bin")).unwrap(),
        0x100u64.to_le_bytes()
    );
    assert_eq!(
        std::fs::read(d.join("own_chip.bin")).unwrap(),
        1u64.to_le_bytes()
    );
    // A tile or chip that does not exist, a tile of a chip-wide memory: said before the run.
    for (place, says) in [
        ("tile7:out:8=x.bin", "tile 7 does not exist"),
        ("chip2:out:8=x.bin", "chip 2 does not exist"),
        ("tile1:0x40000000000:8=x.bin", "belongs to the chip"),
    ] {
        let mut args = two_chips.to_vec();
        args.extend(["--dump", place]);
        let o = run(d, "mt.s", &args);
        assert_eq!(code(&o), 2, "{place}");
        assert!(
            text(&o.stderr).contains(says),
            "{place}: {}",
            text(&o.stderr)
        );
    }
    // --load fills a symbol, and no more: `out` is 8 bytes, then `next` begins.
    std::fs::write(d.join("ten.bin"), b"0123456789").unwrap();
    let o = run(d, "mt.s", &["--load", "ten.bin@out"]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("the data is 10 bytes, more than the 8 bytes of `out`"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(d.join("two.bin"), b"ab").unwrap();
    let o = run(d, "mt.s", &["--load", "two.bin@tile1:out+6"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let o = run(d, "mt.s", &["--load", "ten.bin@out+6"]);
    assert!(
        text(&o.stderr).contains("more than the 2 bytes of `out`"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn bench_noc_reports_latency_throughput_and_speed_and_refuses_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = zw(
        &[
            "bench", "noc", "--mesh", "4x4", "--rate", "0.1", "--warmup", "100", "--cycles",
            "1000", "--json",
        ],
        d,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    for key in [
        "avg_packet_latency_cycles",
        "p99_packet_latency_cycles",
        "accepted_flits_per_node_cycle",
        "router_cycles_per_host_second",
    ] {
        assert!(v[key].as_f64().unwrap() > 0.0, "{key}: {v}");
    }
    let o = zw(
        &[
            "bench",
            "noc",
            "--mesh",
            "4x4",
            "--traffic",
            "transpose",
            "--sweep",
            "--step",
            "0.2",
            "--warmup",
            "100",
            "--cycles",
            "1000",
            "--csv",
            "c.csv",
            "--json",
        ],
        d,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    let sat = v["saturation_flits_per_node_cycle"].as_f64().unwrap();
    assert!(sat > 0.1 && sat < 0.5, "{sat}");
    let csv = std::fs::read_to_string(d.join("c.csv")).unwrap();
    assert!(csv.starts_with("offered_flits_per_node_cycle,"), "{csv}");
    for (args, named) in [
        (
            &["--traffic", "zigzag"][..],
            "unknown traffic pattern `zigzag`",
        ),
        (&["--vcs", "0"][..], "--vcs"),
        (&["--vc-buffers", "0"][..], "--vc-buffers"),
        (&["--mesh", "4by4"][..], "--mesh"),
        (
            &["--mesh", "4x3", "--traffic", "transpose"][..],
            "--traffic",
        ),
        (&["--rate", "1.5"][..], "--rate"),
    ] {
        let mut all = vec!["bench", "noc"];
        all.extend_from_slice(args);
        let o = zw(&all, d);
        assert_eq!(code(&o), 2, "{args:?}");
        assert!(
            text(&o.stderr).contains(named),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}
