//! `citizen-edge-bench`: the edge's own path, a CSV file in and the rows
//! with their predictions out, on the same model and the same rows, in one
//! run, against native ONNX Runtime (the reference the ratios name):
//!
//! - ONNX Runtime native, through the cloud's batch engine
//!   (`host::batch::run_batch`: read, validate, encode, `ort` with 1 thread,
//!   write; the engine on a thread of its own, reading and writing taking
//!   turns on another) — the reference;
//! - our runtime native (tract + our kernels) through the same batch engine;
//! - our runtime native in one call on one thread
//!   (`runtime_wasm::format::predict_file`: what the module runs inside);
//! - our WASI module under wasmtime, in this process (`host::edge::Edge`:
//!   a sandboxed instance with its fuel and memory limits), in one call and
//!   split over the cores (one instance each, as the edge server does);
//! - `citizen-edge serve` over HTTP on loopback (a POST of the whole CSV).
//!
//! Then single-row latency (one JSON row, p50/p99) for ONNX Runtime, our
//! runtime native, the WASI module in process and the edge over HTTP; and
//! start-up time of `citizen-edge serve` to its first answered prediction,
//! with the module compiled on the spot (cold) and with its `.cwasm` cache
//! (warm).
//!
//! Usage: citizen-edge-bench [--model M.onnx] [--data D.csv] [--rows 100000]
//!        [--singles 2000] [--reps 3]

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use host::batch::{BatchFormat, BatchOptions, Predictor, run_batch};
use host::edge::Edge;
use host::ort_engine::OrtModel;
use host::wasi_engine::{Limits, WasiRuntime};
use manifest::{Cell, Table};
use runtime_wasm::format::Format;

struct Args {
    model: PathBuf,
    data: PathBuf,
    rows: usize,
    singles: usize,
    reps: usize,
}

fn args() -> Result<Args> {
    let mut a = Args {
        model: tests::repo().join("models/car-price-gbr.onnx"),
        data: tests::repo().join("data/cars93.csv"),
        rows: 100_000,
        singles: 2_000,
        reps: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--model" => a.model = v.into(),
            "--data" => a.data = v.into(),
            "--rows" => a.rows = v.parse()?,
            "--singles" => a.singles = v.parse::<usize>()?.max(1),
            "--reps" => a.reps = v.parse::<usize>()?.max(1),
            _ => bail!("unknown option {k}"),
        }
    }
    Ok(a)
}

/// `rows` data rows: the rows of `data` over and over, under its header;
/// and the first row alone as a JSON object.
fn rows_of(data: &Path, rows: usize) -> Result<(Vec<u8>, String)> {
    let text = std::fs::read_to_string(data).with_context(|| format!("cannot read {}", data.display()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines();
    let header = lines.next().context("the data has no header")?;
    let body: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    let mut out = String::with_capacity(text.len() / body.len().max(1) * (rows + 1));
    out.push_str(header);
    out.push('\n');
    for i in 0..rows {
        out.push_str(body[i % body.len()]);
        out.push('\n');
    }
    let first = Table::from_csv(format!("{header}\n{}\n", body[0]).as_bytes())?;
    let row: serde_json::Map<String, serde_json::Value> = first
        .columns()
        .iter()
        .zip(first.rows().next().context("no rows")?)
        .filter(|(_, c)| !c.is_missing())
        .map(|(k, c)| {
            let v = match c {
                Cell::Number(x) => serde_json::json!(x),
                Cell::Bool(b) => serde_json::json!(b),
                Cell::Text(t) => serde_json::json!(t),
                Cell::Missing => serde_json::Value::Null,
            };
            (k.clone(), v)
        })
        .collect();
    Ok((out.into_bytes(), serde_json::Value::Object(row).to_string()))
}

/// The best of `reps` runs, in seconds, and the last run's output.
fn best<T>(reps: usize, mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut secs = f64::INFINITY;
    let mut out = None;
    for _ in 0..reps {
        let t = Instant::now();
        let o = f()?;
        secs = secs.min(t.elapsed().as_secs_f64());
        out = Some(o);
    }
    Ok((secs, out.expect("reps >= 1")))
}

/// p50 and p99 of `n` calls, in microseconds (after 50 warm-up calls).
fn latency(n: usize, mut f: impl FnMut() -> Result<()>) -> Result<(f64, f64)> {
    for _ in 0..50 {
        f()?;
    }
    let mut us: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f().map(|_| t.elapsed().as_secs_f64() * 1e6)
        })
        .collect::<Result<_>>()?;
    us.sort_by(f64::total_cmp);
    let at = |q: f64| us[((us.len() as f64 * q) as usize).min(us.len() - 1)];
    Ok((at(0.50), at(0.99)))
}

/// The last column of a CSV output, as numbers (the predicted price).
fn last_column(csv: &[u8]) -> Result<Vec<f64>> {
    std::str::from_utf8(csv)?
        .lines()
        .skip(1)
        .map(|l| {
            let v = l.rsplit(',').next().unwrap_or("");
            v.parse::<f64>().with_context(|| format!("not a number: {v:?}"))
        })
        .collect()
}

fn max_rel(a: &[f64], b: &[f64]) -> Result<f64> {
    if a.len() != b.len() {
        bail!("{} rows against {}", a.len(), b.len());
    }
    Ok(a.iter().zip(b).map(|(x, y)| ((x - y) / y.abs().max(1e-12)).abs()).fold(0.0, f64::max))
}

/// A running `citizen-edge serve`, killed when dropped.
struct EdgeServer(Child, String);

impl EdgeServer {
    fn start(module: &Path, model: &Path) -> Result<EdgeServer> {
        let exe = std::env::current_exe()?.with_file_name("citizen-edge");
        let mut child = Command::new(&exe)
            .args(["serve", "--addr", "127.0.0.1:0", "--max-body-mib", "1024", "--module"])
            .arg(module)
            .arg("--model")
            .arg(format!("bench={}", model.display()))
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {} (build it: cargo build --release -p host)", exe.display()))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).map(str::to_string);
        match url {
            Some(url) => Ok(EdgeServer(child, format!("{url}/models/bench/predict"))),
            None => {
                let _ = child.kill();
                bail!("citizen-edge did not start: {line:?}")
            }
        }
    }
}

impl Drop for EdgeServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An HTTP client for the measurements: one connection, kept alive; each
/// call waits for its answer on this thread.
struct Http(tokio::runtime::Runtime, reqwest::Client);

impl Http {
    fn new() -> Result<Http> {
        Ok(Http(tokio::runtime::Builder::new_current_thread().enable_all().build()?, reqwest::Client::new()))
    }

    fn post(&self, url: &str, ct: &str, body: Vec<u8>) -> Result<Vec<u8>> {
        self.0.block_on(async {
            let r = self.1.post(url).header("content-type", ct).body(body).send().await?;
            let status = r.status();
            let bytes = r.bytes().await?.to_vec();
            if !status.is_success() {
                bail!("{status}: {}", String::from_utf8_lossy(&bytes));
            }
            Ok(bytes)
        })
    }
}

/// Seconds from starting `citizen-edge serve` to its first prediction.
fn start_up(module: &Path, model: &Path, row: &str) -> Result<f64> {
    let c = Http::new()?;
    let t = Instant::now();
    let server = EdgeServer::start(module, model)?;
    c.post(&server.1, "application/json", row.as_bytes().to_vec())?;
    Ok(t.elapsed().as_secs_f64())
}

fn main() -> Result<()> {
    let a = args()?;
    let bytes = std::fs::read(&a.model).with_context(|| format!("cannot read {}", a.model.display()))?;
    let (csv, row) = rows_of(&a.data, a.rows)?;
    let scratch = std::env::temp_dir().join(format!("citizen-edge-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let input = scratch.join("input.csv");
    std::fs::write(&input, &csv)?;
    let module = tests::wasm_pkg().join("wasi/runtime_wasm.wasm");
    if !module.is_file() {
        bail!("{} is missing: run scripts/build-wasm.sh", module.display());
    }
    println!(
        "model {}, {} rows of {} ({:.1} MB of CSV), best of {} runs; single rows: {} calls",
        a.model.display(),
        a.rows,
        a.data.display(),
        csv.len() as f64 / 1e6,
        a.reps,
        a.singles
    );
    println!("measured now, on this machine ({} cores)\n", std::thread::available_parallelism().map_or(1, |n| n.get()));

    // Large batches.
    let ort = OrtModel::load(&bytes, 1)?;
    let native = runtime_wasm::Model::load(&bytes)?;
    let through_batch = |model: &dyn Predictor| -> Result<Vec<u8>> {
        let (out, errors) = (scratch.join("out.csv"), scratch.join("errors.csv"));
        let opts = BatchOptions { output: BatchFormat::Csv, ..BatchOptions::default() };
        let s = run_batch(model, &input, BatchFormat::Csv, &out, &errors, &opts, &mut |_| ControlFlow::Continue(()))?;
        if s.rows_failed > 0 {
            bail!("{} rows failed", s.rows_failed);
        }
        Ok(std::fs::read(&out)?)
    };
    let mut batches: Vec<(&str, f64, Vec<u8>)> = Vec::new();
    let (s, out) = best(a.reps, || through_batch(&ort))?;
    batches.push(("ONNX Runtime native, batch engine (ort 1 thread; reference)", s, out));
    let (s, out) = best(a.reps, || through_batch(&native))?;
    batches.push(("citizen runtime native, batch engine", s, out));
    let (s, out) = best(a.reps, || Ok(runtime_wasm::format::predict_file(&native, &csv, Format::Csv, Format::Csv)?))?;
    batches.push(("citizen runtime native, one call", s, out));
    let runtime = WasiRuntime::open(&module)?;
    let edge = Edge::new(runtime, Limits::default());
    let held = edge.insert("bench", None, bytes.clone())?;
    let (s, out) = best(a.reps, || edge.predict(&held, &csv, Format::Csv, Format::Csv))?;
    batches.push(("citizen WASI module (wasmtime), in process, one call", s, out));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (s, out) = best(a.reps, || edge.predict_split(&held, &csv, Format::Csv, Format::Csv, cores))?;
    batches.push(("citizen WASI module (wasmtime), in process, split over the cores", s, out));
    let server = EdgeServer::start(&module, &a.model)?;
    let client = Http::new()?;
    let (s, out) = best(a.reps, || client.post(&server.1, "text/csv", csv.clone()))?;
    batches.push(("citizen-edge serve over HTTP (loopback)", s, out));

    let reference = last_column(&batches[0].2)?;
    let base = a.rows as f64 / batches[0].1;
    println!("{:<66} {:>12} {:>8} {:>12}", "large batch: CSV in, CSV out", "rows/s", "× ORT", "max rel diff");
    for (name, secs, out) in &batches {
        let rps = a.rows as f64 / secs;
        let diff = max_rel(&last_column(out)?, &reference)?;
        println!("{name:<66} {rps:>12.0} {:>8.2} {diff:>12.1e}", rps / base);
    }

    // Single rows.
    let table = Table::from_json_value(&serde_json::from_str(&row)?)?;
    let mut singles: Vec<(&str, (f64, f64))> = Vec::new();
    singles.push((
        "ONNX Runtime native (ort 1 thread; reference)",
        latency(a.singles, || ort.predict(&table).map(|_| ()))?,
    ));
    singles.push((
        "citizen runtime native",
        latency(a.singles, || {
            runtime_wasm::format::predict_file(&native, row.as_bytes(), Format::Json, Format::JsonLines)?;
            Ok(())
        })?,
    ));
    singles.push((
        "citizen WASI module (wasmtime), in process",
        latency(a.singles, || edge.predict(&held, row.as_bytes(), Format::Json, Format::JsonLines).map(|_| ()))?,
    ));
    singles.push((
        "citizen-edge serve over HTTP (loopback, one connection)",
        latency(a.singles, || client.post(&server.1, "application/json", row.as_bytes().to_vec()).map(|_| ()))?,
    ));
    drop(server);
    let base50 = singles[0].1.0;
    println!("\n{:<66} {:>10} {:>10} {:>8}", "single row (JSON)", "p50 µs", "p99 µs", "× ORT");
    for (name, (p50, p99)) in &singles {
        println!("{name:<66} {p50:>10.1} {p99:>10.1} {:>8.2}", base50 / p50);
    }

    // Start-up to the first prediction: a fresh copy of the module (no
    // `.cwasm` beside it, so wasmtime compiles it), then the same copy again.
    let fresh = scratch.join("module");
    std::fs::create_dir_all(&fresh)?;
    let copy = fresh.join("runtime_wasm.wasm");
    std::fs::copy(&module, &copy)?;
    let cold = start_up(&copy, &a.model, &row)?;
    let mut warm: Vec<f64> = (0..a.reps.max(3)).map(|_| start_up(&copy, &a.model, &row)).collect::<Result<_>>()?;
    warm.sort_by(f64::total_cmp);
    println!("\nstart-up of citizen-edge serve to its first prediction");
    println!("{:<66} {:>10.3} s", "cold (module compiled now, cache written)", cold);
    println!("{:<66} {:>10.3} s", "warm (module loaded from its .cwasm cache; median)", warm[warm.len() / 2]);

    println!(
        "\n× ORT: rows/s divided by ORT's (higher is faster); for one row, ORT's p50 divided by the engine's.\n\
         Goal (issue 6): the edge at >= 0.5x native ORT rows/s at large batches."
    );
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
