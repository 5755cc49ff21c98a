//! The `citizen` command as a user runs it: real processes, real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn citizen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citizen")).args(args).current_dir(repo()).output().expect("citizen runs")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("citizen-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `citizen train DATA --target TARGET EXTRA... -o OUT`.
fn train(data: &str, target: &str, extra: &[&str], out: &Path) -> Output {
    let mut args = vec!["train", data, "--target", target];
    args.extend_from_slice(extra);
    args.extend(["-o", out.to_str().unwrap()]);
    citizen(&args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn inspect_shows_fields_outputs_and_checks_golden_cases() {
    let o = citizen(&["inspect", "models/car-price.onnx"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    for needle in [
        "car-price (Regression, manifest format 1)",
        "Type                   one of Compact, Large, Midsize, Small, Sporty, Van",
        "Horsepower             number, seen 55 to 300 (default 140.0)",
        "Man.trans.avail        yes/no",
        "Price                  number",
        "Golden cases: 6 (6 pass here)",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    let o = citizen(&["inspect", "--json", "models/iris-species.onnx"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["signature"]["outputs"][0]["classes"], serde_json::json!(["setosa", "versicolor", "virginica"]));
    let o = citizen(&["inspect", "tests/fixtures/lightgbm_binary/model.onnx"]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("a plain ONNX model") && out.contains("ai.onnx.ml:TreeEnsembleClassifier"), "{out}");
}

#[test]
fn predict_appends_outputs_and_writes_atomically() {
    let dir = scratch("predict");
    let out = dir.join("priced.csv");
    let o = citizen(&["predict", "--model", "models/car-price.onnx", "data/cars93.csv", "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(",Manufacturer,Model,Type,Min.Price,Price,") && header.ends_with(",Make,predicted_Price"),
        "{header}"
    );
    assert_eq!(lines.count(), 93);
    // Input cells are written back as they were, NA included.
    assert!(text.contains(",NA,"));
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("priced.csv")]);
}

#[test]
fn predict_json_lines_in_and_out() {
    let dir = scratch("jsonl");
    let input = dir.join("rows.jsonl");
    std::fs::write(
        &input,
        "{\"Sepal.Length\": 5.1, \"Sepal.Width\": 3.5, \"Petal.Length\": 1.4, \"Petal.Width\": 0.2}\n\
         {\"Sepal.Length\": 6.7, \"Sepal.Width\": 3.0, \"Petal.Length\": 5.2, \"Petal.Width\": 2.3}\n",
    )
    .unwrap();
    let o = citizen(&["predict", "-m", "models/iris-species.onnx", input.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> =
        String::from_utf8(o.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows[0]["label"], "setosa");
    assert_eq!(rows[1]["label"], "virginica");
    let p = rows[0]["probability"].as_object().unwrap();
    let sum: f64 = p.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-5 && p["setosa"].as_f64().unwrap() > 0.9, "{p:?}");
}

#[test]
fn engines_give_the_same_file() {
    // A tree model: our own kernels give the same bytes on every target.
    let tract = citizen(&["predict", "-m", "models/car-price-gbr.onnx", "data/cars93.csv"]);
    assert!(tract.status.success(), "{}", stderr(&tract));
    let wasm = citizen(&["predict", "--engine", "wasm", "-m", "models/car-price-gbr.onnx", "data/cars93.csv"]);
    assert!(wasm.status.success(), "{}", stderr(&wasm));
    assert_eq!(tract.stdout, wasm.stdout, "native and WASI outputs differ");
}

#[test]
fn errors_name_the_file_row_field_and_reason_and_leave_nothing() {
    let dir = scratch("errors");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "Sepal.Length,Sepal.Width,Petal.Length,Petal.Width\n5.1,3.5,1.4,0.2\nNaN,wide,1.4,\n")
        .unwrap();
    let out = dir.join("out.csv");
    // Every engine names the file (each once), the rows and the fields.
    for engine in ["tract", "ort", "wasm"] {
        let args = ["predict", "--engine", engine, "-m", "models/iris-species.onnx", bad.to_str().unwrap(), "-o"];
        let o = citizen(&[&args[..], &[out.to_str().unwrap()]].concat());
        assert!(!o.status.success());
        let e = stderr(&o);
        assert!(e.starts_with(&format!("error: {}: invalid input (2 problems):", bad.display())), "{engine}: {e}");
        assert_eq!(e.matches(bad.to_str().unwrap()).count(), 1, "{engine}: {e}");
        assert!(e.contains("row 2, field `Sepal.Width`: expected a number, found \"wide\""), "{engine}: {e}");
        assert!(
            e.contains("row 2, field `Sepal.Length`: NaN is not allowed: the value must be a finite number"),
            "{e}"
        );
        assert!(!out.exists(), "a failed prediction must not leave an output file");
        assert!(!e.contains("panicked"));
    }

    // A file of none of the model's fields is refused as a file, in the
    // words the server and the web app use.
    let other = dir.join("other.csv");
    std::fs::write(&other, "a,b\n1,2\n").unwrap();
    for engine in ["tract", "ort", "wasm"] {
        let o = citizen(&["predict", "--engine", engine, "-m", "models/iris-species.onnx", other.to_str().unwrap()]);
        assert!(!o.status.success());
        let e = stderr(&o);
        let says =
            format!("error: {}: the file has none of the model's fields: its columns are `a`, `b`", other.display());
        assert!(e.starts_with(&says), "{engine}: {e}");
        // JSON Lines, and CSV written as JSON, report per row, alike on every engine.
        let lines = dir.join("other.jsonl");
        std::fs::write(&lines, "{\"a\": 1, \"b\": 2}\n").unwrap();
        for (input, to) in [(&lines, "jsonl"), (&other, "json")] {
            let args = ["predict", "--engine", engine, "-m", "models/iris-species.onnx", input.to_str().unwrap()];
            let o = citizen(&[&args[..], &["--to", to]].concat());
            let e = stderr(&o);
            let says = format!("error: {}: the rows have none of the model's fields", input.display());
            assert!(e.starts_with(&says), "{engine} {to}: {e}");
        }
    }

    let o = citizen(&["predict", "-m", "data/cars93.csv", "data/cars93.csv"]);
    assert!(stderr(&o).starts_with("error: data/cars93.csv: this is not an ONNX model"), "{}", stderr(&o));
    let o = citizen(&["predict", "-m", "models/nope.onnx", "data/cars93.csv"]);
    assert!(stderr(&o).starts_with("error: cannot read models/nope.onnx"), "{}", stderr(&o));
    let o = citizen(&["predict", "-m", "models/car-price.onnx", "data/PROVENANCE.md"]);
    assert!(stderr(&o).contains("cannot tell the format from the extension"), "{}", stderr(&o));
}

#[test]
fn train_writes_a_checked_model_that_predicts() {
    let dir = scratch("train");
    let model = dir.join("iris.onnx");
    let o = train("data/iris.csv", "Species", &["--time-budget", "20s"], &model);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    for needle in [
        "Species",
        "classification",
        "Leaderboard (log_loss, lower is better)",
        "<- winner",
        "6 golden cases reproduced by the runtime",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
    let o = citizen(&["inspect", "--json", model.to_str().unwrap()]);
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(m["task"], "classification");
    assert_eq!(m["signature"]["outputs"][0]["classes"], serde_json::json!(["setosa", "versicolor", "virginica"]));
    assert!(m["metrics"]["cv_log_loss"].as_f64().unwrap() < 0.3, "{}", m["metrics"]);
    assert_eq!(m["training_data"]["rows"], 150);
    let o = citizen(&["predict", "-m", model.to_str().unwrap(), "data/iris.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let mut r = csv_rows(&out);
    let header = r.remove(0);
    let (truth, label) =
        (header.iter().position(|h| h == "Species").unwrap(), header.iter().position(|h| h == "label").unwrap());
    let right = r.iter().filter(|row| row[truth] == row[label]).count();
    assert!(right >= 140, "{right} of 150 right");
}

/// iris as Parquet: the measurements as float64, the species as text.
fn iris_parquet(path: &Path) {
    use arrow::array::{ArrayRef, Float64Array, StringArray};
    use std::sync::Arc;
    let text = std::fs::read_to_string(repo().join("data/iris.csv")).unwrap();
    let rows = csv_rows(&text);
    let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
    for (j, name) in rows[0].iter().enumerate().skip(1) {
        let cells = rows[1..].iter().map(|r| r[j].as_str());
        let array: ArrayRef = if name == "Species" {
            Arc::new(StringArray::from_iter_values(cells))
        } else {
            Arc::new(Float64Array::from_iter_values(cells.map(|c| c.parse::<f64>().unwrap())))
        };
        columns.push((name.as_str(), array));
    }
    let batch = arrow::record_batch::RecordBatch::try_from_iter(columns).unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn train_reads_parquet() {
    let dir = scratch("train-parquet");
    let (data, model) = (dir.join("iris.parquet"), dir.join("iris.onnx"));
    iris_parquet(&data);
    let o = train(data.to_str().unwrap(), "Species", &["--time-budget", "10s"], &model);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("Read iris.parquet (150 rows, 5 columns)"), "{}", stderr(&o));
    let o = citizen(&["inspect", "--json", model.to_str().unwrap()]);
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(m["training_data"]["rows"], 150);
    assert_eq!(m["signature"]["outputs"][0]["classes"], serde_json::json!(["setosa", "versicolor", "virginica"]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A budget too short for the search: the first candidate is still fitted,
/// the user is told, and the model is written.
#[test]
fn a_tiny_time_budget_fits_one_candidate_and_says_so() {
    let dir = scratch("tiny-budget");
    let model = dir.join("m.onnx");
    let o =
        train("data/cars93.csv", "Price", &["--exclude", "Min.Price,Max.Price", "--time-budget", "0.000001s"], &model);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("The time budget of 1µs was reached after 1 of 35 candidates; a longer --time-budget tries more."),
        "{e}"
    );
    assert!(e.contains("<- winner"), "{e}");
    assert!(model.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// --no-refit keeps the winner as the search fitted it (on 4/5 of the rows).
#[test]
fn no_refit_keeps_the_searched_model() {
    let dir = scratch("no-refit");
    let (a, b) = (dir.join("refit.onnx"), dir.join("kept.onnx"));
    for (out, extra) in [(&a, &["--time-budget", "10s"][..]), (&b, &["--time-budget", "10s", "--no-refit"])] {
        let o = train("data/iris.csv", "Species", extra, out);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stderr(&o).contains("--no-refit: the model is the winner as fitted on 120 of the 150 rows"),
            extra.len() == 3
        );
    }
    assert!(std::fs::read(&a).unwrap() != std::fs::read(&b).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

fn csv_rows(s: &str) -> Vec<Vec<String>> {
    s.lines().map(|l| l.split(',').map(|c| c.trim_matches('"').to_string()).collect()).collect()
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let dir = scratch("seed");
    let (a, b) = (dir.join("a.onnx"), dir.join("b.onnx"));
    for out in [&a, &b] {
        let o = train(
            "data/cars93.csv",
            "Price",
            &["--exclude", "Min.Price,Max.Price", "--seed", "7", "--name", "cars"],
            out,
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "two runs with one seed wrote different models");
}

#[test]
fn training_errors_are_clear_and_leave_no_model() {
    let dir = scratch("train-errors");
    let out = dir.join("m.onnx");
    let cases: [(&[&str], &str); 4] = [
        (&["data/cars93.csv", "--target", "Colour"], "there is no column `Colour` to predict"),
        (
            &["data/cars93.csv", "--target", "Price", "--metric", "accuracy"],
            "the metric `accuracy` does not apply to regression",
        ),
        (&["data/cars93.csv", "--target", "Price", "--time-budget", "soon"], "cannot read the time budget"),
        (&["data/nope.csv", "--target", "Price"], "cannot read `data/nope.csv`"),
    ];
    for (args, says) in cases {
        let mut all = vec!["train"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["-o", out.to_str().unwrap()]);
        let o = citizen(&all);
        assert!(!o.status.success());
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
        assert!(!out.exists());
    }
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "nothing may be left behind: {left:?}");
}
