// SPDX-License-Identifier: GPL-2.0
//! statsfs-top: the command line, and the exit status of each failure.

use std::io;
use std::process::ExitCode;

use statsfs_top::cli::{self, Cli, Mode};
use statsfs_top::error::{Failure, EXIT_DENIED, EXIT_FAILURE, EXIT_NO_SUCH};
use statsfs_top::run;
use statsfs_top::tree::ReadError;

fn exit_code(e: &anyhow::Error) -> u8 {
    if let Some(f) = e.downcast_ref::<Failure>() {
        return f.code();
    }
    match e.downcast_ref::<ReadError>() {
        Some(ReadError::Missing(_)) => EXIT_NO_SUCH,
        Some(ReadError::Denied(_)) => EXIT_DENIED,
        _ => EXIT_FAILURE,
    }
}

fn main() -> ExitCode {
    let (source, mode) = Cli::parse_args().mode();
    let result = match mode {
        Mode::Man => cli::man_page(&mut io::stdout().lock()).map_err(anyhow::Error::from),
        Mode::Top(select) => run::top(&source, &select),
        Mode::Once(select, output) => run::once(&source, &select, &output),
        Mode::Log(select, output, to) => run::log(&source, &select, &output, &to),
        Mode::Serve(s) => run::serve(&source, &s),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe (statsfs-top -l | head) ends the run quietly.
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            // A denied read says how to be allowed.
            match e.downcast_ref::<ReadError>() {
                Some(ReadError::Denied(p)) => {
                    eprintln!("statsfs-top: {}", Failure::Denied(p.display().to_string()))
                }
                _ => eprintln!("statsfs-top: {e}"),
            }
            ExitCode::from(exit_code(&e))
        }
    }
}
