//! `citizen-edge`: the edge host. Thin: the work is in `host::edge`.
//! Build it without the cloud parts:
//! `cargo build --release -p host --no-default-features --bin citizen-edge`.

fn main() -> std::process::ExitCode {
    host::edge::cli::main()
}
