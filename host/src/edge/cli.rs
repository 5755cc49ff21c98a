//! The `citizen-edge` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};

use crate::wasi_engine::{Limits, WasiRuntime, find_module};

#[derive(Parser)]
#[command(
    name = "citizen-edge",
    version,
    about = "Predict at the edge with the runtime's WebAssembly module under wasmtime: the same answers as the browser and the cloud."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the runtime module is and how much one call may use.
#[derive(clap::Args)]
struct Sandbox {
    /// The runtime's WASI module (default: `runtime_wasm.wasm` next to this
    /// executable). Compiled once and cached as a `.cwasm` beside it.
    #[arg(long, env = "CITIZEN_WASM_MODULE")]
    module: Option<PathBuf>,
    /// Compute budget of one prediction call, in fuel units (about one per
    /// WebAssembly instruction).
    #[arg(long, default_value_t = Limits::default().fuel_per_call)]
    fuel: u64,
    /// Memory limit of one module instance, in MiB.
    #[arg(long, default_value_t = 1024)]
    memory_mib: usize,
}

impl Sandbox {
    fn open(&self) -> Result<(WasiRuntime, Limits)> {
        let module = find_module(self.module.as_deref())?;
        let runtime = WasiRuntime::open(&module).with_context(|| format!("{}", module.display()))?;
        let limits = Limits {
            fuel_per_call: self.fuel,
            memory_bytes: self.memory_mib.checked_mul(1 << 20).ok_or_else(|| anyhow!("--memory-mib is too large"))?,
            ..Limits::default()
        };
        Ok((runtime, limits))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Predict every row of a CSV, JSON Lines or JSON file; the output is
    /// byte-identical to `citizen predict`'s.
    Predict {
        /// The model file (.onnx).
        #[arg(long, short)]
        model: PathBuf,
        /// The rows: .csv, .jsonl/.ndjson or .json.
        input: PathBuf,
        /// Where to write (default: standard output). Written atomically.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Input format when the extension does not tell: csv, jsonl, json.
        #[arg(long)]
        from: Option<String>,
        /// Output format (default: from the output's extension, else the input's).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        sandbox: Sandbox,
    },
    /// Serve the cloud's predict API for the models held here, with health
    /// and metrics.
    Serve {
        /// A model to serve: NAME=FILE.onnx (repeat).
        #[arg(long = "model", required = true)]
        models: Vec<String>,
        /// Address to listen on (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: std::net::SocketAddr,
        /// Largest request body, in MiB.
        #[arg(long, default_value_t = 16)]
        max_body_mib: usize,
        #[command(flatten)]
        sandbox: Sandbox,
    },
}

/// Runs the command line; errors are printed, never panics.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Predict { model, input, output, from, to, sandbox } => {
            let (from, to) = crate::files::formats(&input, output.as_deref(), from.as_deref(), to.as_deref())?;
            let bytes = std::fs::read(&input).with_context(|| format!("cannot read {}", input.display()))?;
            let (runtime, limits) = sandbox.open()?;
            let out = crate::wasi_engine::predict_file(&runtime, limits, &model, &bytes, from, to)
                .with_context(|| format!("{}", input.display()))?;
            crate::files::write_output(output.as_deref(), &out)
        }
        Command::Serve { models, addr, max_body_mib, sandbox } => {
            let mut files = Vec::new();
            for spec in &models {
                let Some((name, path)) = spec.split_once('=') else {
                    bail!("--model {spec:?}: say NAME=FILE.onnx");
                };
                crate::edge::serve::check_name(name).map_err(|e| anyhow!("--model {spec:?}: {}", e.message))?;
                files.push((name.to_string(), PathBuf::from(path)));
            }
            let (runtime, limits) = sandbox.open()?;
            let edge = crate::edge::Edge::new(runtime, limits);
            for (name, path) in files {
                let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                edge.insert(&name, None, bytes).with_context(|| format!("{}", path.display()))?;
            }
            init_tracing();
            let config = crate::edge::serve::Config { addr, max_body_bytes: max_body_mib << 20 };
            tokio::runtime::Runtime::new()?.block_on(crate::edge::serve::serve(config, std::sync::Arc::new(edge)))
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
