//! `zw config`: show the effective chip configuration, or check a configuration file.

use std::path::PathBuf;

use emulator::config::Config;

use super::sim::{ConfigArgs, LoadError};
use super::{EXIT_OK, EXIT_USAGE};

/// Show or check chip configurations.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  zw config show                              the built-in ZW-1, every key
  zw config show --set systolic.rows=128      with one key changed
  zw config show --config mychip.toml         a file's effective configuration
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
    Show(ConfigArgs),
    /// Check a configuration file: print every problem, each naming its key.
    Check {
        /// The file to check.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

pub fn run(args: Args) -> u8 {
    match args.command {
        Command::Show(c) => match c.load() {
            Ok(config) => {
                // Lines the emulator does not model as given carry a comment saying so.
                match super::print_or_exit_code(&config.to_marked_toml_string()) {
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
