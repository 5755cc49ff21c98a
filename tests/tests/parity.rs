//! One list of cases against every engine. Each engine has its own test so
//! a failure names the engine; all share the same cases and checks.

use std::path::{Path, PathBuf};

use prost::Message;
use runtime_wasm::pb;
use tests::{ABS, Case, Engine, REL, compare_csv, example_models, fixture_cases, repo};

/// The converter fixtures match the training library's own predictions.
fn check_fixtures(engine: &dyn Engine) {
    let cases = fixture_cases();
    assert!(cases.len() >= 15, "fixtures missing: {}", cases.len());
    let inputs: Vec<Case> = cases.iter().map(|(c, _)| c.clone()).collect();
    let results = engine.run(&inputs).unwrap_or_else(|e| panic!("{}: {e:#}", engine.name()));
    let mut failures = Vec::new();
    for ((case, expected), result) in cases.iter().zip(results) {
        match result {
            Ok(out) => {
                let expected = std::fs::read_to_string(expected).unwrap();
                let diffs = compare_csv(&expected, &out, REL, ABS);
                if !diffs.is_empty() {
                    failures.push(format!("{}: {}", case.name, diffs.join("; ")));
                }
            }
            Err(e) => failures.push(format!("{}: error: {e}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{} disagrees with the libraries:\n{}", engine.name(), failures.join("\n"));
}

/// Every example model reproduces its golden cases.
fn check_golden(engine: &dyn Engine) {
    let models = example_models();
    assert!(!models.is_empty());
    let reports = engine.golden(&models).unwrap_or_else(|e| panic!("{}: {e:#}", engine.name()));
    for (m, r) in models.iter().zip(reports) {
        let r = r.unwrap_or_else(|e| panic!("{}: {}: {e}", engine.name(), m.display()));
        assert!(r["cases"].as_u64().unwrap_or(0) >= 5, "{}: too few golden cases: {r}", m.display());
        assert_eq!(r["mismatches"], serde_json::json!([]), "{} on {}", engine.name(), m.display());
    }
}

/// The example predictions match native tract's. Our runtime writes the
/// same bytes on every target for models made of our own kernels (trees,
/// linear); models with matrix products (an MLP's Gemm) run through tract's
/// SIMD kernels, which round differently per target, so those (and ONNX
/// Runtime) are held to the stated tolerance instead.
fn check_example(engine: &dyn Engine, byte_identical: bool) {
    for (model, exact) in [("models/car-price-gbr.onnx", byte_identical), ("models/car-price.onnx", false)] {
        let case = Case::new(model, repo().join(model), repo().join("data/cars93.csv"));
        let native = tests::Tract.run(std::slice::from_ref(&case)).unwrap().remove(0).unwrap();
        let got = engine.run(&[case]).unwrap().remove(0).unwrap_or_else(|e| panic!("{}: {e}", engine.name()));
        if exact {
            assert_eq!(got, native, "{} output of {model} differs from native", engine.name());
        } else {
            let diffs = compare_csv(&price_column(&native), &got, REL, ABS);
            assert!(diffs.is_empty(), "{} on {model}: {diffs:?}", engine.name());
        }
    }
}

fn price_column(csv_text: &str) -> String {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let h = r.headers().unwrap().clone();
    let ix = h.iter().position(|c| c == "predicted_Price").expect("the output column");
    let mut out = format!("{}\n", &h[ix]);
    for rec in r.records() {
        out += &format!("{}\n", &rec.unwrap()[ix]);
    }
    out
}

/// Inputs every engine must refuse with the same clear message.
struct BadCase {
    case: Case,
    /// Every one of these must appear in the error.
    says: Vec<&'static str>,
    /// What ONNX Runtime must say instead, where it reports a model problem
    /// in its own words.
    ort_says: Option<Vec<&'static str>>,
}

/// A folder of its own for each call: tests run in parallel threads and
/// must not read files another test is writing.
fn scratch() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("citizen-parity-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `data/cars93.csv`'s first rows with some cells replaced.
fn cars_with(dir: &Path, name: &str, edits: &[(usize, &str, &str)], drop: Option<&str>) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let keep: Vec<usize> = (0..headers.len()).filter(|&i| Some(&headers[i]) != drop).collect();
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(keep.iter().map(|&i| &headers[i])).unwrap();
    for (row, rec) in r.records().take(3).enumerate() {
        let rec = rec.unwrap();
        let cells: Vec<String> = keep
            .iter()
            .map(|&i| {
                edits
                    .iter()
                    .find(|(r, f, _)| *r == row + 1 && *f == &headers[i])
                    .map(|(_, _, v)| v.to_string())
                    .unwrap_or_else(|| rec[i].to_string())
            })
            .collect();
        w.write_record(&cells).unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
    path
}

fn with_manifest_version(dir: &Path, version: u32) -> PathBuf {
    let bytes = std::fs::read(repo().join("models/car-price.onnx")).unwrap();
    let mut proto = pb::ModelProto::decode(bytes.as_slice()).unwrap();
    for p in proto.metadata_props.iter_mut().filter(|p| p.key == "citizen.manifest") {
        let mut v: serde_json::Value = serde_json::from_str(&p.value).unwrap();
        v["format_version"] = version.into();
        v["something_new"] = "from the future".into();
        p.value = v.to_string();
    }
    let path = dir.join(format!("manifest-v{version}.onnx"));
    std::fs::write(&path, proto.encode_to_vec()).unwrap();
    path
}

fn with_unsupported_op(dir: &Path) -> PathBuf {
    let bytes = std::fs::read(repo().join("tests/fixtures/linear_regression/model.onnx")).unwrap();
    let mut proto = pb::ModelProto::decode(bytes.as_slice()).unwrap();
    let node = &mut proto.graph.as_mut().unwrap().node[0];
    node.op_type = "SVMRegressor".into();
    node.name = "svm_1".into();
    let path = dir.join("unsupported-op.onnx");
    std::fs::write(&path, proto.encode_to_vec()).unwrap();
    path
}

fn bad_cases() -> Vec<BadCase> {
    let dir = scratch();
    let car = repo().join("models/car-price.onnx");
    let good = repo().join("data/cars93.csv");
    let truncated = dir.join("truncated.onnx");
    let bytes = std::fs::read(&car).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let ragged = dir.join("ragged.csv");
    let text = std::fs::read_to_string(&good).unwrap();
    let mut lines: Vec<&str> = text.lines().take(4).collect();
    lines[2] = "\"2\",\"Acura\",\"Legend\"";
    std::fs::write(&ragged, lines.join("\n")).unwrap();
    let c = |name: &str, model: &Path, input: &Path| Case::new(name, model.to_path_buf(), input.to_path_buf());
    vec![
        BadCase {
            case: c("truncated model", &truncated, &good),
            says: vec!["this is not an ONNX model"],
            ort_says: None,
        },
        BadCase {
            case: c("CSV given as model", &good, &good),
            says: vec!["this is not an ONNX model"],
            ort_says: None,
        },
        BadCase {
            case: c(
                "unsupported operator",
                &with_unsupported_op(&dir),
                &repo().join("tests/fixtures/linear_regression/input.csv"),
            ),
            says: vec!["operator `SVMRegressor` (domain `ai.onnx.ml`) in node `svm_1`", "does not support"],
            ort_says: Some(vec!["ONNX Runtime refused the model", "svm_1", "SVMRegressor"]),
        },
        BadCase {
            case: c("manifest from the future", &with_manifest_version(&dir, 2), &good),
            says: vec!["manifest format version 2", "reads up to version 1"],
            ort_says: None,
        },
        BadCase {
            case: c("wrong type", &car, &cars_with(&dir, "wrong-type.csv", &[(2, "Horsepower", "fast")], None)),
            says: vec!["row 2, field `Horsepower`: expected a number, found \"fast\""],
            ort_says: None,
        },
        BadCase {
            case: c("unknown category", &car, &cars_with(&dir, "category.csv", &[(1, "Type", "Truck")], None)),
            says: vec!["row 1, field `Type`: unknown category \"Truck\"; expected one of"],
            ort_says: None,
        },
        BadCase {
            case: c("missing column", &car, &cars_with(&dir, "missing.csv", &[], Some("DriveTrain"))),
            says: vec!["the file has no column `DriveTrain`, which the model needs (no default); its columns are"],
            ort_says: None,
        },
        BadCase {
            case: c("missing value", &car, &cars_with(&dir, "empty-cell.csv", &[(1, "DriveTrain", "")], None)),
            says: vec!["row 1, field `DriveTrain`: missing value, and the field has no default"],
            ort_says: None,
        },
        BadCase {
            case: c("NaN", &car, &cars_with(&dir, "nan.csv", &[(3, "Weight", "NaN")], None)),
            says: vec!["row 3, field `Weight`: NaN is not allowed"],
            ort_says: None,
        },
        BadCase {
            case: c("infinity", &car, &cars_with(&dir, "inf.csv", &[(1, "Length", "inf")], None)),
            says: vec!["row 1, field `Length`: inf is not allowed"],
            ort_says: None,
        },
        BadCase {
            case: c("ragged CSV", &car, &ragged),
            says: vec!["line 3: the row has 3 fields, but the header has 28"],
            ort_says: None,
        },
    ]
}

fn check_bad_input(engine: &dyn Engine) {
    let cases = bad_cases();
    let inputs: Vec<Case> = cases.iter().map(|c| c.case.clone()).collect();
    let results = engine.run(&inputs).unwrap_or_else(|e| panic!("{}: {e:#}", engine.name()));
    let native = tests::Tract.run(&inputs).unwrap();
    let mut failures = Vec::new();
    for ((bad, got), native) in cases.iter().zip(results).zip(native) {
        match got {
            Ok(_) => failures.push(format!("{}: accepted", bad.case.name)),
            Err(e) => {
                let is_ort = engine.name() == tests::Ort.name();
                let says = match (&bad.ort_says, is_ort) {
                    (Some(o), true) => o,
                    _ => &bad.says,
                };
                if !says.iter().all(|s| e.contains(s)) {
                    failures.push(format!("{}: unclear error {e:?}, expected it to say {says:?}", bad.case.name));
                }
                // Our runtime says the same thing on every target (ONNX
                // Runtime reports model problems in its own words).
                let native = native.unwrap_err();
                if !is_ort && !e.ends_with(&native) {
                    failures.push(format!("{}: {e:?} differs from native {native:?}", bad.case.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}:\n{}", engine.name(), failures.join("\n"));
}

/// A BOM, `NA` cells and quoted strings are read as the same table.
fn check_bom_and_na(engine: &dyn Engine) {
    let dir = scratch();
    let plain = std::fs::read(repo().join("data/cars93.csv")).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&plain);
    let path = dir.join("bom.csv");
    std::fs::write(&path, bom).unwrap();
    assert!(String::from_utf8_lossy(&plain).contains(",NA,"), "the example data has NA cells");
    let car = repo().join("models/car-price.onnx");
    let out = engine
        .run(&[Case::new("bom", car.clone(), path), Case::new("plain", car, repo().join("data/cars93.csv"))])
        .unwrap();
    let (a, b) = (out[0].clone().unwrap(), out[1].clone().unwrap());
    assert_eq!(a, b, "{}: a BOM changes the output", engine.name());
}

/// A table with a header and no rows gives the output columns and no rows,
/// for a manifest classifier and regressor and a plain model with ZipMap.
fn check_empty_table(engine: &dyn Engine) {
    let dir = scratch();
    let iris = "Sepal.Length,Sepal.Width,Petal.Length,Petal.Width";
    // The example data's columns but the target, without the row-name column.
    let cars = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    let cars: Vec<&str> = cars
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(|c| c.trim_matches('"'))
        .filter(|c| !c.is_empty() && *c != "Price")
        .collect();
    let cars = &cars.join(",");
    let cases = [
        ("models/iris-species.onnx", iris, "label,probability_setosa,probability_versicolor,probability_virginica"),
        ("models/car-price.onnx", cars, "Price"),
        (
            "tests/fixtures/logistic_multiclass/model.onnx",
            iris,
            "output_label,output_probability_setosa,output_probability_versicolor,output_probability_virginica",
        ),
    ];
    let runs: Vec<Case> = cases
        .iter()
        .enumerate()
        .map(|(i, (m, head, _))| {
            let input = dir.join(format!("empty-{i}.csv"));
            std::fs::write(&input, format!("{head}\n")).unwrap();
            Case::new(m, repo().join(m), input)
        })
        .collect();
    for ((model, head, outputs), got) in cases.iter().zip(engine.run(&runs).unwrap()) {
        let got = got.unwrap_or_else(|e| panic!("{} on {model}: {e}", engine.name()));
        assert_eq!(got, format!("{head},{outputs}\n"), "{} on {model}", engine.name());
    }
}

macro_rules! engine_tests {
    ($module:ident, $engine:expr, $identical:expr) => {
        mod $module {
            use super::*;
            #[test]
            fn fixtures_match_the_training_libraries() {
                check_fixtures(&$engine);
            }
            #[test]
            fn golden_cases_pass() {
                check_golden(&$engine);
            }
            #[test]
            fn example_prediction_matches_native() {
                check_example(&$engine, $identical);
            }
            #[test]
            fn bad_input_is_a_clear_error() {
                check_bad_input(&$engine);
            }
            #[test]
            fn bom_and_na_cells_are_read() {
                check_bom_and_na(&$engine);
            }
            #[test]
            fn an_empty_table_gives_the_output_columns() {
                check_empty_table(&$engine);
            }
        }
    };
}

engine_tests!(tract_native, tests::Tract, true);
engine_tests!(onnx_runtime, tests::Ort, false);
engine_tests!(wasi_wasmtime, tests::Wasmtime, true);
engine_tests!(browser_node, tests::Js { engine: "node" }, true);
engine_tests!(browser_chromium, tests::Js { engine: "browser" }, true);
