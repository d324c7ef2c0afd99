//! The benchmark: `cargo run --release -p immich-tests --bin bench [-- --smoke | --large] [--runs N] [--out PATH]`.
//!
//! Prints a table comparing our transports with curl on a local sink server and writes it to
//! `target/bench/results.md` (`results-smoke.md` in smoke mode). See `immich_tests::bench`.

use std::path::PathBuf;
use std::process::ExitCode;

#[cfg(unix)]
fn main() -> ExitCode {
    use immich_tests::bench;

    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return ExitCode::from(u8::try_from(bench::child_main(&args[1..])).unwrap_or(1));
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    let large = !smoke && args.iter().any(|a| a == "--large");
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let name = if smoke {
                "results-smoke.md"
            } else if large {
                "results-large.md"
            } else {
                "results.md"
            };
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/bench")
                .join(name)
        });
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("bench: cannot find my own binary: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut config = if smoke {
        bench::Config::smoke(exe)
    } else if large {
        bench::Config::large(exe)
    } else {
        bench::Config::full(exe)
    };
    if let Some(runs) = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<usize>().ok())
    {
        config.runs = runs.clamp(1, 50);
    }
    if cfg!(debug_assertions) && !smoke {
        eprintln!("bench: this is a debug build; use `cargo run --release ...` for real figures");
    }
    eprintln!(
        "bench: {} mode, {} run(s) per case ...",
        if smoke {
            "smoke"
        } else if large {
            "large"
        } else {
            "full"
        },
        config.runs
    );
    let report = match bench::run(&config) {
        Ok(report) => report,
        Err(failure) => {
            eprintln!("bench: {failure}");
            return ExitCode::FAILURE;
        }
    };
    let table = report.markdown();
    println!("{table}");
    if let Err(failure) = bench::write_report(&report, &out) {
        eprintln!("bench: {failure}");
        return ExitCode::FAILURE;
    }
    eprintln!("bench: written to {}", out.display());
    ExitCode::SUCCESS
}

#[cfg(not(unix))]
fn main() -> ExitCode {
    eprintln!("bench: needs a unix system (process groups, wait4, /proc)");
    ExitCode::FAILURE
}
