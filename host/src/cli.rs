//! The `citizen` command line.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use manifest::{Feature, FieldKind, OutputKind};
use runtime_wasm::Model;
use runtime_wasm::format;

use crate::server as host_server;

#[derive(Parser)]
#[command(name = "citizen", version, about = "Train a model on a spreadsheet; predict anywhere with the same answers.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train the best model for a column of a table in a time budget and
    /// write it as one self-describing ONNX file.
    Train {
        /// The table: .csv, .jsonl/.ndjson, .json or .parquet (or --dataset).
        #[arg(required_unless_present = "dataset")]
        data: Option<PathBuf>,
        /// Train on a dataset's curated table in the store (--store) instead of a file.
        #[arg(long, conflicts_with = "data")]
        dataset: Option<String>,
        /// The store holding --dataset.
        #[arg(long, env = "CITIZEN_STORE", default_value = "citizen-store")]
        store: String,
        /// The column to predict.
        #[arg(long)]
        target: String,
        /// regression or classification (default: inferred from the target).
        #[arg(long)]
        task: Option<String>,
        /// How long the model search may take: 30s, 2m, or seconds.
        #[arg(long, default_value = "30s")]
        time_budget: String,
        /// rmse, mae, r2 (regression); accuracy, log-loss, auc (classification).
        #[arg(long)]
        metric: Option<String>,
        /// Columns not to use (repeat, or separate with commas).
        #[arg(long, value_delimiter = ',')]
        exclude: Vec<String>,
        /// Numeric columns to read as categories, e.g. codes (repeat, or separate with commas).
        #[arg(long, value_delimiter = ',')]
        categorical: Vec<String>,
        /// Seed of every random choice: same seed, same model.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// The model file to write (default: <data>-<target>.onnx).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The model's name (default: from the output file name).
        #[arg(long)]
        name: Option<String>,
        /// Keep the winner as fitted during the search (on its first
        /// validation split's training rows) instead of refitting it on all rows.
        #[arg(long)]
        no_refit: bool,
    },
    /// Compare a table of recent rows with the data a model was trained on,
    /// field by field (population stability index): stable, shifted or drifted.
    Drift {
        /// The model file (.onnx), trained by citizen (it carries the profiles).
        #[arg(long)]
        model: PathBuf,
        /// The recent rows: CSV, JSON Lines, JSON or Parquet.
        data: PathBuf,
        /// Print the report as JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Show a model's manifest: fields, outputs, metrics, golden cases.
    Inspect {
        /// The model file (.onnx).
        model: PathBuf,
        /// Print the manifest as JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Predict every row of a CSV, JSON Lines or JSON file; the output is the
    /// input with the output columns appended.
    Predict {
        #[command(flatten)]
        files: crate::files::PredictFiles,
        /// The engine: `tract` (the runtime, native), `wasm` (the runtime's
        /// WASI module under wasmtime, as at the edge) or `ort` (ONNX Runtime,
        /// as for cloud batches).
        #[arg(long, default_value = "tract")]
        engine: Engine,
    },
    /// Run the server: registry, prediction API, batch jobs, web app.
    Serve {
        /// The store: a folder (created if missing), or s3://, az://, gs:// URL.
        #[arg(long, env = "CITIZEN_STORE", default_value = "citizen-store")]
        store: String,
        /// Address to listen on (port 0: any free port, printed at start).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Origins allowed to call the API from browsers (repeat; `*` for any).
        #[arg(long = "cors-origin")]
        cors_origins: Vec<String>,
        /// Largest request body for predictions, in MiB.
        #[arg(long, default_value_t = 16)]
        max_body_mib: usize,
        /// Largest batch upload, in MiB.
        #[arg(long, default_value_t = 10240)]
        max_batch_mib: u64,
        /// Restart a batch job when its server's heartbeat is this many seconds old.
        #[arg(long, default_value_t = 30)]
        job_stale_secs: u64,
        /// The web app's built files, served at `/` (`bash scripts/build-web.sh` builds them).
        #[arg(long)]
        web_dir: Option<PathBuf>,
        /// An origin allowed to embed the web app as a tab, e.g. https://teams.example.com (repeat).
        #[arg(long = "frame-ancestor")]
        frame_ancestors: Vec<String>,
        /// Where event streams are logged (local disk) before they reach the store.
        #[arg(long)]
        wal_dir: Option<PathBuf>,
        /// The first retry of a failed webhook delivery, in milliseconds (then doubling).
        #[arg(long, default_value_t = 1000)]
        hook_retry_ms: u64,
        /// How often the retraining policies are checked, in seconds.
        #[arg(long, default_value_t = 60.0)]
        policy_check: f64,
    },
    /// Publish a model file as the next version of a model in the registry.
    Publish {
        /// The model file (.onnx) with its manifest.
        model: PathBuf,
        /// The model's name in the registry (default: the manifest's name).
        #[arg(long)]
        name: Option<String>,
        /// Also point this alias (e.g. prod) at the new version.
        #[arg(long)]
        alias: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Land a CSV, JSON Lines, JSON or Parquet file in a dataset of the lake
    /// (raw and immutable, with an ingest record), then refresh its curated table.
    Ingest {
        /// The file: .csv, .jsonl/.ndjson, .json or .parquet.
        file: PathBuf,
        #[arg(long)]
        dataset: String,
        /// The row key column (set by the dataset's first file); default: a hash of each row.
        #[arg(long)]
        key: Option<String>,
        /// Accept a file whose columns or types differ from the dataset's (recorded).
        #[arg(long)]
        allow_schema_change: bool,
        /// This file replaces the dataset's earlier files.
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Score a dataset's curated table with a model: the outputs as new
    /// columns of a scored table; a refresh predicts only new or changed rows.
    Score {
        #[arg(long)]
        dataset: String,
        /// MODEL, MODEL:ALIAS or MODEL@VERSION.
        #[arg(long)]
        model: String,
        #[command(flatten)]
        target: Target,
    },
    /// Manage API tokens (stored only as hashes).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

/// Where a registry command goes: a running server, or the store directly.
#[derive(clap::Args)]
struct Target {
    /// A running server, e.g. http://127.0.0.1:8080 (with --token).
    #[arg(long, env = "CITIZEN_SERVER", conflicts_with = "store")]
    server: Option<String>,
    /// An API token for --server (maker or admin).
    #[arg(long, env = "CITIZEN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The store itself (a folder or URL), without a server.
    #[arg(long, env = "CITIZEN_STORE")]
    store: Option<String>,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (shown only this once).
    Create {
        #[arg(long)]
        role: host_server::auth::Role,
        /// For readers: the one model the token may use.
        #[arg(long)]
        model: Option<String>,
        /// A note to tell tokens apart.
        #[arg(long)]
        label: Option<String>,
        #[arg(long, env = "CITIZEN_STORE", default_value = "citizen-store")]
        store: String,
    },
    /// List tokens (ids, roles; never the tokens themselves).
    List {
        #[arg(long, env = "CITIZEN_STORE", default_value = "citizen-store")]
        store: String,
    },
    /// Revoke a token by its id.
    Revoke {
        id: String,
        #[arg(long, env = "CITIZEN_STORE", default_value = "citizen-store")]
        store: String,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Engine {
    Tract,
    Wasm,
    Ort,
}

/// Runs the command line; errors are printed, never panics.
pub fn main() -> ExitCode {
    crate::files::exit(run(Cli::parse()))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train {
            data,
            dataset,
            store,
            target,
            task,
            time_budget,
            metric,
            mut exclude,
            categorical,
            seed,
            output,
            name,
            no_refit,
        } => match (data, dataset) {
            (Some(data), _) => {
                train(&data, target, task, &time_budget, metric, (exclude, categorical), seed, output, name, !no_refit)
            }
            (None, Some(dataset)) => {
                let dir = crate::lake::table::tempdir("train")?;
                let file = dir.join(format!("{dataset}.parquet"));
                let lake = crate::lake::Lake::new(host_server::store::Store::open(&store)?);
                let (info, bytes) = runtime()?.block_on(lake.table_bytes(&dataset))?;
                std::fs::write(&file, &bytes)?;
                eprintln!("Dataset {dataset}: curated table of {} rows", info.rows);
                exclude.extend([crate::lake::table::KEY.to_string(), crate::lake::table::HASH.to_string()]);
                let output =
                    output.or_else(|| Some(PathBuf::from(format!("{dataset}-{}.onnx", target.to_lowercase()))));
                let columns = (exclude, categorical);
                let r = train(&file, target, task, &time_budget, metric, columns, seed, output, name, !no_refit);
                let _ = std::fs::remove_dir_all(&dir);
                r
            }
            (None, None) => bail!("give a table file or --dataset NAME"),
        },
        Command::Ingest { file, dataset, key, allow_schema_change, replace, target } => {
            ingest(&file, &dataset, crate::lake::IngestOptions { key, allow_schema_change, replace }, target)
        }
        Command::Score { dataset, model, target } => score(&dataset, &model, target),
        Command::Inspect { model, json } => inspect(&model, json),
        Command::Drift { model, data, json } => drift(&model, &data, json),
        Command::Predict { files, engine } => predict(&files, engine),
        Command::Serve {
            store,
            addr,
            cors_origins,
            max_body_mib,
            max_batch_mib,
            job_stale_secs,
            web_dir,
            frame_ancestors,
            wal_dir,
            hook_retry_ms,
            policy_check,
        } => {
            for origin in &frame_ancestors {
                host_server::check_frame_ancestor(origin).map_err(anyhow::Error::msg)?;
            }
            if let Some(dir) = &web_dir
                && !dir.join("index.html").is_file()
            {
                anyhow::bail!(
                    "--web-dir {}: there is no index.html in it (build the web app with `bash scripts/build-web.sh`)",
                    dir.display()
                );
            }
            let config = host_server::Config {
                store,
                addr,
                cors_origins,
                max_body_bytes: max_body_mib << 20,
                max_batch_bytes: max_batch_mib << 20,
                job_stale_after: std::time::Duration::from_secs(job_stale_secs),
                web_dir,
                frame_ancestors,
                wal_dir,
                hook_retry_base: std::time::Duration::from_millis(hook_retry_ms),
                policy_check: std::time::Duration::from_secs_f64(policy_check.max(0.1)),
                ..Default::default()
            };
            crate::http::init_logging();
            runtime()?.block_on(host_server::serve(config))
        }
        Command::Publish { model, name, alias, target } => publish(&model, name, alias, target),
        Command::Token { command } => token(command),
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num.trim().parse().map_err(|_| anyhow!("cannot read the time budget {s:?}: write e.g. 30s or 2m"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => bail!("cannot read the time budget {s:?}: write e.g. 30s or 2m"),
    };
    if !(secs > 0.0 && secs.is_finite()) {
        bail!("the time budget must be more than zero");
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[allow(clippy::too_many_arguments)]
fn train(
    data: &Path,
    target: String,
    task: Option<String>,
    time_budget: &str,
    metric: Option<String>,
    (exclude, categorical): (Vec<String>, Vec<String>),
    seed: u64,
    output: Option<PathBuf>,
    name: Option<String>,
    refit: bool,
) -> Result<()> {
    use trainer::search::{Metric, Options, Progress};
    let task = match task.as_deref() {
        None => None,
        Some("regression") => Some(manifest::Task::Regression),
        Some("classification") => Some(manifest::Task::Classification),
        Some(t) => bail!("unknown task {t:?}: use regression or classification"),
    };
    let metric = match metric.as_deref() {
        None => None,
        Some(m) => Some(
            Metric::parse(m)
                .ok_or_else(|| anyhow!("unknown metric {m:?}: use rmse, mae, r2, accuracy, log-loss or auc"))?,
        ),
    };
    let output = output.unwrap_or_else(|| {
        let stem = data.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
        PathBuf::from(format!(
            "{stem}-{}.onnx",
            target.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-")
        ))
    });
    let name = name.unwrap_or_else(|| output.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let time_budget = parse_duration(time_budget)?;
    let opts = Options { target, task, metric, time_budget, exclude, seed, name, refit, categorical, cancel: None };
    let dataset = trainer::data::load(data)?;
    eprintln!("Read {} ({} rows, {} columns)\n", dataset.source, dataset.table.len(), dataset.table.width());
    // On a terminal the running candidate is one live line, rewritten in
    // place; elsewhere (a log, a pipe) only the lines to keep are written.
    let live = std::io::stderr().is_terminal();
    let mut shown = false;
    let trained = trainer::search::train(&dataset, &opts, &mut |event| match event {
        Progress::Line(line) if shown => {
            eprintln!("\r\x1b[2K{line}");
            shown = false;
        }
        Progress::Line(line) => eprintln!("{line}"),
        Progress::Status(text) if live => {
            let width = terminal_width();
            let text: String = text.chars().take(width.saturating_sub(1)).collect();
            eprint!("\r\x1b[2K{text}");
            shown = true;
        }
        Progress::Status(_) | Progress::Tried { .. } => {}
    });
    if shown {
        eprint!("\r\x1b[2K");
    }
    let trained = trained?;
    eprintln!(
        "\nLeaderboard ({}, {}):",
        trained.metric.name(),
        if matches!(trained.metric, Metric::R2 | Metric::Accuracy | Metric::Auc) {
            "higher is better"
        } else {
            "lower is better"
        }
    );
    eprintln!("  {:<4} {:<10} {:<46} {:>18} {:>9}", "rank", "family", "parameters", "cv score", "fit time");
    let mut order: Vec<usize> = (0..trained.leaderboard.len()).collect();
    let hib = matches!(trained.metric, Metric::R2 | Metric::Accuracy | Metric::Auc);
    order.sort_by(|&a, &b| {
        let (x, y) = (trained.leaderboard[a].mean, trained.leaderboard[b].mean);
        if hib { y.total_cmp(&x) } else { x.total_cmp(&y) }
    });
    for (rank, &i) in order.iter().enumerate() {
        let e = &trained.leaderboard[i];
        let mark = if i == trained.winner { " <- winner" } else { "" };
        eprintln!(
            "  {:<4} {:<10} {:<46} {:>9.4} ± {:<6.4} {:>7.2} s{mark}",
            rank + 1,
            e.family,
            e.described(),
            e.mean,
            e.std,
            e.fit_seconds
        );
    }
    eprintln!("\nOn held-out rows: {}", trained.evaluation.summary);
    write_atomically(&output, &trained.bytes)?;
    eprintln!(
        "\nWrote {} ({} bytes): {} golden cases reproduced by the runtime. Try: citizen inspect {}",
        output.display(),
        trained.bytes.len(),
        trained.manifest.golden.len(),
        output.display()
    );
    Ok(())
}

/// Columns of the terminal (`COLUMNS` when the shell exports it, else 80),
/// so the live line does not wrap: a wrapped line could not be rewritten.
fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|&w| w > 20).unwrap_or(80)
}

/// Loads a model file, naming the file in any error.
pub fn load(path: &Path) -> Result<Model> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Model::load(&bytes).with_context(|| format!("{}", path.display()))
}

fn predict(files: &crate::files::PredictFiles, engine: Engine) -> Result<()> {
    let (model, input, output) = (files.model.as_path(), files.input.as_path(), files.output.as_deref());
    let (from, to) = files.formats()?;
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    // The model's problems are named by the model's path (on loading),
    // the rows' by the input's (the `with_context` below): no `?` in the
    // arms after loading, or an error would leave without the input's name.
    let out = match engine {
        Engine::Tract => format::predict_file(&load(model)?, &bytes, from, to).map_err(anyhow::Error::from),
        Engine::Wasm => {
            let runtime = crate::wasi_engine::WasiRuntime::open(&crate::wasi_engine::find_module(None)?)?;
            crate::wasi_engine::predict_file(&runtime, Default::default(), model, &bytes, from, to)
        }
        Engine::Ort => {
            let model_bytes = std::fs::read(model).with_context(|| format!("cannot read {}", model.display()))?;
            let m =
                crate::ort_engine::OrtModel::load(&model_bytes, 0).with_context(|| format!("{}", model.display()))?;
            m.predict_file(&bytes, from, to)
        }
    }
    .with_context(|| format!("{}", input.display()))?;
    crate::files::write_output(output, &out)
}

pub use crate::files::write_atomically;

fn drift(model: &Path, data: &Path, json: bool) -> Result<()> {
    let m = load(model)?;
    let manifest = m.manifest().with_context(|| format!("{} has no citizen manifest", model.display()))?;
    let rows = trainer::data::load(data)?;
    let report = manifest::drift::table_drift(manifest, &rows.table).with_context(|| {
        format!(
            "{} carries no profile of its training data (it was trained before citizen recorded one): train it again to check drift",
            model.display()
        )
    })?;
    let out = if json { serde_json::to_string_pretty(&report)? + "\n" } else { drift_text(&report, &rows.source) };
    std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes())?;
    Ok(())
}

/// A drift report for people: one line per field, most moved first.
pub fn drift_text(r: &manifest::drift::DriftReport, source: &str) -> String {
    let mut s = String::new();
    let verdict = if r.drifted { "DRIFT: retrain or check the data" } else { "no field has drifted" };
    let _ = writeln!(s, "{} rows of {source} against the training data: {verdict}", r.rows);
    if let Some(note) = &r.note {
        let _ = writeln!(s, "note: {note}");
    }
    let _ = writeln!(s, "\n  {:<22} {:>8}  {:<8}  moved most (bin: training -> now)", "field", "PSI", "level");
    for f in &r.fields {
        let moved: Vec<String> = f.moved.iter().map(|(b, then, now)| format!("{b}: {then:.3} -> {now:.3}")).collect();
        let _ = writeln!(s, "  {:<22} {:>8.4}  {:<8}  {}", f.name, f.psi, f.level, moved.join("; "));
    }
    let _ = writeln!(s, "\nPSI: below 0.1 stable, 0.1 to 0.25 shifted, above 0.25 drifted.");
    s
}

fn inspect(path: &Path, json: bool) -> Result<()> {
    let model = load(path)?;
    let mut s = String::new();
    match model.manifest() {
        Some(m) if json => s = m.to_json() + "\n",
        Some(m) => {
            writeln!(s, "{} ({:?}, manifest format {})", m.name, m.task, m.format_version)?;
            if !m.description.is_empty() {
                writeln!(s, "{}", m.description)?;
            }
            writeln!(s, "\nInputs ({}):", m.signature.inputs.len())?;
            for f in &m.signature.inputs {
                let kind = match &f.kind {
                    FieldKind::Numeric { min, max } => match (min, max) {
                        (Some(a), Some(b)) => format!("number, seen {a} to {b}"),
                        _ => "number".into(),
                    },
                    FieldKind::Categorical { categories } => format!("one of {}", categories.join(", ")),
                    FieldKind::Boolean => "yes/no".into(),
                };
                let default = match &f.default {
                    Some(d) if !d.is_null() => format!(" (default {d})"),
                    _ => String::new(),
                };
                writeln!(s, "  {:<22} {kind}{default}", f.name)?;
            }
            writeln!(s, "\nOutputs:")?;
            for o in &m.signature.outputs {
                let kind = match &o.kind {
                    OutputKind::Numeric => "number".to_string(),
                    OutputKind::Label { classes } => format!("label: {}", classes.join(", ")),
                    OutputKind::Probabilities { classes } => format!("probability of each of {}", classes.join(", ")),
                };
                writeln!(s, "  {:<22} {kind}", o.name)?;
            }
            let onehot = m.preprocessing.features.iter().filter(|f| matches!(f, Feature::OneHot { .. })).count();
            writeln!(
                s,
                "\nPreprocessing: {} features into `{}` ({} one-hot)",
                m.preprocessing.features.len(),
                m.preprocessing.onnx_input,
                onehot
            )?;
            if !m.metrics.is_empty() {
                let metrics: Vec<String> = m.metrics.iter().map(|(k, v)| format!("{k} {v}")).collect();
                writeln!(s, "Metrics: {}", metrics.join(", "))?;
            }
            if let Some(t) = &m.training_data {
                writeln!(s, "Trained on: {} ({} rows, sha256 {})", t.source, t.rows, short(&t.sha256))?;
            }
            let report = runtime_wasm::describe::check_golden(&model)?;
            let failed = report["mismatches"].as_array().map(Vec::len).unwrap_or(0);
            writeln!(
                s,
                "Golden cases: {} ({} pass here)",
                m.golden.len(),
                m.golden.len() - failed.min(m.golden.len())
            )?;
            if failed > 0 {
                for mm in report["mismatches"].as_array().into_iter().flatten() {
                    writeln!(s, "  MISMATCH {mm}")?;
                }
                print!("{s}");
                bail!("the model does not reproduce its own golden cases");
            }
        }
        None => {
            let file = model.file();
            writeln!(s, "{}: a plain ONNX model (no citizen manifest)", path.display())?;
            let sig = runtime_wasm::describe::signature_json(file);
            writeln!(s, "Inputs:  {}", sig["inputs"])?;
            writeln!(s, "Outputs: {}", sig["outputs"])?;
            let mut ops: Vec<String> = Vec::new();
            for (d, o, _) in file.operators() {
                let op = format!("{d}:{o}");
                if !ops.contains(&op) {
                    ops.push(op);
                }
            }
            writeln!(s, "Operators: {}", ops.join(", "))?;
        }
    }
    print!("{s}");
    Ok(())
}

fn short(s: &str) -> &str {
    s.get(..12).unwrap_or(s)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

fn publish(path: &Path, name: Option<String>, alias: Option<String>, target: Target) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let (_, manifest) =
        host_server::models::validate(&bytes).map_err(|e| anyhow!("{}: {}", path.display(), e.message))?;
    let name = name.unwrap_or_else(|| manifest.name.clone());
    host_server::registry::check_name("model", &name).map_err(|e| anyhow!("{}", e.message))?;
    let rt = runtime()?;
    let (version, location) = match (target.server, target.store) {
        (Some(server), _) => {
            let token = target.token.ok_or_else(|| anyhow!("--server needs --token (or CITIZEN_TOKEN)"))?;
            let mut url = format!("{}/models/{name}/versions", server.trim_end_matches('/'));
            if let Some(a) = &alias {
                url.push_str(&format!("?alias={a}"));
            }
            let reply: serde_json::Value = rt.block_on(async {
                let r = reqwest::Client::new()
                    .post(&url)
                    .bearer_auth(token)
                    .header("content-type", "application/octet-stream")
                    .body(bytes)
                    .send()
                    .await
                    .with_context(|| format!("calling {server}"))?;
                let status = r.status();
                let body: serde_json::Value =
                    r.json().await.with_context(|| format!("reading the answer of {server}"))?;
                if !status.is_success() {
                    bail!(
                        "{server} refused the model ({status}): {}",
                        body["error"]["message"].as_str().unwrap_or("no reason given")
                    );
                }
                Ok(body)
            })?;
            (reply["version"].as_u64().unwrap_or(0), server)
        }
        (None, store) => {
            let store = store.unwrap_or_else(|| "citizen-store".into());
            let registry = host_server::registry::Registry::new(host_server::store::Store::open(&store)?);
            let info = rt.block_on(registry.publish(&name, bytes.into(), "cli", alias.as_deref()))?;
            (info.version, store)
        }
    };
    let alias = alias.map(|a| format!(" (alias {a})")).unwrap_or_default();
    println!("Published {name} version {version}{alias} to {location}");
    Ok(())
}

/// A server's JSON answer, or its error message.
async fn call(r: reqwest::RequestBuilder, server: &str) -> Result<serde_json::Value> {
    let r = r.send().await.with_context(|| format!("calling {server}"))?;
    let status = r.status();
    let body: serde_json::Value = r.json().await.with_context(|| format!("reading the answer of {server}"))?;
    if !status.is_success() {
        bail!("{server} refused ({status}): {}", body["error"]["message"].as_str().unwrap_or("no reason given"));
    }
    Ok(body)
}

fn ingest(file: &Path, dataset: &str, opts: crate::lake::IngestOptions, target: Target) -> Result<()> {
    let rt = runtime()?;
    let source = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = file.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match (target.server, target.store) {
        (Some(server), _) => {
            let token = target.token.ok_or_else(|| anyhow!("--server needs --token (or CITIZEN_TOKEN)"))?;
            let ct = match ext.as_str() {
                "csv" => "text/csv",
                "jsonl" | "ndjson" => "application/x-ndjson",
                "json" => "application/json",
                "parquet" | "pq" => "application/vnd.apache.parquet",
                _ => bail!("{}: citizen ingests .csv, .jsonl, .ndjson, .json and .parquet files", file.display()),
            };
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut url = reqwest::Url::parse(&format!("{}/datasets/{dataset}/files", server.trim_end_matches('/')))?;
            url.query_pairs_mut().append_pair("filename", &source);
            if let Some(k) = &opts.key {
                url.query_pairs_mut().append_pair("key", k);
            }
            if opts.allow_schema_change {
                url.query_pairs_mut().append_pair("allow_schema_change", "true");
            }
            if opts.replace {
                url.query_pairs_mut().append_pair("replace", "true");
            }
            let c = reqwest::Client::new();
            let body =
                rt.block_on(call(c.post(url).bearer_auth(token).header("content-type", ct).body(bytes), &server))?;
            println!("{}", serde_json::to_string_pretty(&body)?);
        }
        (None, store) => {
            let store = store.unwrap_or_else(|| "citizen-store".into());
            let lake = crate::lake::Lake::new(host_server::store::Store::open(&store)?);
            let t = std::time::Instant::now();
            let record = rt.block_on(lake.ingest(dataset, file, &source, "cli", &opts))?.map_err(|e| match e {
                crate::lake::LakeError::SchemaChanged { message, .. } => anyhow!(message),
                other => anyhow!(other.to_string()),
            })?;
            let landed = t.elapsed();
            let info = rt.block_on(lake.curate(dataset))?;
            eprintln!(
                "Ingested {source} into {dataset} (ingest {}: {} rows, {} bytes, sha256 {}) in {:.3} s; curated table: {} rows, {} Parquet bytes, {:.3} s in all",
                record.seq,
                record.rows,
                record.bytes,
                &record.sha256[..16],
                landed.as_secs_f64(),
                info.rows,
                info.parquet_bytes,
                t.elapsed().as_secs_f64()
            );
            println!("{}", serde_json::to_string_pretty(&record)?);
        }
    }
    Ok(())
}

/// `MODEL`, `MODEL:ALIAS` or `MODEL@VERSION` as (name, version reference).
fn model_and_version(spec: &str) -> (String, Option<String>) {
    match spec.split_once([':', '@']) {
        Some((m, v)) => (m.to_string(), Some(v.to_string())),
        None => (spec.to_string(), None),
    }
}

fn score(dataset: &str, model: &str, target: Target) -> Result<()> {
    let rt = runtime()?;
    let (name, version) = model_and_version(model);
    let report = match (target.server, target.store) {
        (Some(server), _) => {
            let token = target.token.ok_or_else(|| anyhow!("--server needs --token (or CITIZEN_TOKEN)"))?;
            let url = format!("{}/datasets/{dataset}/score", server.trim_end_matches('/'));
            let c = reqwest::Client::new();
            rt.block_on(call(
                c.post(url).bearer_auth(token).json(&serde_json::json!({"model": name, "version": version})),
                &server,
            ))?
        }
        (None, store) => {
            let store = host_server::store::Store::open(&store.unwrap_or_else(|| "citizen-store".into()))?;
            let models = host_server::models::Models::new(host_server::registry::Registry::new(store.clone()));
            let lake = crate::lake::Lake::new(store);
            let r = rt.block_on(async {
                let vref = host_server::api::model_ref(&name, version.as_deref()).map_err(|e| anyhow!(e.message))?;
                let loaded = models.get(&name, &vref).await.map_err(|e| anyhow!(e.message))?;
                let predictor: std::sync::Arc<dyn crate::batch::Predictor + Send> = match loaded.ort().await {
                    Ok(o) => o,
                    Err(_) => std::sync::Arc::new(loaded.model.clone()),
                };
                lake.score(dataset, &loaded.name, loaded.version, predictor).await
            })?;
            serde_json::to_value(r)?
        }
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

fn token(command: TokenCommand) -> Result<()> {
    let rt = runtime()?;
    let auth =
        |store: &str| Ok::<_, anyhow::Error>(host_server::auth::Auth::new(host_server::store::Store::open(store)?));
    match command {
        TokenCommand::Create { role, model, label, store } => {
            let (token, record) = rt.block_on(auth(&store)?.create(role, model, label))?;
            eprintln!(
                "Created token {} ({:?}{}); keep it, it is not shown again:",
                record.id,
                record.role,
                record.model.as_deref().map(|m| format!(" of model {m}")).unwrap_or_default()
            );
            println!("{token}");
        }
        TokenCommand::List { store } => {
            for r in rt.block_on(auth(&store)?.list())? {
                println!(
                    "{}  {:<6}  {:<20}  {}",
                    r.id,
                    format!("{:?}", r.role).to_lowercase(),
                    r.model.as_deref().unwrap_or("*"),
                    r.label.as_deref().unwrap_or("")
                );
            }
        }
        TokenCommand::Revoke { id, store } => {
            if !rt.block_on(auth(&store)?.revoke(&id))? {
                bail!("there is no token {id:?} in {store}");
            }
            eprintln!("Revoked token {id}");
        }
    }
    Ok(())
}
