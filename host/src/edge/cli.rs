//! The `citizen-edge` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};

use crate::edge::outbox::Outbox;
use crate::edge::serve::Budget;
use crate::edge::sync::{Cloud, Follow};
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
        #[command(flatten)]
        files: crate::files::PredictFiles,
        #[command(flatten)]
        sandbox: Sandbox,
    },
    /// Serve the cloud's predict API for the models held here, with health
    /// and metrics.
    Serve {
        /// A model to serve: NAME=FILE.onnx, or with --cloud NAME (its latest
        /// version) or NAME:ALIAS, synced from the registry (repeat).
        #[arg(long = "model", required = true)]
        models: Vec<String>,
        /// A `citizen serve` registry to sync models from, e.g. http://10.0.0.5:8080.
        #[arg(long)]
        cloud: Option<String>,
        /// An API token for --cloud (a reader token for the model will do).
        #[arg(long, env = "CITIZEN_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Where synced models are kept, so a restart serves them offline.
        #[arg(long, default_value = "citizen-edge-data")]
        data_dir: PathBuf,
        /// Seconds between two syncs with the cloud.
        #[arg(long, default_value_t = 30)]
        sync_secs: u64,
        /// Address to listen on (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: std::net::SocketAddr,
        /// Largest request body, in MiB.
        #[arg(long, default_value_t = 64)]
        max_body_mib: usize,
        /// With --cloud: a CSV or JSON Lines batch whose estimated cost
        /// (rows × the model's fuel per row, measured on its golden cases)
        /// is above this many fuel units goes to the cloud's batch endpoint
        /// as a job instead of being predicted here. The default is a few
        /// seconds of one core.
        #[arg(long, default_value_t = 10_000_000_000)]
        local_budget: u64,
        /// With --cloud: a batch of more rows than this goes to the cloud.
        #[arg(long)]
        local_max_rows: Option<u64>,
        #[command(flatten)]
        sandbox: Sandbox,
    },
}

/// Runs the command line; errors are printed, never panics.
pub fn main() -> ExitCode {
    crate::files::exit(run(Cli::parse()))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Predict { files, sandbox } => {
            let (from, to) = files.formats()?;
            let input = &files.input;
            let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
            let (runtime, limits) = sandbox.open()?;
            let out = crate::wasi_engine::predict_file(&runtime, limits, &files.model, &bytes, from, to)
                .with_context(|| format!("{}", input.display()))?;
            crate::files::write_output(files.output.as_deref(), &out)
        }
        Command::Serve {
            models,
            addr,
            max_body_mib,
            cloud,
            token,
            data_dir,
            sync_secs,
            local_budget,
            local_max_rows,
            sandbox,
        } => {
            let mut files = Vec::new();
            let mut follows = Vec::new();
            for spec in &models {
                match spec.split_once('=') {
                    Some((name, path)) => {
                        crate::edge::serve::check_name(name).map_err(|e| anyhow!("--model {spec:?}: {}", e.message))?;
                        files.push((name.to_string(), PathBuf::from(path)));
                    }
                    None if cloud.is_some() => {
                        follows.push(Follow::parse(spec).with_context(|| format!("--model {spec:?}"))?)
                    }
                    None => bail!("--model {spec:?}: say NAME=FILE.onnx, or give --cloud to sync NAME[:ALIAS]"),
                }
            }
            let mut expected: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
            expected.extend(follows.iter().map(|f| f.name.clone()));
            let (runtime, limits) = sandbox.open()?;
            let edge = Arc::new(crate::edge::Edge::new(runtime, limits));
            for (name, path) in files {
                let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                edge.insert(&name, None, bytes).with_context(|| format!("{}", path.display()))?;
            }
            crate::http::init_logging();
            let cloud = match cloud {
                Some(url) => {
                    let token = token.ok_or_else(|| anyhow!("--cloud needs --token (or CITIZEN_TOKEN)"))?;
                    let cloud = Arc::new(Cloud::new(&url, &token, &data_dir)?);
                    for f in &follows {
                        match cloud.load_kept(&edge, &f.name) {
                            Ok(Some(v)) => tracing::info!(model = %f.name, version = v, "serving the kept copy"),
                            Ok(None) => {}
                            Err(e) => tracing::warn!(model = %f.name, "the kept copy is not usable: {e:#}"),
                        }
                    }
                    Some(cloud)
                }
                None => None,
            };
            let metrics = Arc::new(crate::http::metrics::Metrics::new());
            let outbox = match &cloud {
                Some(c) => Some(Arc::new(Outbox::open(&data_dir.join("outbox"), c.clone(), metrics.clone())?)),
                None => None,
            };
            let config = crate::edge::serve::Config {
                addr,
                max_body_bytes: max_body_mib << 20,
                expected,
                outbox: outbox.clone(),
                budget: Budget { fuel: local_budget, rows: local_max_rows },
                metrics,
            };
            tokio::runtime::Runtime::new()?.block_on(async move {
                if let Some(cloud) = cloud {
                    tokio::spawn(cloud.run(edge.clone(), follows, Duration::from_secs(sync_secs.max(1))));
                }
                if let Some(outbox) = outbox {
                    tokio::spawn(outbox.run());
                }
                crate::edge::serve::serve(config, edge).await
            })
        }
    }
}
