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
    let tract = citizen(&["predict", "-m", "models/car-price.onnx", "data/cars93.csv"]);
    assert!(tract.status.success(), "{}", stderr(&tract));
    let wasm = citizen(&["predict", "--engine", "wasm", "-m", "models/car-price.onnx", "data/cars93.csv"]);
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
    let o = citizen(&["predict", "-m", "models/iris-species.onnx", bad.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.starts_with(&format!("error: {}: invalid input (2 problems):", bad.display())), "{e}");
    assert!(e.contains("row 2, field `Sepal.Width`: expected a number, found \"wide\""), "{e}");
    assert!(e.contains("row 2, field `Sepal.Length`: NaN is not allowed: the value must be a finite number"), "{e}");
    assert!(!out.exists(), "a failed prediction must not leave an output file");
    assert!(!e.contains("panicked"));

    let o = citizen(&["predict", "-m", "data/cars93.csv", "data/cars93.csv"]);
    assert!(stderr(&o).starts_with("error: data/cars93.csv: this is not an ONNX model"), "{}", stderr(&o));
    let o = citizen(&["predict", "-m", "models/nope.onnx", "data/cars93.csv"]);
    assert!(stderr(&o).starts_with("error: cannot read models/nope.onnx"), "{}", stderr(&o));
    let o = citizen(&["predict", "-m", "models/car-price.onnx", "data/PROVENANCE.md"]);
    assert!(stderr(&o).contains("cannot tell the format from the extension"), "{}", stderr(&o));
}
