//! The mesh network made visible from the outside: `zw config show --floorplan`,
//! `zw run --noc-heatmap` and `zw bench noc --sweep --svg`.

#[allow(dead_code)] // Not every shared helper is needed here.
mod common;

use common::{code, text, zw};

/// Checks that `svg` is well-formed XML as far as SVG text needs: every tag closed in order,
/// attributes quoted, no stray `<` or `&` in text. Returns the elements' names in order.
fn elements(svg: &str) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let between = &rest[..start];
        assert!(
            between
                .split('&')
                .skip(1)
                .all(|e| ["amp;", "lt;", "gt;", "quot;"]
                    .iter()
                    .any(|x| e.starts_with(x))),
            "a stray & in {between:?}"
        );
        let end = rest[start..].find('>').expect("a tag ends") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "a < inside the tag {tag:?}");
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in {tag:?}"
        );
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name.trim()), "</{name}> closes");
        } else {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(!name.is_empty(), "a tag without a name: {tag:?}");
            names.push(name.clone());
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
        rest = &rest[end + 1..];
    }
    assert!(rest.trim().is_empty(), "text after the root");
    assert!(open.is_empty(), "unclosed: {open:?}");
    assert_eq!(names.first().map(String::as_str), Some("svg"));
    names
}

#[test]
fn the_checker_of_svg_text_refuses_what_is_broken() {
    assert_eq!(
        elements("<svg><line/><g><text>a &amp; b</text></g></svg>\n").len(),
        4
    );
    for bad in [
        "<svg><g></svg>",
        "<svg><line x=\"1/></svg>",
        "<svg>a & b</svg>",
        "<svg>",
    ] {
        assert!(std::panic::catch_unwind(|| elements(bad)).is_err(), "{bad}");
    }
}

#[test]
fn config_show_floorplan_prints_the_mesh_as_a_grid_and_names_a_key_too_small() {
    let dir = tempfile::tempdir().unwrap();
    let o = zw(
        &["config", "show", "--floorplan", "--set", "noc.impl=mesh"],
        dir.path(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 6, "{out}");
    assert_eq!(
        rows[0].split_whitespace().collect::<Vec<_>>(),
        ["F0", "L0", "L1", "L2", "L3", "F1"]
    );
    assert_eq!(
        rows[4].split_whitespace().collect::<Vec<_>>(),
        ["H2", "T12", "T13", "T14", "T15", "H5"]
    );
    let o = zw(
        &["config", "show", "--floorplan", "--set", "noc.cols=8"],
        dir.path(),
    );
    assert_eq!(code(&o), 0);
    assert!(
        text(&o.stdout)
            .lines()
            .skip(1)
            .all(|l| l.split_whitespace().count() == 8)
    );
    let o = zw(
        &["config", "show", "--floorplan", "--set", "noc.rows=5"],
        dir.path(),
    );
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("noc.rows"), "{}", text(&o.stderr));
}

#[test]
fn run_noc_heatmap_draws_one_line_per_link_carrying_the_stats_flits() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let program = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../programs/examples/dma_round_trip.s"
    );
    let o = zw(
        &[
            "run",
            program,
            "--set",
            "noc.impl=mesh",
            "--noc-heatmap",
            "heat.svg",
            "--stats",
            "s.json",
        ],
        d,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let svg = std::fs::read_to_string(d.join("heat.svg")).unwrap();
    elements(&svg);
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("s.json")).unwrap()).unwrap();
    let links = stats["chips"][0]["noc"]["links"].as_array().unwrap();
    assert_eq!(links.len(), 120);
    assert_eq!(svg.matches("<line class=\"link\"").count(), links.len());
    assert_eq!(svg.matches("<rect class=\"router\"").count(), 36);
    // Each link's tooltip gives its flits, as the stats do.
    let drawn: Vec<u64> = svg
        .split("<title>router ")
        .skip(1)
        .map(|t| {
            t.split(": ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    let counted: Vec<u64> = links.iter().map(|l| l["flits"].as_u64().unwrap()).collect();
    assert_eq!(drawn, counted);
    assert!(counted.iter().sum::<u64>() > 0);
    // The ideal network has no links to draw: refused before the run, no file written.
    let o = zw(&["run", program, "--noc-heatmap", "ideal.svg"], d);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("noc.impl=mesh"),
        "{}",
        text(&o.stderr)
    );
    assert!(!d.join("ideal.svg").exists());
}

#[test]
fn bench_noc_sweep_svg_plots_a_point_per_row_of_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = zw(
        &[
            "bench", "noc", "--mesh", "4x4", "--sweep", "--step", "0.2", "--warmup", "100",
            "--cycles", "800", "--csv", "c.csv", "--svg", "c.svg",
        ],
        d,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(d.join("c.csv")).unwrap();
    let svg = std::fs::read_to_string(d.join("c.svg")).unwrap();
    let names = elements(&svg);
    let rows = csv.lines().count() - 1;
    assert!(rows >= 2, "{csv}");
    assert_eq!(svg.matches("<circle class=\"point\"").count(), rows);
    assert_eq!(names.iter().filter(|n| *n == "polyline").count(), 2);
    assert!(svg.contains("class=\"saturation\""));
    // Without --sweep there is no curve to draw.
    let o = zw(&["bench", "noc", "--mesh", "4x4", "--svg", "c.svg"], d);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--sweep"), "{}", text(&o.stderr));
}
