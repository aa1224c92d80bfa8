//! `zw bench`: measure the simulator itself.

use emulator::bench::{BenchReport, bench_core, bench_dma, bench_wait, completed};
use emulator::config::Config;
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
