//! `immich`: the command-line tool; everything is in the library's [`immich_cli::run`].

fn main() {
    let env = immich_cli::Env::from_process();
    let status = immich_cli::run(
        std::env::args_os().skip(1),
        &env,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(status);
}
