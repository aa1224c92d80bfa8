//! `zw run`: run a program on the simulated chip, cycle by cycle.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use emulator::config::NocImpl;
use emulator::loader;
use emulator::noc::floorplan::Floorplan;
use emulator::npy;
use emulator::stats::MachineStats;
use emulator::trace::ChromeTraceWriter;
use emulator::{Env, Exit, Machine, Piece};
use isa::DType;

use super::place::Place;
use super::sim::{
    ConfigArgs, EXIT_DEADLOCK, EXIT_MAX_CYCLES, EXIT_RACES, EXIT_TRAP, ProgramError, parse_number,
    read_program,
};
use super::sparse::SparseFile;
use super::summary::Summary;
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
  zw run k.s --json -v                       the summary as one JSON object, each tile too

Addresses are global (docs/isa.md, \"Memory map\"): an own scratchpad or accumulator address
loads into every tile and dumps tile 0's; an own L2 or HBM address is chip 0's (loads reach
every chip). chipN: and tileN: before an address name the chip and tile; chip*: and tile*:
pick them all, stacked in a dump (--dump 'tile*:out:fp32[64]=o.npy' has shape (tiles, 64)).
Dump lengths are bytes, or DTYPE[D0,D1,...] (bf16 .npy files use descr '<V2'). A --load at a
symbol must fit in it.

Exit codes: 0 halted, 1 file error (stdout too), 2 usage or config error, 3 assembly error, 4 trap,
5 --max-cycles reached, 6 deadlock, 7 races found by --check races (in a run that halted).")]
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
    /// Draw the mesh network's links coloured by their load as an SVG picture in FILE
    /// (needs noc.impl = "mesh").
    #[arg(long, value_name = "FILE")]
    noc_heatmap: Option<PathBuf>,
    /// Run the untimed reference interpreter instead (no cycles, stats or trace).
    #[arg(long)]
    reference: bool,
    /// Print the summary as one JSON object (for scripts).
    #[arg(long)]
    json: bool,
    /// Also give each tile's busy and stalled shares.
    #[arg(short, long)]
    verbose: bool,
    /// Check the run: `races` reports every pair of accesses to the same bytes, one a write,
    /// that no synchronization orders (docs/races.md; exit code 7).
    #[arg(long, value_name = "WHAT", value_enum)]
    check: Vec<Check>,
}

/// What `--check` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Check {
    /// Data races between the cores and engines of every tile and chip.
    Races,
}

fn parse_cycles(s: &str) -> Result<u64, String> {
    parse_number(s).ok_or_else(|| format!("`{s}` is not a number"))
}

/// A `--dump` request.
struct Dump {
    /// Where each stacked piece starts (one, unless `chip*:` or `tile*:` picked several).
    addrs: Vec<u64>,
    /// Bytes of each piece.
    len: u64,
    /// Element type and shape for an .npy file (the stacked dimensions first).
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
    let place = Place::parse(addr, m.program()).map_err(|e| format!("--dump {text}: {e}"))?;
    let (addrs, stack) = place
        .addresses(&m.env().map)
        .map_err(|e| format!("--dump {text}: {e}"))?;
    let stacked = |dims: Vec<u64>| stack.iter().copied().chain(dims).collect::<Vec<u64>>();
    let file = PathBuf::from(file);
    if let Some(n) = parse_number(len) {
        let array = file
            .extension()
            .is_some_and(|e| e == "npy")
            .then(|| (DType::U8, stacked(vec![n])));
        return Ok(Dump {
            addrs,
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
        addrs,
        len,
        array: Some((dtype, stacked(dims))),
        file,
    })
}

/// `[D0,D1,...]`, for messages.
fn shape(dims: &[u64]) -> String {
    let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
    format!("[{}]", dims.join(","))
}

/// Checks, before the run, that a dump's bytes lie in one memory the host can read, and that
/// its `.npy` header can be written.
fn check_dump(m: &Machine, text: &str, d: &Dump) -> Result<(), String> {
    for &addr in &d.addrs {
        let place = m
            .env()
            .map
            .resolve_span(addr, 0, i128::from(d.len), 0, 0)
            .map_err(|e| format!("--dump {text}: {e}"))?;
        if place.memory == isa::memory_map::Memory::Imem {
            return Err(format!(
                "--dump {text}: {addr:#x} is in instruction memory, which the host cannot read"
            ));
        }
    }
    if let Some((dtype, shape)) = &d.array {
        npy::header(*dtype, shape).map_err(|e| format!("--dump {text}: {e}"))?;
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
    if let Some(h) = &args.noc_heatmap {
        outputs.push((format!("--noc-heatmap `{}`", h.display()), h.as_path()));
    }
    for d in &args.dump {
        if let Some((_, file)) = d.rsplit_once('=') {
            outputs.push((format!("--dump `{file}`"), Path::new(file)));
        }
    }
    super::clash(&inputs, &outputs)
}

/// Every output file (`--stats`, `--trace`, `--dump`): checked before the run that its folder
/// exists and takes a new file, so a long run is not lost to a mistyped path at its end.
fn unwritable_output(args: &Args) -> Option<String> {
    let dumps = args
        .dump
        .iter()
        .filter_map(|d| d.rsplit_once('=').map(|(_, f)| f));
    let outputs = [&args.stats, &args.trace, &args.noc_heatmap]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .chain(dumps.map(Path::new));
    for path in outputs {
        if path.is_dir() {
            return Some(format!(
                "cannot write {}: it is a directory",
                path.display()
            ));
        }
        // A device or pipe is written through; a regular file goes in its folder.
        if path.exists() && !path.is_file() {
            continue;
        }
        let folder = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Some(format!(
                "cannot write {}: the folder {} does not exist",
                path.display(),
                folder.display()
            ));
        }
        if let Err(e) = tempfile::tempfile_in(folder) {
            return Some(format!(
                "cannot write {}: the folder {} does not take new files ({e})",
                path.display(),
                folder.display()
            ));
        }
    }
    None
}

/// Loads one `--load FILE@ADDR`. Files are mapped, not copied, into L2 and HBM.
fn load(m: &mut Machine, text: &str) -> Result<(), (u8, String)> {
    let usage = |e: String| (EXIT_USAGE, format!("--load {text}: {e}"));
    let (file, addr) = text
        .rsplit_once('@')
        .ok_or_else(|| usage("expected FILE@ADDR".to_string()))?;
    let target = Place::parse(addr, m.program()).map_err(usage)?;
    let (addrs, _) = target.addresses(&m.env().map).map_err(usage)?;
    let addr = addrs[0];
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
    // A symbol's bytes end where the next thing begins: more would overwrite it.
    let len = (*bytes).as_ref().len() as u64;
    if let Some((name, room)) = target.room(m.program())
        && len > room
    {
        return Err(usage(format!(
            "the data is {len} bytes, more than the {room} bytes of `{name}` from there"
        )));
    }
    for addr in addrs {
        m.write_shared(addr, bytes.clone())
            .map_err(|e| (EXIT_USAGE, format!("--load {text}: {e}")))?;
    }
    Ok(())
}

/// Writes one `--dump` file piece by piece, so its size does not bound the host's memory.
fn write_dump(m: &Machine, d: &Dump) -> Result<(), String> {
    let name = d.file.display();
    let header = match &d.array {
        Some((dtype, shape)) => {
            npy::header(*dtype, shape).map_err(|e| format!("--dump {name}: {e}"))?
        }
        None => Vec::new(),
    };
    let cannot = |e: std::io::Error| format!("cannot write {name}: {e}");
    let mut out = SparseFile::create(&d.file).map_err(cannot)?;
    out.write(&header).map_err(cannot)?;
    for &addr in &d.addrs {
        let pieces = m
            .read_pieces(addr, d.len)
            .map_err(|e| format!("--dump {name}: {e}"))?;
        for piece in pieces {
            match piece {
                Piece::Bytes(bytes) => out.write(&bytes),
                Piece::Zeros(n) => out.zeros(n),
            }
            .map_err(cannot)?;
        }
    }
    out.finish().map_err(cannot)
}

/// Writes the stats as JSON, streamed: a system of many tiles has many figures.
fn write_stats(path: &Path, stats: &MachineStats) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    serde_json::to_writer_pretty(&mut out, stats)?;
    out.write_all(b"\n")?;
    out.flush()
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
            return e.code;
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
    if args.reference
        && (args.stats.is_some() || args.trace.is_some() || args.noc_heatmap.is_some())
    {
        eprintln!(
            "error: --reference runs the untimed interpreter, which keeps no stats and draws no \
             trace: drop --stats, --trace and --noc-heatmap, or --reference"
        );
        return EXIT_USAGE;
    }
    if args.noc_heatmap.is_some() && config.noc.implementation != NocImpl::Mesh {
        eprintln!(
            "error: --noc-heatmap draws the links of the mesh network: add --set noc.impl=mesh"
        );
        return EXIT_USAGE;
    }
    if let Some(problem) = unwritable_output(&args) {
        eprintln!("error: {problem}");
        return EXIT_IO;
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

    let check_races = args.check.contains(&Check::Races);
    if check_races && args.reference {
        eprintln!("error: --check races checks the cycle-accurate run, not --reference");
        return EXIT_USAGE;
    }
    if check_races {
        m.check_races();
    }

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
    if let Some(path) = &args.stats
        && let Err(e) = write_stats(path, &stats)
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        files = Err(EXIT_IO);
    }
    if let Some(path) = &args.noc_heatmap
        && let Err(e) = std::fs::write(path, heatmap(&m, &stats))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        files = Err(EXIT_IO);
    }
    let files = files.and(write_dumps(&m, &dumps));
    let races = m.races();
    let summary = Summary::of(
        &m,
        &report,
        &stats,
        &args.program.display().to_string(),
        args.verbose,
    )
    .with_races(races.as_ref().map(Vec::len));
    let printed = print_or_exit_code(&if args.json {
        summary.json()
    } else {
        summary.text()
    });
    let mut code = report_exit(&report.exit);
    if let Some(races) = races {
        code = report_races(&races, code);
    }
    files.and(printed).err().unwrap_or(code)
}

/// The heat map of every chip's mesh links over the run.
fn heatmap(m: &Machine, stats: &MachineStats) -> String {
    let plan = Floorplan::of(&m.env().config).ok();
    let chips: Vec<_> = stats
        .chips
        .iter()
        .filter_map(|c| c.noc.as_ref().map(|n| (c.chip, n, plan.as_ref())))
        .collect();
    super::svg::heatmap(&chips, stats.total_cycles)
}

/// Reports the races found on stderr; a run that halted with races gives `EXIT_RACES`.
fn report_races(races: &[emulator::Race], code: u8) -> u8 {
    if races.is_empty() {
        return code;
    }
    let n = races.len();
    eprintln!(
        "error: {} found (pairs of instructions whose accesses no synchronization orders):",
        super::summary::count(n, "race")
    );
    for r in races {
        eprintln!("{r}");
    }
    if code == EXIT_OK { EXIT_RACES } else { code }
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
