//! `citizen-batch-bench`: rows/s of the streaming batch engine
//! (`host::batch::run_batch`: read CSV, validate, encode, ONNX Runtime,
//! write CSV) on an N-row file, against two references measured in the same
//! run on the same rows:
//!
//! - raw ONNX Runtime: the same prepared input tensors fed to the same
//!   session in the same chunk size, no parsing and no writing (the ceiling);
//! - pandas + onnxruntime in Python: `pd.read_csv` in chunks, the manifest's
//!   preprocessing in numpy, `session.run`, `to_csv` (what people write by hand).
//!
//! Also the peak memory (VmHWM) of a batch run, in a fresh process each, at
//! three file sizes: it must not grow with the file.
//!
//! Usage: citizen-batch-bench [--model M.onnx] [--data D.csv] [--rows 1000000]
//!        [--small 100000] [--large 3000000 (0: skip)] [--chunk 2048]
//!        [--reps 3] [--pandas-chunk 100000]

use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use host::batch::{BatchFormat, BatchOptions, Predictor, run_batch};
use host::ort_engine::OrtModel;
use manifest::{CsvRecord, CsvRows, Table};
use runtime_wasm::interface::NamedTensor;

struct Args {
    model: PathBuf,
    data: PathBuf,
    rows: usize,
    small: usize,
    large: usize,
    chunk: usize,
    reps: usize,
    pandas_chunk: usize,
}

fn args() -> Result<Args> {
    let mut a = Args {
        model: tests::repo().join("models/car-price-gbr.onnx"),
        data: tests::repo().join("data/cars93.csv"),
        rows: 1_000_000,
        small: 100_000,
        large: 3_000_000,
        chunk: BatchOptions::default().chunk_rows,
        reps: 5,
        pandas_chunk: 100_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        if k == "--rss-child" {
            // Internal: one batch run in this fresh process, then its peak RSS.
            let mut arg = || it.next().context("--rss-child MODEL INPUT CHUNK");
            let model: PathBuf = arg()?.into();
            let input: PathBuf = arg()?.into();
            let chunk: usize = arg()?.parse()?;
            rss_child(&model, &input, chunk)?;
            std::process::exit(0);
        }
        if k == "--stage1-child" {
            // Internal: stage 1 alone (read CSV, validate, encode) once in
            // this process, for A/B runs of the reader: its seconds.
            let mut arg = || it.next().context("--stage1-child MODEL INPUT CHUNK");
            let model = runtime_wasm::Model::load(&std::fs::read(arg()?)?)?;
            let input: PathBuf = arg()?.into();
            let chunk: usize = arg()?.parse()?;
            println!("{:.4}", prepare_all(&model, &input, chunk, false)?.1);
            std::process::exit(0);
        }
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--model" => a.model = v.into(),
            "--data" => a.data = v.into(),
            "--rows" => a.rows = v.parse()?,
            "--small" => a.small = v.parse()?,
            "--large" => a.large = v.parse()?,
            "--chunk" => a.chunk = v.parse()?,
            "--reps" => a.reps = v.parse::<usize>()?.max(1),
            "--pandas-chunk" => a.pandas_chunk = v.parse()?,
            _ => bail!("unknown option {k}"),
        }
    }
    Ok(a)
}

/// Writes `rows` data rows: the rows of `data` over and over, under its header.
fn generate(data: &Path, rows: usize, out: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(data).with_context(|| format!("cannot read {}", data.display()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines();
    let header = lines.next().context("the data has no header")?;
    let body: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    writeln!(w, "{header}")?;
    for i in 0..rows {
        writeln!(w, "{}", body[i % body.len()])?;
    }
    w.flush()?;
    Ok(std::fs::metadata(out)?.len())
}

/// Reads the file in chunks and prepares each chunk's input tensors, as the
/// batch's first stage does (records encoded from their text); returns them
/// (when `keep`) and the seconds it took.
fn prepare_all(model: &dyn Predictor, input: &Path, chunk: usize, keep: bool) -> Result<(Vec<Vec<NamedTensor>>, f64)> {
    let t = Instant::now();
    // CsvRows reads in blocks of its own, as the batch's reader gives it the file.
    let mut rows = CsvRows::new(std::fs::File::open(input)?)?;
    let mut records = vec![manifest::CsvFields::new(); chunk];
    let mut all = Vec::new();
    let mut done = false;
    while !done {
        let mut n = 0;
        while n < chunk && !done {
            match rows.read_record(&mut records[n])? {
                CsvRecord::Row => n += 1,
                CsvRecord::Bad(reason) => bail!("{reason}"),
                CsvRecord::End => done = true,
            }
        }
        if n > 0 {
            let inputs = model.interface().prepare_csv(rows.columns(), &records[..n])?;
            if keep {
                all.push(inputs);
            }
        }
    }
    Ok((all, t.elapsed().as_secs_f64()))
}

/// The CSV file as Parquet with typed columns (whole numbers Int64, other
/// numbers Float64, the rest Utf8; `NA` and empty as null), the types read
/// from the data file, in row groups of 128Ki rows.
fn to_parquet(data: &Path, csv: &Path, out: &Path) -> Result<()> {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;

    let sample = Table::from_csv(&std::fs::read(data)?)?;
    let types: Vec<DataType> = (0..sample.width())
        .map(|j| {
            let cells: Vec<_> = sample.rows().map(|r| &r[j]).filter(|c| !c.is_missing()).collect();
            let numbers: Vec<f64> = cells.iter().filter_map(|c| c.as_f64()).collect();
            if numbers.len() < cells.len() {
                DataType::Utf8
            } else if numbers.iter().all(|x| x.fract() == 0.0) {
                DataType::Int64
            } else {
                DataType::Float64
            }
        })
        .collect();
    let fields: Vec<Field> = sample.columns().iter().zip(&types).map(|(c, t)| Field::new(c, t.clone(), true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .set_max_row_group_row_count(Some(128 * 1024))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(out)?, schema.clone(), Some(props))?;
    let mut rows = CsvRows::new(std::fs::File::open(csv)?)?;
    let mut record = manifest::CsvFields::new();
    let mut done = false;
    while !done {
        let mut table = Table::new(rows.columns().to_vec());
        while table.len() < 65536 {
            match rows.read_record(&mut record)? {
                CsvRecord::Row => table.push_csv_record(&record),
                CsvRecord::Bad(reason) => bail!("{reason}"),
                CsvRecord::End => {
                    done = true;
                    break;
                }
            }
        }
        let arrays: Vec<ArrayRef> = types
            .iter()
            .enumerate()
            .map(|(j, t)| -> ArrayRef {
                let cells = table.rows().map(|r| &r[j]);
                match t {
                    DataType::Int64 => Arc::new(cells.map(|c| c.as_f64().map(|x| x as i64)).collect::<Int64Array>()),
                    DataType::Float64 => Arc::new(cells.map(|c| c.as_f64()).collect::<Float64Array>()),
                    _ => Arc::new(
                        cells
                            .map(|c| match c {
                                manifest::Cell::Text(s) => Some(s.clone()),
                                _ => None,
                            })
                            .collect::<StringArray>(),
                    ),
                }
            })
            .collect();
        w.write(&RecordBatch::try_new(schema.clone(), arrays)?)?;
    }
    w.close()?;
    Ok(())
}

/// Best of `reps` timings of `f`, in seconds.
/// An engine that adds up the time spent in its runs.
struct Timed<'a> {
    model: &'a OrtModel,
    nanos: AtomicU64,
}

impl runtime_wasm::Engine for Timed<'_> {
    fn interface(&self) -> &runtime_wasm::interface::Interface {
        runtime_wasm::Engine::interface(self.model)
    }

    fn run(&self, inputs: Vec<NamedTensor>) -> std::result::Result<Vec<NamedTensor>, runtime_wasm::Error> {
        let t = Instant::now();
        let outputs = runtime_wasm::Engine::run(self.model, inputs);
        self.nanos.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        outputs
    }
}

fn best(reps: usize, mut f: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        best = best.min(f()?);
    }
    Ok(best)
}

fn batch_secs(model: &dyn Predictor, input: &Path, output: &Path, errors: &Path, chunk: usize) -> Result<f64> {
    let format = |p: &Path| BatchFormat::from_path(p).context("a .csv or .parquet file");
    let opts = BatchOptions { chunk_rows: chunk, output: format(output)?, ..BatchOptions::default() };
    // Each run writes new files, as a server's batch job does: making the
    // last run's output (166 MB) empty again took ~40 ms here, and the
    // kernel's writing of its pages to disk then ran beside this run.
    for old in [output, errors] {
        if old.exists() {
            std::fs::remove_file(old).with_context(|| format!("cannot remove {}", old.display()))?;
        }
    }
    let t = Instant::now();
    let s = run_batch(model, input, format(input)?, output, errors, &opts, &mut |_| ControlFlow::Continue(()))?;
    let secs = t.elapsed().as_secs_f64();
    if s.rows_failed > 0 {
        bail!("{} rows failed", s.rows_failed);
    }
    Ok(secs)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn vm_hwm_kb() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).context("no VmHWM in /proc/self/status")?;
    Ok(line.split_whitespace().nth(1).context("VmHWM")?.parse()?)
}

fn rss_child(model: &Path, input: &Path, chunk: usize) -> Result<()> {
    let m = OrtModel::load(&std::fs::read(model)?, 1)?;
    let before = vm_hwm_kb()?;
    let dir = input.parent().context("input folder")?;
    let (out, err) = (dir.join("rss-out.csv"), dir.join("rss-errors.csv"));
    batch_secs(&m, input, &out, &err, chunk)?;
    println!("{before} {}", vm_hwm_kb()?);
    Ok(())
}

/// The CPU model and count.
fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} × {model}")
}

/// Peak RSS in kB of a fresh process (model loaded; after the batch).
fn rss(a: &Args, input: &Path) -> Result<(u64, u64)> {
    let out = Command::new(std::env::current_exe()?)
        .arg("--rss-child")
        .arg(&a.model)
        .arg(input)
        .arg(a.chunk.to_string())
        .output()
        .context("running the RSS probe")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|s| s.parse::<u64>());
    match (it.next(), it.next()) {
        (Some(Ok(b)), Some(Ok(a))) => Ok((b, a)),
        _ => bail!("the RSS probe printed {text:?}: {}", String::from_utf8_lossy(&out.stderr)),
    }
}

const PANDAS: &str = r#"
import json, sys, time
import numpy as np, pandas as pd, onnxruntime as ort
model, inp, out, chunk = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
o = ort.SessionOptions(); o.intra_op_num_threads = 1; o.inter_op_num_threads = 1
s = ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])
m = json.loads(s.get_modelmeta().custom_metadata_map["citizen.manifest"])
fields = {f["name"]: f for f in m["signature"]["inputs"]}
feats = m["preprocessing"]["features"]
output = m["signature"]["outputs"][0]
t = time.perf_counter()
# citizen's missing values; pandas' defaults would also take the category "None" as missing.
na = ["", "NA", "N/A", "null", "NULL"]
text = {n: str for n, f in fields.items() if f["type"] != "numeric"}
yes = ["yes", "y", "true", "t", "1"]
with open(out, "w", newline="") as f:
    first = True
    for df in pd.read_csv(inp, chunksize=chunk, keep_default_na=False, na_values=na, dtype=text):
        cols = {}
        for name, fd in fields.items():
            c = df[name]
            if fd.get("default") is not None:
                c = c.fillna(fd["default"] if fd["type"] == "numeric" else str(fd["default"]))
            cols[name] = c
        x = np.empty((len(df), len(feats)), dtype=np.float32)
        for j, ft in enumerate(feats):
            c = cols[ft["field"]]
            e = ft["encode"]
            if e == "numeric":
                x[:, j] = (c.to_numpy(dtype=np.float64) - ft.get("center", 0.0)) / ft.get("scale", 1.0)
            elif e == "one_hot":
                x[:, j] = (c == ft["category"]).to_numpy(dtype=np.float32)
            elif e == "ordinal":
                cats = {k: i for i, k in enumerate(fields[ft["field"]]["categories"])}
                x[:, j] = c.map(cats).to_numpy(dtype=np.float32)
            else:
                x[:, j] = c.str.lower().isin(yes).to_numpy(dtype=np.float32)
        y = s.run([output["onnx_output"]], {m["preprocessing"]["onnx_input"]: x})[0]
        y = y[:, output.get("column") or 0] if y.ndim == 2 else y
        name = output["name"]
        df["predicted_" + name if name in df.columns else name] = y
        df.to_csv(f, header=first, index=False)
        first = False
print(time.perf_counter() - t)
"#;

fn pandas(a: &Args, input: &Path, output: &Path) -> Result<f64> {
    let cache = std::env::var("CITIZEN_CACHE").context("CITIZEN_CACHE is not set (source scripts/env.sh)")?;
    let python = Path::new(&cache).join("venv/bin/python");
    let out = Command::new(&python)
        .arg("-c")
        .arg(PANDAS)
        .arg(&a.model)
        .arg(input)
        .arg(output)
        .arg(a.pandas_chunk.to_string())
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse::<f64>()
        .with_context(|| format!("python printed {text:?}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// The largest relative difference between the last columns of two CSV files
/// (first `n` rows).
fn max_rel_last_column(a: &Path, b: &Path, n: usize) -> Result<f64> {
    let read = |p: &Path| -> Result<Vec<f64>> {
        let mut r = csv::Reader::from_path(p)?;
        let mut v = Vec::new();
        for rec in r.records().take(n) {
            v.push(rec?.iter().next_back().context("empty row")?.parse()?);
        }
        Ok(v)
    };
    let (x, y) = (read(a)?, read(b)?);
    if x.len() != y.len() {
        bail!("{} and {} rows", x.len(), y.len());
    }
    Ok(x.iter().zip(&y).map(|(p, q)| (p - q).abs() / q.abs().max(1e-6)).fold(0.0, f64::max))
}

fn main() -> Result<()> {
    let a = args()?;
    let bytes = std::fs::read(&a.model).with_context(|| format!("cannot read {}", a.model.display()))?;
    let dir = std::env::temp_dir().join(format!("citizen-batch-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = bench(&a, &bytes, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn bench(a: &Args, bytes: &[u8], dir: &Path) -> Result<()> {
    let big = dir.join("big.csv");
    let small = dir.join("small.csv");
    let size = generate(&a.data, a.rows, &big)?;
    generate(&a.data, a.small, &small)?;
    let (out, errors) = (dir.join("out.csv"), dir.join("errors.csv"));
    println!(
        "model {}, {} rows of {} repeated ({:.0} MB of CSV), chunks of {} rows, best of {}",
        a.model.display(),
        a.rows,
        a.data.display(),
        size as f64 / 1e6,
        a.chunk,
        a.reps
    );
    println!("measured now, on this machine: {}\n", machine());

    let ort1 = OrtModel::load(bytes, 1)?;
    let ort2 = OrtModel::load(bytes, 2)?;
    let ours = runtime_wasm::Model::load(bytes)?;
    let n = a.rows as f64;
    let mut lines: Vec<(String, f64)> = Vec::new();

    // The ceiling: the engine alone on prepared tensors.
    let (prepared, _) = prepare_all(&ort1, &big, a.chunk, true)?;
    // Reading and validating alone, best of reps (the tensors dropped as made).
    let stage1 = best(a.reps, || Ok(prepare_all(&ort1, &big, a.chunk, false)?.1))?;
    let raw_once = |m: &OrtModel| {
        let inputs = prepared.clone();
        let t = Instant::now();
        for chunk in inputs {
            m.run(chunk)?;
        }
        Ok(t.elapsed().as_secs_f64())
    };
    // The goal's pair measured back to back, rep by rep: a shared machine's
    // slow spell then slows both sides of a pair, and the median of the
    // pairs' ratios is read beside the ratio of the best times.
    // run_batch's engine is timed from the inside too (the time in its
    // runs; the rest of the run it waited for chunks, or the file was
    // being opened, started or finished).
    let timed = Timed { model: &ort1, nanos: AtomicU64::new(0) };
    let (mut raw1, mut b1, mut pairs, mut b1_engine) = (f64::INFINITY, f64::INFINITY, Vec::new(), 0.0);
    for _ in 0..a.reps {
        let r = raw_once(&ort1)?;
        timed.nanos.store(0, Ordering::Relaxed);
        let b = batch_secs(&timed, &big, &out, &errors, a.chunk)?;
        if b < b1 {
            b1_engine = timed.nanos.load(Ordering::Relaxed) as f64 / 1e9;
        }
        (raw1, b1) = (raw1.min(r), b1.min(b));
        pairs.push(r / b);
    }
    pairs.sort_by(f64::total_cmp);
    let paired = pairs[pairs.len() / 2];
    lines.push(("raw ONNX Runtime, 1 thread (reference)".into(), n / raw1));
    let raw2 = best(a.reps, || raw_once(&ort2))?;
    drop(prepared);

    lines.push(("run_batch CSV → CSV, ORT 1 thread".into(), n / b1));
    lines.push(("raw ONNX Runtime, 2 threads".into(), n / raw2));
    let b2 = best(a.reps, || batch_secs(&ort2, &big, &out, &errors, a.chunk))?;
    lines.push(("run_batch CSV → CSV, ORT 2 threads".into(), n / b2));
    let bt = best(1, || batch_secs(&ours, &big, &out, &errors, a.chunk))?;
    lines.push(("run_batch CSV → CSV, our runtime (tract)".into(), n / bt));
    lines.push(("its stage 1 alone: read CSV, validate, encode".into(), n / stage1));
    let parquet = dir.join("big.parquet");
    to_parquet(&a.data, &big, &parquet)?;
    let pq_out = dir.join("out.parquet");
    let bp = best(a.reps, || batch_secs(&ort1, &parquet, &pq_out, &errors, a.chunk))?;
    lines.push(("run_batch Parquet → Parquet, ORT 1 thread".into(), n / bp));
    // Leave the ORT (1 thread) output for the comparison with pandas.
    batch_secs(&ort1, &big, &out, &errors, a.chunk)?;

    let pandas_out = dir.join("pandas.csv");
    let pandas_rps = match pandas(a, &big, &pandas_out) {
        Ok(secs) => {
            let diff = max_rel_last_column(&out, &pandas_out, 10_000)?;
            lines.push((format!("pandas + onnxruntime CSV → CSV (chunks of {})", a.pandas_chunk), n / secs));
            println!(
                "pandas and run_batch predictions agree to {diff:.1e} (max relative difference, first 10,000 rows)\n"
            );
            Some(n / secs)
        }
        Err(e) => {
            println!("pandas bench failed: {e:#}\n");
            None
        }
    };

    let reference = n / raw1;
    println!("{:<48} {:>12} {:>10} {:>10}", "pipeline", "rows/s", "× raw ORT", "× pandas");
    for (name, rps) in &lines {
        let vs_pandas = pandas_rps.map(|p| format!("{:.2}", rps / p)).unwrap_or_else(|| "–".into());
        println!("{name:<48} {rps:>12.0} {:>10.2} {vs_pandas:>10}", rps / reference);
    }
    println!(
        "\ninside run_batch's fastest run (ORT 1 thread, {b1:.3} s): the engine ran {b1_engine:.3} s \
         (raw ORT alone, best: {raw1:.3} s); the other {:.3} s it waited for chunks or the files were opened and closed",
        b1 - b1_engine
    );

    println!("\npeak RSS (VmHWM) of run_batch, ONNX Runtime 1 thread, chunks of {}, each in a fresh process:", a.chunk);
    let mut sizes = vec![(a.small, small.clone()), (a.rows, big.clone())];
    if a.large > 0 {
        let large = dir.join("large.csv");
        generate(&a.data, a.large, &large)?;
        sizes.push((a.large, large));
    }
    let mut peaks = Vec::new();
    for (rows, file) in &sizes {
        let (loaded, peak) = rss(a, file)?;
        println!("  {rows:>9} rows: {:>7.1} MB (after loading the model: {:.1} MB)", mb(peak), mb(loaded));
        peaks.push(peak);
    }
    let growth = mb(*peaks.iter().max().unwrap_or(&0)) - mb(peaks[0]);
    println!(
        "\ngoals: run_batch ≥ 0.9× raw ORT: {:.2} (best times; median of {} back-to-back pairs {:.2}, pairs {}); \
         ≥ 2× pandas: {}; memory flat: {:+.1} MB from {} to {} rows",
        n / b1 / reference,
        pairs.len(),
        paired,
        pairs.iter().map(|p| format!("{p:.2}")).collect::<Vec<_>>().join(" "),
        pandas_rps.map(|p| format!("{:.2}", n / b1 / p)).unwrap_or_else(|| "–".into()),
        growth,
        a.small,
        sizes.last().map_or(0, |s| s.0)
    );
    Ok(())
}
