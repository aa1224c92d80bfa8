//! `zw run`: run a program on the simulated chip, cycle by cycle.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use emulator::loader;
use emulator::npy;
use emulator::stats::MachineStats;
use emulator::trace::ChromeTraceWriter;
use emulator::{Env, Exit, Machine, RunReport};
use isa::DType;

use super::sim::{
    ConfigArgs, EXIT_DEADLOCK, EXIT_MAX_CYCLES, EXIT_TRAP, ProgramError, parse_address,
    parse_number, read_program,
};
use super::{EXIT_ASSEMBLY, EXIT_IO, EXIT_OK, EXIT_USAGE, print_or_exit_code};

/// Run a program on the simulated ZW chip, cycle by cycle.
///
/// Every tile of every chip starts at `_start` (SPMD). The run ends when every tile has halted,
/// one traps, the tiles deadlock, or `--max-cycles` is reached; then it prints how it ended, the
/// simulated cycles and time, each engine's utilization, and the host's speed.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  zw run prog.s                              assemble and run on ZW-1
  zw run prog.elf --set chip.tiles_x=2       a smaller chip
  zw run k.s --load w.npy@0x40000000000      preload HBM from a NumPy file
  zw run k.s --dump output:bf16[64,256]=y.npy  save a result (a symbol works as address)
  zw run k.s --dump 0x10000000000:64=s.bin   save 64 raw bytes of tile 0's scratchpad
  zw run k.s --stats s.json --trace t.json   stats, and a trace for ui.perfetto.dev

Addresses are global (docs/isa.md, \"Memory map\"): an own scratchpad or accumulator address
loads into every tile and dumps tile 0's; an own L2 or HBM address is chip 0's (loads reach
every chip). Dump lengths are bytes, or DTYPE[D0,D1,...] (bf16 .npy files use descr '<V2').

Exit codes: 0 halted, 1 file error (stdout too), 2 usage or config error, 3 assembly error, 4 trap,
5 --max-cycles reached, 6 deadlock.")]
pub struct Args {
    /// The program: an ELF executable, or assembly source (`.s`, assembled on the fly).
    #[arg(value_name = "PROGRAM")]
    program: PathBuf,
    #[command(flatten)]
    config: ConfigArgs,
    /// Also look for `.include` and `.incbin` files in DIR (repeatable).
    #[arg(short = 'I', long = "include-dir", value_name = "DIR")]
    include_dirs: Vec<PathBuf>,
    /// Load FILE's bytes (raw, or an .npy array's data) at ADDR before the run (repeatable).
    #[arg(long, value_name = "FILE@ADDR")]
    load: Vec<String>,
    /// Write LEN bytes at ADDR to FILE after the run (raw, or .npy) (repeatable).
    #[arg(long, value_name = "ADDR:LEN=FILE")]
    dump: Vec<String>,
    /// Stop after this many cycles (exit code 5).
    #[arg(long, value_name = "N", value_parser = parse_cycles)]
    max_cycles: Option<u64>,
    /// Write stats (JSON, every figure with its unit) to FILE.
    #[arg(long, value_name = "FILE")]
    stats: Option<PathBuf>,
    /// Write a Chrome trace-event file (one track per engine per tile) to FILE.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Run the untimed reference interpreter instead (no cycles, stats or trace).
    #[arg(long)]
    reference: bool,
}

fn parse_cycles(s: &str) -> Result<u64, String> {
    parse_number(s).ok_or_else(|| format!("`{s}` is not a number"))
}

/// A `--dump` request.
struct Dump {
    addr: u64,
    len: u64,
    /// Element type and shape for an .npy file.
    array: Option<(DType, Vec<u64>)>,
    file: PathBuf,
}

fn parse_dump(text: &str, m: &Machine) -> Result<Dump, String> {
    let (spec, file) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("--dump {text}: expected ADDR:LEN=FILE"))?;
    let (addr, len) = spec
        .rsplit_once(':')
        .ok_or_else(|| format!("--dump {text}: expected ADDR:LEN=FILE"))?;
    let addr = parse_address(addr, m.program()).map_err(|e| format!("--dump {text}: {e}"))?;
    let file = PathBuf::from(file);
    if let Some(n) = parse_number(len) {
        let array = file
            .extension()
            .is_some_and(|e| e == "npy")
            .then(|| (DType::U8, vec![n]));
        return Ok(Dump {
            addr,
            len: n,
            array,
            file,
        });
    }
    let (name, dims) = match len.split_once('[') {
        Some((name, rest)) => {
            let inner = rest
                .strip_suffix(']')
                .ok_or_else(|| format!("--dump {text}: expected DTYPE[D0,D1,...]"))?;
            let dims = inner
                .split(',')
                .map(|d| {
                    parse_number(d).ok_or_else(|| format!("--dump {text}: bad dimension `{d}`"))
                })
                .collect::<Result<Vec<u64>, String>>()?;
            (name, dims)
        }
        None => {
            return Err(format!(
                "--dump {text}: `{len}` is neither a length nor DTYPE[SHAPE]"
            ));
        }
    };
    let dtype = DType::from_name(name).ok_or_else(|| {
        format!("--dump {text}: unknown element type `{name}` (i8, u8, i32, e4m3, e5m2, bf16, fp16, fp32)")
    })?;
    let len = dims
        .iter()
        .try_fold(dtype.size(), |a, &d| a.checked_mul(d))
        .ok_or_else(|| {
            format!(
                "--dump {text}: {} elements of {name} are more bytes than 2^64",
                shape(&dims)
            )
        })?;
    Ok(Dump {
        addr,
        len,
        array: Some((dtype, dims)),
        file,
    })
}

/// `[D0,D1,...]`, for messages.
fn shape(dims: &[u64]) -> String {
    let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
    format!("[{}]", dims.join(","))
}

/// Checks, before the run, that a dump's bytes lie in one memory the host can read.
fn check_dump(m: &Machine, text: &str, d: &Dump) -> Result<(), String> {
    let place = m
        .env()
        .map
        .resolve_span(d.addr, 0, i128::from(d.len), 0, 0)
        .map_err(|e| format!("--dump {text}: {e}"))?;
    if place.memory == isa::memory_map::Memory::Imem {
        return Err(format!(
            "--dump {text}: {:#x} is in instruction memory, which the host cannot read",
            d.addr
        ));
    }
    Ok(())
}

/// An output that would overwrite an input (the program, `--config`, a `--load` file), or two
/// outputs that are one file: found before the run, so nothing is lost after it.
fn clashing_files(args: &Args) -> Option<String> {
    let mut inputs = vec![(
        format!("the program `{}`", args.program.display()),
        args.program.as_path(),
    )];
    if let Some(c) = &args.config.config {
        inputs.push((format!("--config `{}`", c.display()), c.as_path()));
    }
    for l in &args.load {
        if let Some((file, _)) = l.rsplit_once('@') {
            inputs.push((format!("--load `{file}`"), Path::new(file)));
        }
    }
    let mut outputs = Vec::new();
    if let Some(s) = &args.stats {
        outputs.push((format!("--stats `{}`", s.display()), s.as_path()));
    }
    if let Some(t) = &args.trace {
        outputs.push((format!("--trace `{}`", t.display()), t.as_path()));
    }
    for d in &args.dump {
        if let Some((_, file)) = d.rsplit_once('=') {
            outputs.push((format!("--dump `{file}`"), Path::new(file)));
        }
    }
    super::clash(&inputs, &outputs)
}

/// Loads one `--load FILE@ADDR`. Files are mapped, not copied, into L2 and HBM.
fn load(m: &mut Machine, text: &str) -> Result<(), (u8, String)> {
    let usage = |e: String| (EXIT_USAGE, format!("--load {text}: {e}"));
    let (file, addr) = text
        .rsplit_once('@')
        .ok_or_else(|| usage("expected FILE@ADDR".to_string()))?;
    let addr = parse_address(addr, m.program()).map_err(usage)?;
    let path = PathBuf::from(file);
    let is_npy = path.extension().is_some_and(|e| e == "npy");
    // A pipe (`<(cmd)`) is read, as far as fits at ADDR (plus an .npy header).
    let map = &m.env().map;
    let place = map.resolve(addr, 0, 0).map_err(|e| usage(e.to_string()))?;
    let room = map.size(place.memory).saturating_sub(place.offset);
    let limit = if is_npy {
        room.saturating_add(1 << 16)
    } else {
        room
    };
    let bytes = loader::map_file_bounded(&path, limit).map_err(|e| (EXIT_IO, e.to_string()))?;
    let bytes = if is_npy {
        let h = npy::parse((*bytes).as_ref()).map_err(|e| (EXIT_IO, format!("{file}: {e}")))?;
        loader::share(&bytes, h.data_offset, h.data_len)
            .ok_or_else(|| (EXIT_IO, format!("{file}: truncated")))?
    } else {
        bytes
    };
    m.write_shared(addr, bytes)
        .map_err(|e| (EXIT_USAGE, format!("--load {text}: {e}")))
}

fn write_dump(m: &Machine, d: &Dump) -> Result<(), String> {
    let bytes = m
        .read(d.addr, d.len)
        .map_err(|e| format!("--dump {}: {e}", d.file.display()))?;
    let out = match &d.array {
        Some((dtype, shape)) => npy::write(*dtype, shape, &bytes).map_err(|e| e.to_string())?,
        None => bytes,
    };
    std::fs::write(&d.file, out).map_err(|e| format!("cannot write {}: {e}", d.file.display()))
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The human summary of a run, on stdout.
fn summary(m: &Machine, report: &RunReport, stats: &MachineStats, program: &str) -> String {
    let env = m.env();
    let cycles = report.cycles.get();
    let mut s = String::new();
    let tiles = env.map.tiles as usize * env.map.chips as usize;
    s += &format!(
        "program   {program} on {}: {} tile{} x {} chip{}, {:.3} GHz\n",
        stats.config_name,
        env.map.tiles,
        if env.map.tiles == 1 { "" } else { "s" },
        env.map.chips,
        if env.map.chips == 1 { "" } else { "s" },
        env.clock.hz() as f64 / 1e9
    );
    let ended = match &report.exit {
        Exit::Halted => "every tile halted".to_string(),
        Exit::Trapped(t) => format!("trap: {t}"),
        Exit::MaxCycles => "stopped at --max-cycles".to_string(),
        Exit::Deadlock(w) => format!("deadlock ({} tiles waiting)", w.len()),
    };
    s += &format!("ended     {ended}\n");
    s += &format!(
        "simulated {cycles} cycles = {:.3} us\n",
        env.clock.microseconds_f64(report.cycles)
    );
    s += &format!(
        "retired   {} instructions ({:.3} per cycle per tile)\n",
        report.retired_instructions,
        report.retired_instructions as f64 / cycles.max(1) as f64 / tiles.max(1) as f64
    );
    let mut busy = [0u64; 5];
    let mut stalled = [0u64; 5];
    for c in &stats.chips {
        for t in &c.tiles {
            let units = [
                (t.control.busy_cycles, t.control.stalled_cycles),
                (t.dma_in.busy_cycles, t.dma_in.stalled_cycles),
                (t.dma_out.busy_cycles, t.dma_out.stalled_cycles),
                (t.matrix.busy_cycles, t.matrix.stalled_cycles),
                (t.vector.busy_cycles, t.vector.stalled_cycles),
            ];
            for (i, (b, st)) in units.into_iter().enumerate() {
                busy[i] += b;
                stalled[i] += st;
            }
        }
    }
    let whole = cycles * tiles as u64;
    s += "busy      (share of cycles, all tiles; stalled in brackets)\n";
    for (i, name) in ["control", "dma-in", "dma-out", "matrix", "vector"]
        .iter()
        .enumerate()
    {
        s += &format!(
            "  {name:<8} {:6.2}%  ({:.2}% stalled)\n",
            percent(busy[i], whole),
            percent(stalled[i], whole)
        );
    }
    for c in &stats.chips {
        let Some(h) = &c.hbm else { continue };
        // Achieved over the run's simulated time, against the peak of every stack.
        let seconds = env.clock.seconds_f64(report.cycles).max(1e-18);
        let achieved = h.bytes() as f64 / seconds / 1e9;
        let peak = h.peak_bytes_per_s as f64 / 1e9;
        let refreshes: u64 = h.channels.iter().map(|ch| ch.refresh_commands).sum();
        s += &format!(
            "hbm       chip {}: {achieved:.1} GB/s of {peak:.1} GB/s peak ({:.2}%), {} bytes, \
             row hit rate {:.3}, {refreshes} refreshes\n",
            c.chip,
            100.0 * achieved / peak.max(1e-9),
            h.bytes(),
            h.row_hit_rate(),
        );
    }
    s += &format!(
        "host      {:.4} s: {:.2} M simulated cycles/s, {:.2} M instructions/s\n",
        report.host_seconds,
        report.cycles_per_second() / 1e6,
        report.instructions_per_second() / 1e6
    );
    s
}

fn exit_code(exit: &Exit) -> u8 {
    match exit {
        Exit::Halted => EXIT_OK,
        Exit::Trapped(_) => EXIT_TRAP,
        Exit::MaxCycles => EXIT_MAX_CYCLES,
        Exit::Deadlock(_) => EXIT_DEADLOCK,
    }
}

/// Reports an ended run on stderr (traps, deadlocks) and gives the exit code.
fn report_exit(exit: &Exit) -> u8 {
    match exit {
        Exit::Trapped(t) => eprintln!("error: {t}"),
        Exit::Deadlock(_) => eprintln!("error: {exit}"),
        Exit::MaxCycles => {
            eprintln!("error: the run reached --max-cycles before every tile halted")
        }
        Exit::Halted => {}
    }
    exit_code(exit)
}

pub fn run(args: Args) -> u8 {
    let config = match args.config.load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    // A documented implementation that is not built runs as its substitute: say so.
    for u in config.unmodelled() {
        eprintln!("warning: {u}");
    }
    let env = match Env::from_config(&config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let program = match read_program(&args.program, &args.include_dirs, &env.map) {
        Ok(p) => p,
        Err(ProgramError::Io(e)) => {
            eprintln!("error: {e}");
            return EXIT_IO;
        }
        Err(ProgramError::Assembly(report)) => {
            eprint!("{report}");
            return EXIT_ASSEMBLY;
        }
    };
    if let Some(clash) = clashing_files(&args) {
        eprintln!("error: {clash}");
        return EXIT_USAGE;
    }
    let mut m = Machine::with_env(env, program);
    for l in &args.load {
        if let Err((code, e)) = load(&mut m, l) {
            eprintln!("error: {e}");
            return code;
        }
    }
    let dumps = match args
        .dump
        .iter()
        .map(|d| parse_dump(d, &m).and_then(|dump| check_dump(&m, d, &dump).map(|()| dump)))
        .collect::<Result<Vec<Dump>, String>>()
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };

    if args.reference {
        let exit = m.run_reference(args.max_cycles.unwrap_or(u64::MAX));
        // The files first: a closed or full stdout must not lose them.
        let files = write_dumps(&m, &dumps);
        let printed = print_or_exit_code(&format!("ended     {exit} (reference interpreter)\n"));
        let code = report_exit(&exit);
        return files.and(printed).err().unwrap_or(code);
    }

    let report = match &args.trace {
        Some(path) => {
            let file = match File::create(path) {
                Ok(f) => BufWriter::new(f),
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return EXIT_IO;
                }
            };
            let mut writer = match ChromeTraceWriter::new(file, m.env().clock) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return EXIT_IO;
                }
            };
            let report = m.run_traced(args.max_cycles, &mut writer);
            if let Err(e) = writer.finish().and_then(|mut w| w.flush()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_IO;
            }
            report
        }
        None => m.run(args.max_cycles),
    };
    let stats = m.stats(&report.exit);
    // The files first: a closed or full stdout must not lose them.
    let mut files = Ok(());
    if let Some(path) = &args.stats {
        let text = serde_json::to_string_pretty(&stats).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            eprintln!("error: cannot write {}: {e}", path.display());
            files = Err(EXIT_IO);
        }
    }
    let files = files.and(write_dumps(&m, &dumps));
    let printed = print_or_exit_code(&summary(
        &m,
        &report,
        &stats,
        &args.program.display().to_string(),
    ));
    let code = report_exit(&report.exit);
    files.and(printed).err().unwrap_or(code)
}

/// Writes every `--dump` file, going on after a failure; `Err(EXIT_IO)` if any failed.
fn write_dumps(m: &Machine, dumps: &[Dump]) -> Result<(), u8> {
    let mut result = Ok(());
    for d in dumps {
        if let Err(e) = write_dump(m, d) {
            eprintln!("error: {e}");
            result = Err(EXIT_IO);
        }
    }
    result
}
