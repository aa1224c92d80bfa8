//! `zw bench`: measure the simulator itself.

use emulator::bench::{
    BenchReport, HbmBench, HbmBenchReport, bench_core, bench_dma, bench_hbm, bench_wait, completed,
};
use emulator::config::{Config, Routing};
use emulator::hbm::traffic::{Pattern, Traffic};
use emulator::noc::grid::Params;
use emulator::noc::traffic::{self, Load};
use emulator::systolic::{
    BenchModel, BenchRequest, GemmShape, SystolicBenchReport, bench_systolic,
};
use isa::DType;

use super::sim::ConfigArgs;
use super::{EXIT_IO, EXIT_OK, EXIT_USAGE, print_or_exit_code};

/// Measure the simulator's host speed.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  zw bench core                   simulated scalar instructions per host second
  zw bench core --json            the same as one JSON object
  zw bench wait                   the host cost of a tile waiting a billion cycles
  zw bench dma --json             DMA requests the ideal memory system serves per host second
  zw bench hbm                    one HBM2E stack streaming reads: bandwidth, latency, host speed
  zw bench hbm --outstanding 1    unloaded latency
  zw bench hbm --preset hbm3 --pattern random --read-ratio 0.5 --json
  zw bench systolic --rows 128 --cols 128 --dataflow os --m 512 --n 512 --k 512 --overlap off --json
  zw bench noc --mesh 8x8 --traffic uniform --rate 0.2     one load on the mesh NoC
  zw bench noc --mesh 4x4 --traffic transpose --sweep      latency against load, to saturation

Figures are host measurements: they vary from run to run and machine to machine.")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// A tight scalar loop on one tile: simulated instructions per host second.
    Core {
        /// Loop iterations (five instructions each).
        #[arg(long, default_value_t = 20_000_000)]
        iterations: u64,
        #[command(flatten)]
        config: ConfigArgs,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// One tile waiting on a thousand matrix operations of a million cycles each.
    Wait {
        /// Operations to wait for.
        #[arg(long, default_value_t = 1000)]
        ops: u64,
        /// Cycles each takes (`systolic.ideal_latency_cycles`).
        #[arg(long, default_value_t = 1_000_000)]
        cycles_per_op: u64,
        #[command(flatten)]
        config: ConfigArgs,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Every tile of the chip streaming from HBM: DMA requests per host second.
    Dma {
        /// Transfers per tile.
        #[arg(long, default_value_t = 64)]
        transfers: u64,
        /// Bytes per transfer.
        #[arg(long, default_value_t = 65536)]
        bytes: u64,
        #[command(flatten)]
        config: ConfigArgs,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Synthetic traffic on the mesh NoC: latency, accepted throughput, router-cycles per second.
    Noc(NocArgs),
    /// Synthetic traffic on the command-level HBM: achieved bandwidth against peak, latency,
    /// row-buffer hit rate, per-channel balance and host speed.
    Hbm {
        /// Speed bin: `hbm2`, `hbm2e` or `hbm3`.
        #[arg(long, default_value = "hbm2e")]
        preset: String,
        /// Stacks.
        #[arg(long, default_value_t = 1)]
        stacks: u32,
        /// Channels per stack (default: the preset's), each as wide as the preset's.
        #[arg(long)]
        channels: Option<u32>,
        /// `seq`, `random` or `strided`.
        #[arg(long, default_value = "seq")]
        pattern: String,
        /// Bytes between consecutive requests with `--pattern strided`.
        #[arg(long, default_value_t = 4096)]
        stride: u64,
        /// Share of reads, 0 to 1.
        #[arg(long, default_value_t = 1.0)]
        read_ratio: f64,
        /// Requests in all.
        #[arg(long, default_value_t = 2_000_000)]
        requests: u64,
        /// Bytes per request.
        #[arg(long, default_value_t = 64)]
        request_bytes: u64,
        /// Requests in flight at most (1: unloaded latency; the default covers one HBM2E
        /// stack's bandwidth × its loaded latency).
        #[arg(long, default_value_t = 2048)]
        outstanding: usize,
        /// `on` or `off`.
        #[arg(long, default_value = "on")]
        refresh: String,
        /// `open` or `closed`.
        #[arg(long, default_value = "open")]
        page: String,
        /// Seed of the random addresses and read/write choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        config: ConfigArgs,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// One matrix multiplication on the systolic array model.
    Systolic {
        /// PE rows of the array (default: the config's `systolic.rows`).
        #[arg(long)]
        rows: Option<u32>,
        /// PE columns of the array (default: the config's `systolic.cols`).
        #[arg(long)]
        cols: Option<u32>,
        /// `ws`, `os` or `is` (default: the config's `systolic.dataflow`).
        #[arg(long)]
        dataflow: Option<String>,
        /// `on` or `off`: consecutive folds overlap (default: the config's `systolic.overlap`).
        #[arg(long)]
        overlap: Option<String>,
        /// Rows of A and C.
        #[arg(long, default_value_t = 256)]
        m: u32,
        /// Columns of B and C.
        #[arg(long, default_value_t = 256)]
        n: u32,
        /// The reduction length.
        #[arg(long, default_value_t = 256)]
        k: u32,
        /// Element type of A and B.
        #[arg(long, default_value = "bf16")]
        dtype: String,
        /// `fast`, `register` or `both` (compared bit for bit and cycle for cycle).
        #[arg(long, default_value = "both")]
        model: String,
        #[command(flatten)]
        config: ConfigArgs,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// `zw bench noc`: Bernoulli injection per node, as network simulators drive a network.
#[derive(clap::Args)]
struct NocArgs {
    /// Mesh size, columns x rows.
    #[arg(long, default_value = "8x8")]
    mesh: String,
    /// uniform, transpose, bit-complement, hotspot or neighbor.
    #[arg(long, default_value = "uniform")]
    traffic: String,
    /// Offered load, flits per node per cycle.
    #[arg(long, default_value_t = 0.1, conflicts_with = "sweep")]
    rate: f64,
    /// Raise the load step by step until the mesh saturates; print the curve, write it as CSV.
    #[arg(long)]
    sweep: bool,
    /// The load step of --sweep, flits per node per cycle.
    #[arg(long, default_value_t = 0.02)]
    step: f64,
    /// Where --sweep writes its CSV.
    #[arg(long, default_value = "noc-sweep.csv")]
    csv: std::path::PathBuf,
    /// Also draw the --sweep curve as an SVG plot in FILE.
    #[arg(long, value_name = "FILE", requires = "sweep")]
    svg: Option<std::path::PathBuf>,
    /// Flits per packet.
    #[arg(long, default_value_t = 1)]
    packet_flits: u32,
    /// Virtual channels per virtual network (default: noc.vcs_per_vnet).
    #[arg(long)]
    vcs: Option<u32>,
    /// Flits per virtual-channel buffer (default: noc.vc_buffer_flits).
    #[arg(long)]
    vc_buffers: Option<u32>,
    /// Router pipeline stages (default: noc.router_latency_cycles).
    #[arg(long)]
    router_stages: Option<u32>,
    /// Link latency, cycles (default: noc.link_latency_cycles).
    #[arg(long)]
    link_latency: Option<u32>,
    /// xy or yx (default: noc.routing).
    #[arg(long)]
    routing: Option<String>,
    /// Cycles before measuring.
    #[arg(long, default_value_t = 2_000)]
    warmup: u64,
    /// Cycles measured.
    #[arg(long, default_value_t = 20_000)]
    cycles: u64,
    /// Seed of the traffic generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    config: ConfigArgs,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// The run `args` describe: the mesh keys of the config, then the flags.
fn noc_load(args: &NocArgs) -> Result<Load, String> {
    let c = args.config.load_from(Config::zw1())?;
    let (cols, rows) = args
        .mesh
        .split_once('x')
        .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)))
        .ok_or_else(|| format!("--mesh {}: give columns x rows, like 8x8", args.mesh))?;
    let routing = match args.routing.as_deref() {
        None => c.noc.routing,
        Some("xy") => Routing::Xy,
        Some("yx") => Routing::Yx,
        Some(other) => return Err(format!("--routing {other}: xy or yx")),
    };
    let load = Load {
        params: Params {
            cols,
            rows,
            vnets: 1,
            vcs_per_vnet: args.vcs.unwrap_or(c.noc.vcs_per_vnet),
            buffer_flits: args.vc_buffers.unwrap_or(c.noc.vc_buffer_flits),
            stages: args.router_stages.unwrap_or(c.noc.router_latency_cycles),
            link_latency: args.link_latency.unwrap_or(c.noc.link_latency_cycles),
            routing,
        },
        pattern: args.traffic.parse()?,
        rate: args.rate,
        packet_flits: args.packet_flits,
        warmup: args.warmup,
        cycles: args.cycles,
        seed: args.seed,
    };
    traffic::check(&load).map_err(|e| e.to_string())?;
    Ok(load)
}

fn noc(args: &NocArgs) -> Result<u8, String> {
    let load = noc_load(args)?;
    let p = &load.params;
    let what = format!(
        "{}x{} mesh, {} traffic, {}-flit packets, {} VCs of {} flits, {}-stage routers, {}-cycle links",
        p.cols,
        p.rows,
        load.pattern,
        load.packet_flits,
        p.vcs_per_vnet,
        p.buffer_flits,
        p.stages,
        p.link_latency
    );
    let mut text = String::new();
    if !args.sweep {
        let m = traffic::run(&load);
        if args.json {
            text = serde_json::to_string(&m).unwrap_or_default() + "\n";
        } else {
            text += &format!("noc: {what}\n");
            text += &point_line(&m);
            text += &format!(
                "  {:.1} M router-cycles/s ({} cycles, {:.3} s on the host)\n",
                m.router_cycles_per_host_second / 1e6,
                m.simulated_cycles,
                m.host_seconds
            );
        }
    } else {
        if !(args.step > 0.0 && args.step <= 1.0) {
            return Err(format!("--step {}: out of range (0, 1]", args.step));
        }
        let host = std::time::Instant::now();
        let points = traffic::sweep(&load, args.step);
        let seconds = host.elapsed().as_secs_f64();
        let saturation = traffic::saturation(&points);
        let router_cycles: u64 = points
            .iter()
            .map(|m| m.simulated_cycles * u64::from(p.nodes()))
            .sum();
        let mut csv = String::from(
            "offered_flits_per_node_cycle,accepted_flits_per_node_cycle,avg_packet_latency_cycles,p99_packet_latency_cycles,saturated\n",
        );
        for m in &points {
            csv += &format!(
                "{},{},{},{},{}\n",
                m.offered_flits_per_node_cycle,
                m.accepted_flits_per_node_cycle,
                m.avg_packet_latency_cycles,
                m.p99_packet_latency_cycles,
                m.saturated
            );
        }
        std::fs::write(&args.csv, csv)
            .map_err(|e| format!("cannot write {}: {e}", args.csv.display()))?;
        if let Some(path) = &args.svg {
            let plot = super::svg::sweep_plot(&points, saturation, &what);
            std::fs::write(path, plot)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        // The headline figures: the highest load the mesh still carried.
        let last = points
            .iter()
            .rev()
            .find(|m| {
                !m.saturated
                    && m.accepted_flits_per_node_cycle >= 0.95 * m.offered_flits_per_node_cycle
            })
            .or(points.first());
        let rate = router_cycles as f64 / seconds.max(1e-9);
        if args.json {
            let v = serde_json::json!({
                "avg_packet_latency_cycles": last.map(|m| m.avg_packet_latency_cycles),
                "p99_packet_latency_cycles": last.map(|m| m.p99_packet_latency_cycles),
                "accepted_flits_per_node_cycle": last.map(|m| m.accepted_flits_per_node_cycle),
                "saturation_flits_per_node_cycle": saturation,
                "router_cycles_per_host_second": rate,
                "points": points,
            });
            text = v.to_string() + "\n";
        } else {
            text += &format!("noc sweep: {what}\n");
            for m in &points {
                text += &point_line(m);
            }
            text += &format!(
                "  saturation throughput {saturation:.3} flits/node/cycle; {:.1} M router-cycles/s; curve in {}\n",
                rate / 1e6,
                args.csv.display()
            );
        }
    }
    Ok(match print_or_exit_code(&text) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    })
}

fn point_line(m: &traffic::Measured) -> String {
    format!(
        "  offered {:.3} accepted {:.3} flits/node/cycle, latency avg {:.1} p99 {} cycles ({} packets){}\n",
        m.offered_flits_per_node_cycle,
        m.accepted_flits_per_node_cycle,
        m.avg_packet_latency_cycles,
        m.p99_packet_latency_cycles,
        m.packets,
        if m.saturated { ", saturated" } else { "" }
    )
}

/// One tile of ZW-1, then the user's file and overrides.
fn one_tile(c: &ConfigArgs) -> Result<Config, String> {
    let mut base = Config::zw1();
    base.set("chip.tiles_x", "1").map_err(|e| e.to_string())?;
    base.set("chip.tiles_y", "1").map_err(|e| e.to_string())?;
    Ok(c.load_from(base)?)
}

fn print(report: &BenchReport, json: bool) -> u8 {
    let mut text = String::new();
    if json {
        text += &serde_json::to_string(report).unwrap_or_default();
        text += "\n";
    } else {
        text += &format!(
            "{}: {} tile{}, {} instructions retired in {} simulated cycles, {:.4} s on the host\n",
            report.bench,
            report.tiles,
            if report.tiles == 1 { "" } else { "s" },
            report.retired_instructions,
            report.simulated_cycles,
            report.host_seconds
        );
        text += &format!(
            "  {:.1} M instructions/s, {:.1} M simulated cycles/s\n",
            report.instructions_per_second / 1e6,
            report.cycles_per_second / 1e6
        );
        if let (Some(n), Some(rate)) = (report.requests, report.requests_per_host_second) {
            text += &format!("  {n} DMA requests, {:.1} M requests/s\n", rate / 1e6);
        }
    }
    if let Err(code) = print_or_exit_code(&text) {
        return code;
    }
    if completed(report) { EXIT_OK } else { EXIT_IO }
}

pub fn run(args: Args) -> u8 {
    let outcome = match args.command {
        Command::Core {
            iterations,
            config,
            json,
        } => one_tile(&config)
            .and_then(|c| bench_core(&c, iterations).map_err(|e| e.to_string()))
            .map(|r| print(&r, json)),
        Command::Dma {
            transfers,
            bytes,
            config,
            json,
        } => config
            .load_from(Config::zw1())
            .map_err(String::from)
            .and_then(|c| bench_dma(&c, transfers, bytes).map_err(|e| e.to_string()))
            .map(|r| print(&r, json)),
        Command::Hbm {
            preset,
            stacks,
            channels,
            pattern,
            stride,
            read_ratio,
            requests,
            request_bytes,
            outstanding,
            refresh,
            page,
            seed,
            config,
            json,
        } => hbm_bench(
            &config,
            &preset,
            stacks,
            channels,
            (&pattern, stride, read_ratio),
            (requests, request_bytes, outstanding, seed),
            (&refresh, &page),
        )
        .map(|r| print_hbm(&r, json)),
        Command::Wait {
            ops,
            cycles_per_op,
            config,
            json,
        } => one_tile(&config)
            .and_then(|mut c| {
                c.set("systolic.ideal_latency_cycles", &cycles_per_op.to_string())
                    .map_err(|e| e.to_string())?;
                bench_wait(&c, ops).map_err(|e| e.to_string())
            })
            .map(|r| print(&r, json)),
        Command::Noc(args) => noc(&args),
        Command::Systolic {
            rows,
            cols,
            dataflow,
            overlap,
            m,
            n,
            k,
            dtype,
            model,
            config,
            json,
        } => array_overrides(&config, rows, cols, dataflow, overlap)
            .and_then(|config| systolic(m, n, k, &dtype, &model, &config, json)),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}

/// The config with the array flags of `zw bench systolic` applied as `--set` overrides, so they are
/// validated like any other key.
fn array_overrides(
    config: &ConfigArgs,
    rows: Option<u32>,
    cols: Option<u32>,
    dataflow: Option<String>,
    overlap: Option<String>,
) -> Result<ConfigArgs, String> {
    let mut config = config.clone();
    let overlap = match overlap.as_deref() {
        None => None,
        Some("on") => Some("true"),
        Some("off") => Some("false"),
        Some(other) => return Err(format!("--overlap takes `on` or `off`, not `{other}`")),
    };
    let sets = [
        ("systolic.rows", rows.map(|r| r.to_string())),
        ("systolic.cols", cols.map(|c| c.to_string())),
        ("systolic.dataflow", dataflow.map(|d| format!("\"{d}\""))),
        ("systolic.overlap", overlap.map(str::to_string)),
    ];
    for (key, value) in sets {
        if let Some(value) = value {
            config.set.push(format!("{key}={value}"));
        }
    }
    Ok(config)
}

fn systolic(
    m: u32,
    n: u32,
    k: u32,
    dtype: &str,
    model: &str,
    config: &ConfigArgs,
    json: bool,
) -> Result<u8, String> {
    let c = config.load()?;
    let env = emulator::Env::from_config(&c).map_err(|e| e.to_string())?;
    let dtype = DType::from_name(dtype).ok_or_else(|| format!("unknown element type `{dtype}`"))?;
    let model = match model {
        "fast" => BenchModel::Fast,
        "register" => BenchModel::Register,
        "both" => BenchModel::Both,
        other => return Err(format!("unknown model `{other}` (fast, register, both)")),
    };
    let request = BenchRequest {
        config: env.array,
        dtype,
        shape: GemmShape::new(m, n, k),
        model,
        seed: 1,
    };
    let report = bench_systolic(&request).map_err(|e| e.to_string())?;
    let text = if json {
        serde_json::to_string(&report).unwrap_or_default() + "\n"
    } else {
        systolic_text(&report)
    };
    Ok(match print_or_exit_code(&text) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    })
}

/// `zw bench systolic`'s report in words.
fn systolic_text(r: &SystolicBenchReport) -> String {
    let mut s = format!(
        "systolic: {}x{} {} array{}, {} GEMM {}x{}x{} (M x N x K)\n",
        r.rows,
        r.cols,
        r.dataflow.name(),
        if r.overlap { ", folds overlapped" } else { "" },
        r.dtype,
        r.m,
        r.n,
        r.k
    );
    s += &format!(
        "  {} cycles in {} of {} cycles alone; {} MACs, {:.1}% of the array's peak\n",
        r.cycles,
        super::summary::count(r.folds as usize, "fold"),
        r.fold_cycles,
        r.macs,
        100.0 * r.utilization
    );
    let rate = |seconds: f64| r.macs as f64 / seconds.max(1e-12) / 1e9;
    if let Some(t) = r.fast_host_seconds {
        s += &format!(
            "  fast model:     {t:.6} s on the host, {:.2} G MAC/s\n",
            rate(t)
        );
    }
    if let Some(t) = r.register_host_seconds {
        s += &format!(
            "  register model: {t:.6} s on the host, {:.2} G MAC/s\n",
            rate(t)
        );
    }
    match r.models_agree {
        Some(true) => s += "  the two models agree in every output bit and in cycles\n",
        Some(false) => s += "  the two models DISAGREE\n",
        None => {}
    }
    s
}

/// Checks the `zw bench hbm` flags and runs it.
fn hbm_bench(
    config: &ConfigArgs,
    preset: &str,
    stacks: u32,
    channels: Option<u32>,
    (pattern, stride, read_ratio): (&str, u64, f64),
    (requests, request_bytes, outstanding, seed): (u64, u64, usize, u64),
    (refresh, page): (&str, &str),
) -> Result<HbmBenchReport, String> {
    let pattern = match pattern {
        "seq" => Pattern::Sequential,
        "random" => Pattern::Random,
        "strided" if stride > 0 => Pattern::Strided(stride),
        "strided" => return Err("--stride must be at least 1".into()),
        other => {
            return Err(format!(
                "--pattern takes seq, random or strided, not `{other}`"
            ));
        }
    };
    if !(0.0..=1.0).contains(&read_ratio) {
        return Err(format!(
            "--read-ratio must be between 0 and 1, not {read_ratio}"
        ));
    }
    let refresh = match refresh {
        "on" => true,
        "off" => false,
        other => return Err(format!("--refresh takes on or off, not `{other}`")),
    };
    if !matches!(page, "open" | "closed") {
        return Err(format!("--page takes open or closed, not `{page}`"));
    }
    let base = config.load_from(Config::zw1())?;
    let bench = HbmBench {
        preset: preset.to_string(),
        stacks,
        channels,
        traffic: Traffic {
            pattern,
            read_ratio,
            requests,
            request_bytes,
            outstanding,
            seed,
            span: 0,
        },
        refresh,
        page: page.to_string(),
    };
    bench_hbm(&base, &bench).map_err(|e| e.to_string())
}

fn print_hbm(r: &HbmBenchReport, json: bool) -> u8 {
    let text = if json {
        serde_json::to_string(r).unwrap_or_default() + "\n"
    } else {
        format!(
            "hbm: {} × {} stack{} of {} channels, {} requests of {} B ({}, {:.0}% reads, {} in flight)\n  \
             {:.1} GB/s of {:.1} GB/s peak ({:.1}%), row hit rate {:.3}, channel balance {:.3}\n  \
             latency mean {:.1} ns ({:.1} cycles), p50 {:.1} ns ({} cycles), p99 {:.1} ns ({} cycles)\n  \
             host {:.3} s: {:.2} M requests/s\n",
            r.preset,
            r.stacks,
            if r.stacks == 1 { "" } else { "s" },
            r.channels_per_stack,
            r.requests,
            r.request_bytes,
            r.pattern,
            r.read_ratio * 100.0,
            r.outstanding,
            r.bandwidth_gbps,
            r.peak_gbps,
            r.percent_of_peak,
            r.row_hit_rate,
            r.channel_balance,
            r.latency_ns_mean,
            r.latency_cycles_mean,
            r.latency_ns_p50,
            r.latency_cycles_p50,
            r.latency_ns_p99,
            r.latency_cycles_p99,
            r.host_seconds,
            r.requests_per_host_second / 1e6,
        )
    };
    match print_or_exit_code(&text) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}
