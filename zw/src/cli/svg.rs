//! Pictures as plain SVG text: the heat map of a mesh's link load (`zw run --noc-heatmap`) and
//! the latency-versus-load curve of `zw bench noc --sweep --svg`.

use std::fmt::Write;

use emulator::noc::floorplan::{Floorplan, Site};
use emulator::noc::traffic::Measured;
use emulator::stats::{LinkStats, NocStats};

/// Pixels between neighbouring routers.
const CELL: f64 = 90.0;
/// A router's square, pixels.
const ROUTER: f64 = 34.0;
/// Space around a mesh, pixels.
const MARGIN: f64 = 40.0;

/// The colour of a load `t` from 0 (pale blue) through orange to 1 (dark red).
fn ramp(t: f64) -> String {
    const STOPS: [(f64, f64, f64); 3] = [
        (222.0, 235.0, 247.0),
        (253.0, 174.0, 97.0),
        (178.0, 24.0, 43.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (a, b, f) = if t < 0.5 {
        (STOPS[0], STOPS[1], t * 2.0)
    } else {
        (STOPS[1], STOPS[2], t * 2.0 - 1.0)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// What the floorplan puts at a router: `T3`, `H0`, `L5`, `F1`, or nothing.
fn label(plan: Option<&Floorplan>, node: u32) -> String {
    match plan.map(|p| p.site(node)) {
        Some(Site::Tile(i)) => format!("T{i}"),
        Some(Site::Hbm(i)) => format!("H{i}"),
        Some(Site::L2(i)) => format!("L{i}"),
        Some(Site::Fabric(i)) => format!("F{i}"),
        Some(Site::Empty) | None => String::new(),
    }
}

/// The share of `total_cycles` a link carried a flit in.
pub fn utilization(l: &LinkStats, total_cycles: u64) -> f64 {
    l.flits as f64 / total_cycles.max(1) as f64
}

/// The heat map of every chip's mesh in `chips` (chip number, its links, its floorplan) over a
/// run of `total_cycles`: each link one way is a `<line class="link">` beside its twin, coloured
/// by its utilization on a scale up to the busiest link's, with the figures in its tooltip.
pub fn heatmap(chips: &[(u32, &NocStats, Option<&Floorplan>)], total_cycles: u64) -> String {
    let peak = chips
        .iter()
        .flat_map(|(_, s, _)| &s.links)
        .map(|l| utilization(l, total_cycles))
        .fold(0.0, f64::max);
    let panel = |s: &NocStats| {
        (
            2.0 * MARGIN + CELL * f64::from(s.cols_routers.max(1) - 1),
            2.0 * MARGIN + CELL * f64::from(s.rows_routers.max(1) - 1),
        )
    };
    let width = chips
        .iter()
        .map(|(_, s, _)| panel(s).0)
        .sum::<f64>()
        .max(300.0);
    let height = chips.iter().map(|(_, s, _)| panel(s).1).fold(0.0, f64::max) + 70.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    let mut left = 0.0;
    for &(chip, s, plan) in chips {
        let cols = s.cols_routers.max(1);
        let at = |node: u32| {
            (
                left + MARGIN + CELL * f64::from(node % cols),
                22.0 + MARGIN + CELL * f64::from(node / cols),
            )
        };
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="18" font-size="13">chip {chip}: {}x{} mesh</text>"#,
            left + 8.0,
            s.cols_routers,
            s.rows_routers
        );
        for l in &s.links {
            let ((x1, y1), (x2, y2)) = (at(l.from_router), at(l.to_router));
            // The two ways of a link side by side: each to the right of its direction of travel.
            let (dx, dy) = ((x2 - x1) / CELL, (y2 - y1) / CELL);
            let (ox, oy) = (-dy * 5.0, dx * 5.0);
            let (a, b) = (ROUTER / 2.0 + 2.0, CELL - ROUTER / 2.0 - 2.0);
            let u = utilization(l, total_cycles);
            let t = if peak > 0.0 { u / peak } else { 0.0 };
            let _ = writeln!(
                svg,
                r#"<line class="link" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="6" stroke-linecap="round"><title>router {} to {} ({}): {} flits, {:.1}% of {} cycles, busy {} cycles, {} credit stall cycles</title></line>"#,
                x1 + dx * a + ox,
                y1 + dy * a + oy,
                x1 + dx * b + ox,
                y1 + dy * b + oy,
                ramp(t),
                l.from_router,
                l.to_router,
                l.direction,
                l.flits,
                100.0 * u,
                total_cycles,
                l.busy_cycles,
                l.credit_stall_cycles
            );
        }
        for node in 0..s.cols_routers * s.rows_routers {
            let (x, y) = at(node);
            let _ = writeln!(
                svg,
                r##"<rect class="router" x="{:.1}" y="{:.1}" width="{ROUTER}" height="{ROUTER}" rx="4" fill="#f4f4f4" stroke="#555555"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                x - ROUTER / 2.0,
                y - ROUTER / 2.0,
                y + 4.0,
                label(plan, node)
            );
        }
        left += panel(s).0;
    }
    // The scale.
    let y = height - 30.0;
    for i in 0..=10 {
        let _ = writeln!(
            svg,
            r#"<rect x="{}" y="{y}" width="20" height="10" fill="{}"/>"#,
            MARGIN + 20.0 * f64::from(i),
            ramp(f64::from(i) / 10.0)
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="{}">0%</text><text x="{}" y="{}" text-anchor="end">{:.1}% of cycles carrying a flit (busiest link)</text>"#,
        y + 24.0,
        MARGIN + 220.0,
        y + 24.0,
        100.0 * peak
    );
    svg.push_str("</svg>\n");
    svg
}

/// A round step near `span / 5` (1, 2 or 5 times a power of ten).
fn tick_step(span: f64) -> f64 {
    let raw = (span / 5.0).max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power)
}

/// The latency-versus-offered-load curve of a sweep: average latency as a line with a
/// `<circle class="point">` per load (hollow where the mesh saturated: a lower bound), the
/// 99th percentile dashed, and the saturation throughput as a vertical line.
pub fn sweep_plot(points: &[Measured], saturation: f64, title: &str) -> String {
    let (w, h) = (680.0, 440.0);
    let (l, r, t, b) = (70.0, 20.0, 40.0, 60.0);
    let x_max = points
        .iter()
        .map(|m| m.offered_flits_per_node_cycle)
        .fold(saturation, f64::max)
        .max(1e-3);
    let y_max = points
        .iter()
        .map(|m| m.p99_packet_latency_cycles as f64)
        .fold(1.0, f64::max);
    let (xs, ys) = (tick_step(x_max), tick_step(y_max));
    let (x_top, y_top) = ((x_max / xs).ceil() * xs, (y_max / ys).ceil() * ys);
    let px = |v: f64| l + (w - l - r) * v / x_top;
    let py = |v: f64| h - b - (h - t - b) * v / y_top;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="{w}" height="{h}" fill="#ffffff"/><text x="{l}" y="22" font-size="13">{}</text>"##,
        escape(title)
    );
    // Axes, grid and ticks.
    let mut k = 0.0;
    while k <= x_top + xs / 2.0 {
        let _ = writeln!(
            svg,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#e5e5e5"/><text x="{0:.1}" y="{3}" text-anchor="middle">{4}</text>"##,
            px(k),
            t,
            h - b,
            h - b + 16.0,
            round(k)
        );
        k += xs;
    }
    let mut k = 0.0;
    while k <= y_top + ys / 2.0 {
        let _ = writeln!(
            svg,
            r##"<line x1="{0}" y1="{1:.1}" x2="{2}" y2="{1:.1}" stroke="#e5e5e5"/><text x="{3}" y="{4:.1}" text-anchor="end">{5}</text>"##,
            l,
            py(k),
            w - r,
            l - 6.0,
            py(k) + 4.0,
            round(k)
        );
        k += ys;
    }
    let _ = writeln!(
        svg,
        r##"<path d="M{l} {t} V{0} H{1}" fill="none" stroke="#333333"/>"##,
        h - b,
        w - r
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{}" text-anchor="middle">offered load, flits/node/cycle</text><text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">packet latency, cycles</text>"#,
        (l + w - r) / 2.0,
        h - 16.0,
        (t + h - b) / 2.0
    );
    // Saturation.
    let _ = writeln!(
        svg,
        r##"<line class="saturation" x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#888888" stroke-dasharray="2 3"/><text x="{3:.1}" y="{4}">saturation {5:.3}</text>"##,
        px(saturation),
        t,
        h - b,
        px(saturation) - 4.0,
        t + 12.0,
        saturation
    );
    let line = |f: &dyn Fn(&Measured) -> f64| {
        points
            .iter()
            .map(|m| format!("{:.1},{:.1}", px(m.offered_flits_per_node_cycle), py(f(m))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = writeln!(
        svg,
        r##"<polyline class="p99" points="{}" fill="none" stroke="#d6604d" stroke-width="1.5" stroke-dasharray="5 3"/>"##,
        line(&|m| m.p99_packet_latency_cycles as f64)
    );
    let _ = writeln!(
        svg,
        r##"<polyline class="average" points="{}" fill="none" stroke="#2166ac" stroke-width="2"/>"##,
        line(&|m| m.avg_packet_latency_cycles)
    );
    for m in points {
        let fill = if m.saturated { "#ffffff" } else { "#2166ac" };
        let _ = writeln!(
            svg,
            r##"<circle class="point" cx="{:.1}" cy="{:.1}" r="3.5" fill="{fill}" stroke="#2166ac"><title>offered {:.3}, accepted {:.3} flits/node/cycle: latency avg {:.1}, p99 {} cycles{}</title></circle>"##,
            px(m.offered_flits_per_node_cycle),
            py(m.avg_packet_latency_cycles),
            m.offered_flits_per_node_cycle,
            m.accepted_flits_per_node_cycle,
            m.avg_packet_latency_cycles,
            m.p99_packet_latency_cycles,
            if m.saturated { " (saturated)" } else { "" }
        );
    }
    let _ = writeln!(
        svg,
        r##"<g transform="translate({} {})"><line x2="20" stroke="#2166ac" stroke-width="2"/><text x="26" y="4">average</text><line y1="16" x2="20" y2="16" stroke="#d6604d" stroke-dasharray="5 3"/><text x="26" y="20">99th percentile</text></g>"##,
        l + 12.0,
        t + 30.0
    );
    svg.push_str("</svg>\n");
    svg
}

/// A tick label: short, without float noise.
fn round(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// `text` safe inside an SVG element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_runs_from_pale_to_dark_red_and_ticks_are_round() {
        assert_eq!(ramp(0.0), "#deebf7");
        assert_eq!(ramp(1.0), "#b2182b");
        assert_eq!(ramp(f64::NAN), "#deebf7");
        assert_eq!(tick_step(0.5), 0.1);
        assert_eq!(tick_step(37.0), 10.0);
        assert_eq!(tick_step(120.0), 50.0);
        assert_eq!(round(0.30000000000000004), "0.3");
    }
}
