//! `zw bench`: measure the simulator itself.

use emulator::bench::{
    BenchReport, HbmBench, HbmBenchReport, bench_core, bench_dma, bench_hbm, bench_wait, completed,
};
use emulator::config::Config;
use emulator::hbm::traffic::{Pattern, Traffic};
use emulator::systolic::{BenchModel, BenchRequest, GemmShape, bench_systolic};
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

/// One tile of ZW-1, then the user's file and overrides.
fn one_tile(c: &ConfigArgs) -> Result<Config, String> {
    let mut base = Config::zw1();
    base.set("chip.tiles_x", "1").map_err(|e| e.to_string())?;
    base.set("chip.tiles_y", "1").map_err(|e| e.to_string())?;
    c.load_from(base)
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
        serde_json::to_string(&report).unwrap_or_default()
    } else {
        serde_json::to_string_pretty(&report).unwrap_or_default()
    };
    Ok(match print_or_exit_code(&(text + "\n")) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    })
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
