//! `citizen`: the command line. Thin: the work is in the libraries.

/// mimalloc: the server allocates many small, short-lived buffers per
/// request, where glibc's allocator took about a fifth of the time
/// (`perf record` under `scripts/serve-bench.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    host::cli::main()
}
