//! `zw`: the command-line front end. A thin dispatcher: each subcommand is one module of `cli/`
//! that parses its own arguments (clap derive) and calls into the library crates, where all the
//! work is done and tested.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cli;

/// The zw toolchain for the ZW-1 accelerator: assemble, disassemble, run and measure programs.
#[derive(Parser)]
#[command(
    name = "zw",
    version,
    propagate_version = true,
    after_help = cli::EXIT_CODES_HELP,
    after_long_help = cli::EXIT_CODES_HELP
)]
struct Zw {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Asm(cli::asm::Args),
    Objdump(cli::objdump::Args),
    Run(cli::run::Args),
    Config(cli::config::Args),
    Bench(cli::bench::Args),
}

fn main() -> ExitCode {
    let zw = Zw::parse();
    let code = match zw.command {
        Command::Asm(args) => cli::asm::run(args),
        Command::Objdump(args) => cli::objdump::run(args),
        Command::Run(args) => cli::run::run(args),
        Command::Config(args) => cli::config::run(args),
        Command::Bench(args) => cli::bench::run(args),
    };
    ExitCode::from(code)
}
