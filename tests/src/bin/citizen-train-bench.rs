//! `citizen-train-bench`: the trainer's quality and speed against the
//! reference libraries, in one run, on the same fixed 80/20 splits.
//!
//! For each dataset the rows are shuffled with a fixed seed and split 80/20;
//! the train and test rows are written, as their original CSV text, to
//! `$CITIZEN_CACHE/train-bench/<dataset>/{train,test}.csv`. citizen trains on
//! `train.csv` in-process (`trainer::search::train`, 30 s budget, seed 0) and
//! predicts `test.csv` through the exported model file with the runtime
//! (`runtime_wasm::Model`), the real export path. Then
//! `scripts/train_bench.py` fits LightGBM and scikit-learn's
//! HistGradientBoosting with their defaults on the same files. The table
//! shows each contender's test metric, its ratio against the best reference
//! (> 1: worse than it) and its fit time.
//!
//! Usage: citizen-train-bench [--budget 30] [--only cars93,iris]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use manifest::{Cell, Table, Task};
use serde_json::Value;

/// The split's seed and the test fraction: the same rows for every contender.
const SPLIT_SEED: u64 = 20_261_122;
const TEST_FRACTION: f64 = 0.2;
/// Probabilities are clipped to [EPS, 1] before the log (same in Python).
const EPS: f64 = 1e-15;
const GOAL: &str = "goal: at or better than the best reference on each, within 30 s; no worse than 10% behind anywhere";

struct Spec {
    name: &'static str,
    file: &'static str,
    target: &'static str,
    exclude: &'static [&'static str],
    task: Task,
}

const SPECS: [Spec; 3] = [
    Spec {
        name: "cars93",
        file: "data/cars93.csv",
        target: "Price",
        exclude: &["Min.Price", "Max.Price"],
        task: Task::Regression,
    },
    Spec { name: "diamonds", file: "data/diamonds.csv", target: "price", exclude: &[], task: Task::Regression },
    Spec { name: "iris", file: "data/iris.csv", target: "Species", exclude: &[], task: Task::Classification },
];

/// One contender's result on one dataset.
struct Score {
    contender: String,
    /// RMSE (regression) or accuracy (classification).
    value: f64,
    logloss: Option<f64>,
    fit_seconds: f64,
    note: String,
}

fn main() -> Result<()> {
    let started = Instant::now();
    let mut budget = 30u64;
    let mut only: Option<Vec<String>> = None;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--budget" => budget = v.parse()?,
            "--only" => only = Some(v.split(',').map(String::from).collect()),
            _ => bail!("unknown option {k}"),
        }
    }
    let cache =
        PathBuf::from(std::env::var("CITIZEN_CACHE").context("CITIZEN_CACHE is not set (source scripts/env.sh)")?);
    let root = cache.join("train-bench");
    let specs: Vec<&Spec> =
        SPECS.iter().filter(|s| only.as_ref().is_none_or(|o| o.iter().any(|n| n == s.name))).collect();

    // The splits, then citizen on each (one after the other: nothing else runs).
    let mut results: Vec<(&Spec, usize, usize, Vec<Score>)> = Vec::new();
    for spec in &specs {
        let dir = root.join(spec.name);
        let (train_rows, test_rows) = split(&tests::repo().join(spec.file), &dir)?;
        eprintln!("{}: {train_rows} train / {test_rows} test rows; training citizen ({budget} s budget)...", spec.name);
        let ours = citizen(spec, &dir, Duration::from_secs(budget))?;
        results.push((spec, train_rows, test_rows, vec![ours]));
    }

    // The references, in one Python process.
    eprintln!("fitting the references (scripts/train_bench.py)...");
    let (versions, lines) = python(&specs, &root)?;
    for line in lines {
        let Some((_, _, _, scores)) = results.iter_mut().find(|r| Some(r.0.name) == line["dataset"].as_str()) else {
            continue;
        };
        scores.push(Score {
            contender: line["contender"].as_str().unwrap_or("?").into(),
            value: line["value"].as_f64().unwrap_or(f64::NAN),
            logloss: line["logloss"].as_f64(),
            fit_seconds: line["fit_seconds"].as_f64().unwrap_or(f64::NAN),
            note: String::new(),
        });
    }

    println!("\ncitizen-train-bench: fixed 80/20 splits (seed {SPLIT_SEED}), test-set metrics, one run, this machine");
    println!("citizen: trainer::search::train ({budget} s budget, seed 0), predictions through the exported ONNX file");
    println!("references ({versions}): library defaults, single-threaded");
    println!("× best ref: ours / best reference for RMSE and log-loss, best / ours for accuracy (> 1: worse)\n");
    println!("{GOAL}\n");
    for (spec, train_rows, test_rows, scores) in &results {
        table(spec, *train_rows, *test_rows, scores, budget as f64);
    }
    println!("total bench time: {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Splits `file` into `dir/train.csv` and `dir/test.csv`: a seeded shuffle,
/// the last 20% of it for test, each part in file order, every row kept as
/// its original CSV text. Returns the row counts.
fn split(file: &Path, dir: &Path) -> Result<(usize, usize)> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[..]);
    let mut record = csv::ByteRecord::new();
    let mut starts = Vec::new();
    loop {
        let at = reader.position().byte() as usize;
        if !reader.read_byte_record(&mut record)? {
            break;
        }
        starts.push(at);
    }
    starts.push(bytes.len());
    let text = |i: usize| {
        let s = &bytes[starts[i]..starts[i + 1]];
        let s = s.strip_suffix(b"\n").unwrap_or(s);
        s.strip_suffix(b"\r").unwrap_or(s)
    };
    let n = starts.len() - 2; // records minus the header
    let mut order: Vec<usize> = (1..=n).collect();
    let mut state = SPLIT_SEED;
    for i in (1..order.len()).rev() {
        let j = (splitmix(&mut state) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let tests_n = (n as f64 * TEST_FRACTION).round() as usize;
    let (train, test) = order.split_at(n - tests_n);
    std::fs::create_dir_all(dir)?;
    for (name, rows) in [("train.csv", train), ("test.csv", test)] {
        let mut rows = rows.to_vec();
        rows.sort_unstable();
        let mut out = text(0).to_vec();
        out.push(b'\n');
        for r in rows {
            out.extend_from_slice(text(r));
            out.push(b'\n');
        }
        std::fs::write(dir.join(name), out)?;
    }
    Ok((train.len(), test.len()))
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Trains citizen on `dir/train.csv` and scores the exported model on `dir/test.csv`.
fn citizen(spec: &Spec, dir: &Path, budget: Duration) -> Result<Score> {
    let data = trainer::data::load(&dir.join("train.csv"))?;
    let opts = trainer::search::Options {
        target: spec.target.into(),
        task: Some(spec.task),
        metric: None,
        time_budget: budget,
        exclude: spec.exclude.iter().map(|s| s.to_string()).collect(),
        seed: 0,
        name: format!("{}-bench", spec.name),
        refit: true,
        categorical: Vec::new(),
        cancel: None,
    };
    let t = Instant::now();
    // The search's lines (schema, candidates, notes) go to standard error.
    let trained = trainer::search::train(&data, &opts, &mut |event| {
        if let trainer::search::Progress::Line(line) = event {
            eprintln!("{line}");
        }
    })?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let winner = &trained.leaderboard[trained.winner];
    let mut note = format!("{} {} (of {} tried)", winner.family, winner.described(), trained.leaderboard.len());

    let model = runtime_wasm::Model::load(&trained.bytes)?;
    let mut test = Table::from_csv(&std::fs::read(dir.join("test.csv"))?)?;
    let (prediction, refused) = predict(&model, &mut test)?;
    if !refused.is_empty() {
        note += &format!("; refused test cells scored as missing: {}", refused.join("; "));
    }
    let target = test.column(spec.target).context("the test file has the target")?;
    let truth: Vec<&Cell> = test.rows().map(|r| &r[target]).collect();
    let contender = "citizen".to_string();
    match spec.task {
        Task::Regression => {
            let col = prediction
                .columns
                .iter()
                .find(|c| c.path.0 == spec.target)
                .context("the regression model has no output for the target")?;
            let mut se = 0.0;
            for (i, y) in truth.iter().enumerate() {
                let y = y.as_f64().context("a test row has no numeric target")?;
                let p = col.values.number(i).context("non-numeric prediction")?;
                se += (p - y).powi(2);
            }
            let value = (se / truth.len() as f64).sqrt();
            Ok(Score { contender, value, logloss: None, fit_seconds, note })
        }
        Task::Classification => {
            let label = prediction
                .columns
                .iter()
                .find(|c| c.path == ("label".to_string(), None))
                .context("the classifier has no label output")?;
            let (mut right, mut loss) = (0usize, 0.0);
            for (i, y) in truth.iter().enumerate() {
                let Cell::Text(y) = y else { bail!("a test row's class is {y}, not text") };
                right += usize::from(label.values.text(i) == *y);
                let p = prediction
                    .columns
                    .iter()
                    .find(|c| c.path.0 == "probability" && c.path.1.as_deref() == Some(y.as_str()))
                    .and_then(|c| c.values.number(i))
                    .unwrap_or(0.0); // a class never seen in training
                loss -= p.clamp(EPS, 1.0).ln();
            }
            let n = truth.len() as f64;
            Ok(Score { contender, value: right as f64 / n, logloss: Some(loss / n), fit_seconds, note })
        }
    }
}

/// Predicts every row. Cells the model refuses (a category or a kind of
/// value the training rows never showed) are made missing, as the
/// references treat a category they never saw, and listed.
fn predict(model: &runtime_wasm::Model, test: &mut Table) -> Result<(runtime_wasm::Prediction, Vec<String>)> {
    let mut refused = Vec::new();
    loop {
        let errors = match model.predict(test) {
            Ok(p) => return Ok((p, refused)),
            Err(runtime_wasm::Error::Input(manifest::Error::Rows(errors))) if refused.len() < 1000 => errors,
            Err(e) => return Err(e.into()),
        };
        let mut blanked = Table::new(test.columns().to_vec());
        for (i, row) in test.rows().enumerate() {
            let mut row = row.to_vec();
            for e in errors.iter().filter(|e| e.row == i + 1) {
                let col = test.column(&e.field).context("a refused field is a column")?;
                if row[col].is_missing() {
                    bail!("the model refuses a missing cell: {e}");
                }
                row[col] = Cell::Missing;
            }
            blanked.push_row(row)?;
        }
        refused.extend(errors.iter().map(|e| e.to_string()));
        *test = blanked;
    }
}

/// Runs `scripts/train_bench.py` on every split; returns the versions line
/// and one JSON object per contender and dataset.
fn python(specs: &[&Spec], root: &Path) -> Result<(String, Vec<Value>)> {
    let cache = std::env::var("CITIZEN_CACHE").context("CITIZEN_CACHE is not set")?;
    let python = Path::new(&cache).join("venv/bin/python");
    let jobs: Vec<Value> = specs
        .iter()
        .map(|s| {
            serde_json::json!({
                "dataset": s.name,
                "dir": root.join(s.name),
                "target": s.target,
                "exclude": s.exclude,
                "task": if s.task == Task::Regression { "regression" } else { "classification" },
            })
        })
        .collect();
    let out = Command::new(&python)
        .arg(tests::repo().join("scripts/train_bench.py"))
        .arg(serde_json::to_string(&jobs)?)
        .env("OMP_NUM_THREADS", "1")
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    if !out.status.success() {
        bail!("scripts/train_bench.py failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut versions = String::new();
    let mut lines = Vec::new();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<Value>(l) else { continue };
        if let Some(map) = v["versions"].as_object() {
            versions =
                map.iter().map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("?"))).collect::<Vec<_>>().join(", ");
        } else {
            lines.push(v);
        }
    }
    Ok((versions, lines))
}

/// The ratio against the best reference; > 1 means worse.
fn ratio(ours: f64, best: f64, higher_is_better: bool) -> f64 {
    if higher_is_better { best / ours } else { ours / best }
}

fn table(spec: &Spec, train_rows: usize, test_rows: usize, scores: &[Score], budget: f64) {
    let regression = spec.task == Task::Regression;
    let refs = scores.iter().filter(|s| s.contender != "citizen");
    let best_value = if regression {
        refs.clone().map(|s| s.value).fold(f64::INFINITY, f64::min)
    } else {
        refs.clone().map(|s| s.value).fold(f64::NEG_INFINITY, f64::max)
    };
    let best_loss = refs.filter_map(|s| s.logloss).fold(f64::INFINITY, f64::min);
    println!(
        "{} → {} ({}; {train_rows} train / {test_rows} test rows)",
        spec.name,
        spec.target,
        if regression { "regression" } else { "classification" }
    );
    if regression {
        println!("  {:<34} {:>12} {:>11} {:>8}", "contender", "test RMSE", "× best ref", "fit s");
    } else {
        println!(
            "  {:<34} {:>9} {:>11} {:>9} {:>11} {:>8}",
            "contender", "accuracy", "× best ref", "log-loss", "× best ref", "fit s"
        );
    }
    for s in scores {
        if regression {
            println!(
                "  {:<34} {:>12.4} {:>11.3} {:>8.2}",
                s.contender,
                s.value,
                ratio(s.value, best_value, false),
                s.fit_seconds
            );
        } else {
            let loss = s.logloss.unwrap_or(f64::NAN);
            println!(
                "  {:<34} {:>9.4} {:>11.3} {:>9.4} {:>11.3} {:>8.2}",
                s.contender,
                s.value,
                ratio(s.value, best_value, true),
                loss,
                ratio(loss, best_loss, false),
                s.fit_seconds
            );
        }
    }
    let Some(ours) = scores.iter().find(|s| s.contender == "citizen") else { return };
    println!("  citizen's model: {}", ours.note);
    let mut ratios = vec![ratio(ours.value, best_value, !regression)];
    if let Some(l) = ours.logloss {
        ratios.push(ratio(l, best_loss, false));
    }
    let worst = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let in_time = ours.fit_seconds <= budget;
    let verdict = if worst.is_nan() {
        "no reference result".to_string()
    } else if worst <= 1.0 && in_time {
        "MEETS the goal: at or better than the best reference".to_string()
    } else if worst <= 1.10 {
        format!(
            "short of the goal but within 10% (worst ratio {worst:.3}{})",
            if in_time { String::new() } else { format!("; fit {:.1} s > {budget} s", ours.fit_seconds) }
        )
    } else {
        format!("MORE THAN 10% BEHIND the best reference (worst ratio {worst:.3})")
    };
    println!("  verdict: {verdict}\n");
}
