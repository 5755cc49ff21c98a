//! `citizen`: the command line. Thin: the work is in the libraries.

fn main() -> std::process::ExitCode {
    host::cli::main()
}
