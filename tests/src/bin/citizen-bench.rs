//! `citizen-bench`: rows/s and single-row latency of every engine on the
//! same model and the same rows, measured in one run, with ratios against
//! native ONNX Runtime (the reference named in the table).
//!
//! Engines: our runtime native (tract + our kernels), ONNX Runtime native
//! (`ort`, 1 thread), our WASI module under wasmtime, our browser module
//! under node, onnxruntime-web under node (1 thread), and the onnxruntime
//! Python package (1 thread).
//!
//! Usage: citizen-bench [--model M.onnx] [--rows 100000] [--singles 20000]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use runtime_wasm::interface::{Data, NamedTensor};
use serde_json::Value;

struct Args {
    model: PathBuf,
    rows: usize,
    singles: usize,
}

fn args() -> Result<Args> {
    let mut a =
        Args { model: tests::repo().join("tests/fixtures/bench_gbr100/model.onnx"), rows: 100_000, singles: 20_000 };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--model" => a.model = v.into(),
            "--rows" => a.rows = v.parse()?,
            "--singles" => a.singles = v.parse()?,
            _ => bail!("unknown option {k}"),
        }
    }
    Ok(a)
}

/// Standard-normal float32 rows from a fixed seed (splitmix64 + Box-Muller).
fn rows(n: usize, width: usize) -> Vec<f32> {
    let mut state: u64 = 7;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n * width)
        .map(|_| {
            let (u, v) = (next().max(1e-12), next());
            ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
        })
        .collect()
}

struct Measure {
    engine: String,
    rows_per_s: f64,
    single_us: f64,
    out: Vec<f32>,
}

/// Best of `reps` timings of `f`, in seconds.
fn best<T>(reps: usize, mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        let v = f()?;
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(v);
    }
    Ok((best, last.expect("reps > 0")))
}

fn measure(
    engine: &str,
    data: &[f32],
    width: usize,
    singles: usize,
    mut run: impl FnMut(&[f32], usize) -> Result<Vec<f32>>,
) -> Result<Measure> {
    let n = data.len() / width;
    run(&data[..width * 100], 100)?;
    let (secs, out) = best(3, || run(data, n))?;
    for i in 0..1000 {
        run(&data[(i % n) * width..(i % n + 1) * width], 1)?;
    }
    let t = Instant::now();
    for i in 0..singles {
        run(&data[(i % n) * width..(i % n + 1) * width], 1)?;
    }
    let single_us = t.elapsed().as_secs_f64() * 1e6 / singles as f64;
    Ok(Measure { engine: engine.into(), rows_per_s: n as f64 / secs, single_us, out })
}

fn width_of(model: &Path) -> Result<(String, usize)> {
    let file = runtime_wasm::ModelFile::parse(&std::fs::read(model)?)?;
    let input = file.inputs().into_iter().next().context("the model has no input")?;
    let w = input.dims.get(1).copied().flatten().context("the bench model needs a fixed feature count")?;
    Ok((input.name, w))
}

fn main() -> Result<()> {
    let a = args()?;
    let bytes = std::fs::read(&a.model).with_context(|| format!("cannot read {}", a.model.display()))?;
    let (input_name, width) = width_of(&a.model)?;
    let data = rows(a.rows, width);
    let cache = PathBuf::from(std::env::var("CITIZEN_CACHE").unwrap_or_else(|_| "/tmp".into())).join("bench");
    std::fs::create_dir_all(&cache)?;
    let input_file = cache.join(format!("rows-{}x{width}.f32", a.rows));
    std::fs::write(&input_file, data.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>())?;
    println!(
        "model {} ({} features), {} rows of seeded standard-normal float32, single-row calls: {}",
        a.model.display(),
        width,
        a.rows,
        a.singles
    );
    println!("all engines single-threaded, measured now, on this machine\n");

    let mut results = Vec::new();
    let ort = host::ort_engine::OrtModel::load(&bytes, 1)?;
    results.push(measure("ONNX Runtime native (ort, reference)", &data, width, a.singles, |x, n| {
        let t = NamedTensor { name: input_name.clone(), shape: vec![n, width], data: Data::F32(x.to_vec()) };
        match ort.run(vec![t])?.remove(0).data {
            Data::F32(v) => Ok(v),
            _ => bail!("unexpected output type"),
        }
    })?);
    let ours = runtime_wasm::Model::load(&bytes)?;
    results.push(measure("citizen runtime native (tract + our kernels)", &data, width, a.singles, |x, n| {
        Ok(runtime_wasm::describe::predict_matrix(&ours, x, n)?)
    })?);
    let rt = tests::Wasmtime::runtime()?;
    let mut inst = rt.instantiate(Default::default())?;
    let h = inst.load(&bytes)?;
    results
        .push(measure("citizen WASI module (wasmtime)", &data, width, a.singles, |x, n| inst.predict_matrix(h, x, n))?);

    let reference = results[0].out.clone();
    let mut external = Vec::new();
    match node_bench(&a, &input_file, width) {
        Ok(v) => external.extend(v),
        Err(e) => println!("node bench failed: {e:#}"),
    }
    match python_bench(&a, &input_file, width) {
        Ok(v) => external.push(v),
        Err(e) => println!("python bench failed: {e:#}"),
    }

    let base = &results[0];
    println!(
        "{:<46} {:>12} {:>8} {:>12} {:>8} {:>12}",
        "engine", "rows/s", "× ORT", "1 row µs", "× ORT", "max rel diff"
    );
    let line = |name: &str, rps: f64, us: f64, diff: Option<f64>| {
        let diff = diff.map(|d| format!("{d:.1e}")).unwrap_or_else(|| "–".into());
        println!(
            "{name:<46} {rps:>12.0} {:>8.2} {us:>12.1} {:>8.2} {diff:>12}",
            rps / base.rows_per_s,
            base.single_us / us
        );
    };
    for m in &results {
        line(&m.engine, m.rows_per_s, m.single_us, Some(max_rel(&m.out, &reference)));
    }
    for (name, rps, us) in &external {
        line(name, *rps, *us, None);
    }
    println!(
        "\n× ORT: rows/s divided by native ORT's (higher is faster); for 1-row latency, ORT's µs divided by the engine's."
    );
    Ok(())
}

fn max_rel(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| ((x - y).abs() / y.abs().max(1e-6)) as f64).fold(0.0, f64::max)
}

fn node_bench(a: &Args, input: &Path, width: usize) -> Result<Vec<(String, f64, f64)>> {
    let out = Command::new("node")
        .arg(tests::repo().join("tests/js/bench.mjs"))
        .arg("--pkg")
        .arg(tests::wasm_pkg())
        .arg("--model")
        .arg(&a.model)
        .arg("--rows")
        .arg(a.rows.to_string())
        .arg("--features")
        .arg(width.to_string())
        .arg("--input")
        .arg(input)
        .current_dir(tests::repo())
        .output()
        .context("running node")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let json = text.lines().rev().find_map(|l| serde_json::from_str::<Value>(l).ok()).with_context(|| {
        format!("tests/js/bench.mjs printed no JSON: {text}{}", String::from_utf8_lossy(&out.stderr))
    })?;
    let f = |k: &str| json[k].as_f64().unwrap_or(f64::NAN);
    Ok(vec![
        ("citizen browser module (node, SIMD)".into(), f("ours_rows_per_s"), f("ours_single_us")),
        ("onnxruntime-web (node, 1 thread)".into(), f("ort_web_rows_per_s"), f("ort_web_single_us")),
    ])
}

fn python_bench(a: &Args, input: &Path, width: usize) -> Result<(String, f64, f64)> {
    let cache = std::env::var("CITIZEN_CACHE").context("CITIZEN_CACHE is not set (source scripts/env.sh)")?;
    let python = Path::new(&cache).join("venv/bin/python");
    let script = r#"
import sys, time, numpy as np, onnxruntime as ort
model, inp, rows, width, singles = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
x = np.fromfile(inp, dtype="<f4").reshape(rows, width)
o = ort.SessionOptions(); o.intra_op_num_threads = 1; o.inter_op_num_threads = 1
s = ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])
name = s.get_inputs()[0].name
s.run(None, {name: x[:100]})
best = min((lambda t: (s.run(None, {name: x}), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(3))
rows1 = [x[i:i+1] for i in range(min(rows, 1000))]
for r in rows1: s.run(None, {name: r})
t = time.perf_counter()
for i in range(singles): s.run(None, {name: rows1[i % len(rows1)]})
print(rows / best, (time.perf_counter() - t) * 1e6 / singles)
"#;
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&a.model)
        .arg(input)
        .arg(a.rows.to_string())
        .arg(width.to_string())
        .arg(a.singles.to_string())
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|s| s.parse::<f64>());
    match (it.next(), it.next()) {
        (Some(Ok(r)), Some(Ok(u))) => Ok(("onnxruntime Python package (1 thread)".into(), r, u)),
        _ => bail!("python printed {text:?}: {}", String::from_utf8_lossy(&out.stderr)),
    }
}
