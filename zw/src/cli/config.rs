//! `zw config`: show the effective chip configuration, or check a configuration file.

use std::path::PathBuf;

use emulator::config::{Config, NocImpl};
use emulator::noc::floorplan::Floorplan;

use super::sim::{ConfigArgs, LoadError};
use super::{EXIT_OK, EXIT_USAGE};

/// Show or check chip configurations.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  zw config show                              the built-in ZW-1, every key
  zw config show --set systolic.rows=128      with one key changed
  zw config show --config mychip.toml         a file's effective configuration
  zw config show --floorplan                  where tiles, HBM, L2 and fabric ports sit on the mesh
  zw config check mychip.toml                 is the file valid? (exit 2 if not, 1 if unreadable)

docs/config.md lists every key with its unit, range, source and what reads it.")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Print the effective configuration as TOML (it parses back to the same configuration);
    /// a comment marks each key the emulator does not model as given.
    Show {
        #[command(flatten)]
        config: ConfigArgs,
        /// Print the floorplan of the network mesh instead, as a grid of routers, north up:
        /// T tiles, H HBM controllers, L L2 slices, F fabric ports, `.` nothing.
        #[arg(long)]
        floorplan: bool,
    },
    /// Check a configuration file: print every problem, each naming its key.
    Check {
        /// The file to check.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// The floorplan of `config`'s mesh, with a line saying what it shows.
fn floorplan_text(config: &Config) -> Result<String, String> {
    let resolved = config.resolve().map_err(|e| e.to_string())?;
    let plan = Floorplan::of(&resolved).map_err(|(key, why)| format!("{key}: {why}"))?;
    let n = &resolved.config.noc;
    let note = if n.implementation == NocImpl::Mesh {
        ""
    } else {
        " (noc.impl = \"ideal\": the mesh is not used)"
    };
    Ok(format!(
        "{}x{} mesh, north up{note}: T tile, H HBM controller, L L2 slice, F fabric port\n{plan}",
        plan.cols, plan.rows
    ))
}

pub fn run(args: Args) -> u8 {
    match args.command {
        Command::Show { config, floorplan } => match config.load() {
            Ok(config) => {
                let text = if floorplan {
                    match floorplan_text(&config) {
                        Ok(t) => t,
                        Err(e) => {
                            eprintln!("error: {e}");
                            return EXIT_USAGE;
                        }
                    }
                } else {
                    // Lines the emulator does not model as given carry a comment saying so.
                    config.to_marked_toml_string()
                };
                match super::print_or_exit_code(&text) {
                    Ok(()) => EXIT_OK,
                    Err(code) => code,
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                e.code
            }
        },
        Command::Check { file } => {
            let config = match Config::from_file(&file) {
                Ok(c) => c,
                Err(e) => {
                    let e = LoadError::from(e);
                    eprintln!("error: {e}");
                    return e.code;
                }
            };
            let problems = config.problems();
            if problems.is_empty() {
                for u in config.unmodelled() {
                    eprintln!("warning: {}: {u}", file.display());
                }
                return match super::print_or_exit_code(&format!("{}: valid\n", file.display())) {
                    Ok(()) => EXIT_OK,
                    Err(code) => code,
                };
            }
            for p in &problems {
                eprintln!("error: {}: {p}", file.display());
            }
            // The exit code `zw run` gives for the same file.
            EXIT_USAGE
        }
    }
}
