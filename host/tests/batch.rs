//! The batch engine on real files in a temporary folder, with both engines:
//! ONNX Runtime (`ORT_DYLIB_PATH`, set by `scripts/env.sh`; a missing
//! library fails these tests) and our runtime (tract).

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Date32Array, Float64Array, Int64Array, ListArray, StringArray};
use arrow::datatypes::{DataType, Field, Float32Type, Int32Type, Schema};
use arrow::record_batch::RecordBatch;
use host::batch::{BatchFormat, BatchOptions, Cancelled, Predictor, Progress, Summary, run_batch};
use host::ort_engine::OrtModel;
use manifest::{Cell, Table};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;
use runtime_wasm::Model;
use runtime_wasm::format::{self, Format};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!("citizen-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    Scratch(d)
}

fn model_bytes(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("models").join(name)).unwrap()
}

fn tract(name: &str) -> Model {
    Model::load(&model_bytes(name)).unwrap()
}

fn ort(name: &str) -> OrtModel {
    OrtModel::load(&model_bytes(name), 1).unwrap_or_else(|e| {
        panic!("ONNX Runtime is needed for the batch tests (source scripts/env.sh, run scripts/setup.sh): {e:#}")
    })
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(repo().join("data").join(name)).unwrap()
}

struct Run {
    summary: anyhow::Result<Summary>,
    output: Vec<u8>,
    errors: String,
    calls: Vec<Progress>,
}

/// Runs a batch on `input` (written to a file) and reads back what it wrote.
fn batch(model: &dyn Predictor, dir: &Path, input: &[u8], from: BatchFormat, to: BatchFormat, chunk: usize) -> Run {
    let input_path = dir.join(format!("input.{}", from.extension()));
    std::fs::write(&input_path, input).unwrap();
    batch_file(model, &input_path, from, to, chunk, &mut |_| ControlFlow::Continue(()))
}

fn batch_file(
    model: &dyn Predictor,
    input: &Path,
    from: BatchFormat,
    to: BatchFormat,
    chunk: usize,
    stop: &mut dyn FnMut(&Progress) -> ControlFlow<()>,
) -> Run {
    let dir = input.parent().unwrap();
    let output = dir.join(format!("output.{}", to.extension()));
    let errors = dir.join("errors.csv");
    let mut calls = Vec::new();
    let opts = BatchOptions { chunk_rows: chunk, output: to, ..BatchOptions::default() };
    let summary = run_batch(model, input, from, &output, &errors, &opts, &mut |p| {
        calls.push(*p);
        stop(p)
    });
    Run {
        summary,
        output: std::fs::read(&output).unwrap_or_default(),
        errors: std::fs::read_to_string(&errors).unwrap_or_default(),
        calls,
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

/// What `citizen predict` writes (our runtime).
fn citizen_predict(model: &Model, input: &[u8], from: Format, to: Format) -> Vec<u8> {
    format::predict_file(model, input, from, to).unwrap()
}

/// What `citizen predict --engine ort` writes.
fn citizen_predict_ort(model: &OrtModel, input: &[u8], from: Format, to: Format) -> Vec<u8> {
    let table = format::read_table(input, from).unwrap();
    let p = model.predict(&table).unwrap();
    format::write(input, from, &table, &p, to).unwrap()
}

/// Two CSV files with the same cells, numbers equal within the manifests'
/// default tolerance (1e-5 relative + 1e-6 absolute).
fn same_within_tolerance(a: &[u8], b: &[u8]) -> bool {
    let rows = |t: &[u8]| -> Vec<csv::StringRecord> {
        csv::ReaderBuilder::new().has_headers(false).from_reader(t).records().map(|r| r.unwrap()).collect()
    };
    let (a, b) = (rows(a), rows(b));
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|(p, q)| match (p.parse::<f64>(), q.parse::<f64>()) {
                    _ if p == q => true,
                    (Ok(p), Ok(q)) => (p - q).abs() <= 1e-5 * q.abs() + 1e-6,
                    _ => false,
                })
        })
}

const CASES: [(&str, &str); 3] =
    [("car-price-gbr.onnx", "cars93.csv"), ("car-price.onnx", "cars93.csv"), ("iris-species.onnx", "iris.csv")];

#[test]
fn csv_output_is_citizen_predicts_byte_for_byte() {
    let dir = scratch("csv");
    for (model, input) in CASES {
        let bytes = data(input);
        let (m, o) = (tract(model), ort(model));
        let expected = citizen_predict(&m, &bytes, Format::Csv, Format::Csv);
        let expected_ort = citizen_predict_ort(&o, &bytes, Format::Csv, Format::Csv);
        for chunk in [1, 7, 8192] {
            let run = batch(&m, &dir, &bytes, BatchFormat::Csv, BatchFormat::Csv, chunk);
            let rows = bytes.iter().filter(|&&b| b == b'\n').count() as u64 - 1;
            assert_eq!(run.summary.unwrap(), Summary { rows_done: rows, rows_failed: 0 }, "{model} chunk {chunk}");
            assert!(run.output == expected, "{model}, chunk {chunk}: the batch's CSV differs from citizen predict's");
            assert_eq!(run.errors, "row,field,reason\n");
            let run = batch(&o, &dir, &bytes, BatchFormat::Csv, BatchFormat::Csv, chunk);
            run.summary.unwrap();
            // ONNX Runtime's element-wise kernels (the `Exp` after a model of a
            // log target) take a vectorized path for full blocks and a scalar
            // one for the rest, so their last bit depends on the chunk: equal
            // within the model's tolerance, not always byte for byte.
            assert!(
                same_within_tolerance(&run.output, &expected_ort),
                "{model}, chunk {chunk}: ORT batch differs from citizen predict --engine ort"
            );
        }
    }
}

/// Lines copied as read and lines formatted by the csv writer give the
/// bytes of the csv writer alone: with a byte-order mark, CRLF and blank
/// lines, quoted and plain fields, and no line end at the end.
#[test]
fn csv_lines_copied_as_read_are_the_csv_writers_bytes() {
    let dir = scratch("lines");
    let iris = String::from_utf8(data("iris.csv")).unwrap();
    let mut csv = String::from("\u{feff}");
    for (i, line) in iris.lines().enumerate() {
        csv.push_str(&if i == 0 || i % 5 == 1 { line.to_string() } else { line.replace('"', "") });
        csv.push_str(match i % 7 {
            3 => "\r\n",
            4 => "\n\n",
            _ => "\n",
        });
    }
    let csv = csv.trim_end().as_bytes().to_vec();
    let m = tract("iris-species.onnx");
    let table = format::read_table(&csv, Format::Csv).unwrap();
    let p = m.predict(&table).unwrap();
    let expected = format::write(&csv, Format::Csv, &table, &p, Format::Csv).unwrap();
    assert_eq!(text(&citizen_predict(&m, &csv, Format::Csv, Format::Csv)), text(&expected));
    for chunk in [1, 7, 8192] {
        let run = batch(&m, &dir, &csv, BatchFormat::Csv, BatchFormat::Csv, chunk);
        run.summary.unwrap();
        assert_eq!(text(&run.output), text(&expected), "chunk {chunk}");
    }
}

#[test]
fn json_lines_in_and_out_are_citizen_predicts() {
    let dir = scratch("jsonl");
    // Rows from iris as JSON objects; one row lacks a key and one has an
    // extra key, a blank line is not a row: every row gets every column.
    let table = Table::from_csv(&data("iris.csv")).unwrap();
    let mut lines = String::new();
    for (i, row) in table.rows().enumerate() {
        let mut m = serde_json::Map::new();
        for (name, cell) in table.columns().iter().zip(row) {
            if name.is_empty() || (i == 3 && name == "Species") {
                continue;
            }
            let v = match cell {
                Cell::Text(s) => s.parse::<f64>().map(serde_json::Value::from).unwrap_or_else(|_| s.clone().into()),
                other => format::cell_json(other),
            };
            m.insert(name.clone(), v);
        }
        if i == 100 {
            m.insert("note".into(), "late key".into());
            lines.push('\n');
        }
        lines.push_str(&serde_json::Value::Object(m).to_string());
        lines.push('\n');
    }
    let (m, o) = (tract("iris-species.onnx"), ort("iris-species.onnx"));
    for (to, fmt) in [(BatchFormat::JsonLines, Format::JsonLines), (BatchFormat::Csv, Format::Csv)] {
        let expected = citizen_predict(&m, lines.as_bytes(), Format::JsonLines, fmt);
        for chunk in [1, 7, 10_000] {
            let run = batch(&m, &dir, lines.as_bytes(), BatchFormat::JsonLines, to, chunk);
            assert_eq!(run.summary.unwrap(), Summary { rows_done: 150, rows_failed: 0 });
            assert_eq!(text(&run.output), text(&expected), "{to:?}, chunk {chunk}");
        }
        let expected = citizen_predict_ort(&o, lines.as_bytes(), Format::JsonLines, fmt);
        let run = batch(&o, &dir, lines.as_bytes(), BatchFormat::JsonLines, to, 16);
        run.summary.unwrap();
        assert_eq!(text(&run.output), text(&expected), "ORT, {to:?}");
    }
    // JSON Lines in, Parquet out: input columns as text, outputs typed.
    let run = batch(&m, &dir, lines.as_bytes(), BatchFormat::JsonLines, BatchFormat::Parquet, 64);
    run.summary.unwrap();
    let out = read_parquet(&dir.join("output.parquet"));
    assert_eq!(out.num_rows(), 150);
    let schema = out.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names[..6], ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width", "Species", "note"]);
    assert_eq!(out.column(0).as_string::<i32>().value(0), "5.1");
    assert!(out.column(4).is_null(3) && out.column(5).is_null(0));
    assert_eq!(out.column(5).as_string::<i32>().value(100), "late key");
    assert_eq!(out.column(6).as_string::<i32>().value(0), "setosa");
    assert_eq!(schema.field(7).data_type(), &DataType::Float32);
    let first: serde_json::Value = serde_json::from_str(text(&run_first_line(&dir, &m, &lines))).unwrap();
    assert_eq!(first["note"], serde_json::Value::Null);
    assert_eq!(first["label"], "setosa");
}

fn run_first_line(dir: &Path, m: &Model, lines: &str) -> Vec<u8> {
    let run = batch(m, dir, lines.as_bytes(), BatchFormat::JsonLines, BatchFormat::JsonLines, 5);
    run.output.split(|&b| b == b'\n').next().unwrap().to_vec()
}

/// cars93 as Parquet: whole-number columns Int64, other numbers Float64,
/// the rest text; `NA` is null. Two row groups.
fn cars93_parquet(path: &Path) {
    let table = Table::from_csv(&data("cars93.csv")).unwrap();
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (j, name) in table.columns().iter().enumerate() {
        let cells: Vec<&Cell> = table.rows().map(|r| &r[j]).collect();
        let numbers: Vec<Option<f64>> = cells.iter().map(|c| c.as_f64()).collect();
        let numeric = cells.iter().zip(&numbers).all(|(c, n)| c.is_missing() || n.is_some());
        let (t, a): (DataType, ArrayRef) = if numeric && numbers.iter().flatten().all(|x| x.fract() == 0.0) {
            (DataType::Int64, Arc::new(numbers.iter().map(|x| x.map(|x| x as i64)).collect::<Int64Array>()))
        } else if numeric {
            (DataType::Float64, Arc::new(numbers.into_iter().collect::<Float64Array>()))
        } else {
            let texts = cells.iter().map(|c| match c {
                Cell::Text(s) => Some(s.clone()),
                _ => None,
            });
            (DataType::Utf8, Arc::new(texts.collect::<StringArray>()))
        };
        fields.push(Field::new(name, t, true));
        arrays.push(a);
    }
    // Types the model does not read: a date and a list.
    fields.push(Field::new("Built", DataType::Date32, true));
    arrays.push(Arc::new(Date32Array::from((0..93).map(|i| 8400 + i).collect::<Vec<i32>>())));
    let lists = (0..93).map(|i| Some(vec![Some(i), None]));
    fields.push(Field::new_list("Tags", Field::new_list_field(DataType::Int32, true), true));
    arrays.push(Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(lists)));
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(50)).build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn read_parquet(path: &Path) -> RecordBatch {
    let builder = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    let schema = builder.schema().clone();
    let batches: Vec<RecordBatch> = builder.build().unwrap().map(|b| b.unwrap()).collect();
    arrow::compute::concat_batches(&schema, &batches).unwrap()
}

/// The last column of a CSV output, as numbers.
fn last_column(csv: &[u8]) -> Vec<f64> {
    let mut r = csv::Reader::from_reader(csv);
    r.records().map(|rec| rec.unwrap().iter().next_back().unwrap().parse().unwrap()).collect()
}

#[test]
fn parquet_round_trip_gives_the_csv_predictions() {
    let dir = scratch("parquet");
    let input = dir.join("cars93.parquet");
    cars93_parquet(&input);
    let m = ort("car-price-gbr.onnx");
    let csv_run = batch(&m, &dir, &data("cars93.csv"), BatchFormat::Csv, BatchFormat::Csv, 8192);
    csv_run.summary.unwrap();
    let expected = last_column(&csv_run.output);
    assert_eq!(expected.len(), 93);

    for chunk in [1, 7, 40, 8192] {
        let run = batch_file(&m, &input, BatchFormat::Parquet, BatchFormat::Parquet, chunk, &mut |_| {
            ControlFlow::Continue(())
        });
        assert_eq!(run.summary.unwrap(), Summary { rows_done: 93, rows_failed: 0 });
        let out = read_parquet(&dir.join("output.parquet"));
        let original = read_parquet(&input);
        // Input columns keep their types and values; the prediction is appended.
        assert_eq!(out.num_columns(), original.num_columns() + 1);
        for j in 0..original.num_columns() {
            assert_eq!(out.column(j).as_ref(), original.column(j).as_ref(), "column {j}");
            assert_eq!(out.schema().field(j), original.schema().field(j));
        }
        let field = out.schema().field(original.num_columns()).clone();
        assert_eq!((field.name().as_str(), field.data_type()), ("predicted_Price", &DataType::Float32));
        let got: Vec<f64> = out
            .column(original.num_columns())
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .map(|&x| x as f64)
            .collect();
        assert_eq!(
            got.iter().map(|x| *x as f32).collect::<Vec<_>>(),
            expected.iter().map(|x| *x as f32).collect::<Vec<_>>(),
            "chunk {chunk}"
        );
        assert!(run.calls.last().is_some_and(|p| p.bytes_done == p.bytes_total && p.rows_done == 93));
    }
    // Parquet in, CSV out: the same predictions.
    let run = batch_file(&m, &input, BatchFormat::Parquet, BatchFormat::Csv, 30, &mut |_| ControlFlow::Continue(()));
    run.summary.unwrap();
    assert_eq!(last_column(&run.output), expected);
    let csv_text = text(&run.output);
    let mut lines = csv_text.lines();
    assert!(lines.next().unwrap().ends_with(",Make,Built,Tags,predicted_Price"), "{csv_text}");
    // Whole numbers as the CSV writes them, NA as empty, a date and a list as Arrow shows them.
    let first = lines.next().unwrap();
    assert!(first.starts_with("1,Acura,Integra,Small,12.9,15.9,18.8,25,31,None,"), "{first}");
    assert!(first.contains(",Acura Integra,1992-12-31,\"[0, ]\","), "{first}");
    let sixteenth = csv_text.lines().nth(16).unwrap();
    assert!(sixteenth.contains(",Lumina_APV,Van,") && sixteenth.contains(",30.5,,3715,"), "{sixteenth}");
    // CSV in, Parquet out: input columns as text, exactly as read.
    let run = batch(&m, &dir, &data("cars93.csv"), BatchFormat::Csv, BatchFormat::Parquet, 30);
    run.summary.unwrap();
    let out = read_parquet(&dir.join("output.parquet"));
    assert_eq!(out.num_rows(), 93);
    assert_eq!(out.column(5).as_string::<i32>().value(0), "15.9");
    assert_eq!(out.column(24).as_string::<i32>().value(15), "NA");
}

/// cars93 with three broken rows: a word in a numeric field (row 3), an
/// unknown category (row 5), a row with too few fields (row 8).
fn broken_cars() -> (String, String) {
    let text = String::from_utf8(data("cars93.csv")).unwrap();
    let mut broken = Vec::new();
    let mut good = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = match i {
            3 => line.replace(",172,5500,", ",lots,5500,"),
            5 => line.replace("\"Midsize\"", "\"Spaceship\""),
            8 => "\"8\",\"Buick\"".to_string(),
            _ => line.to_string(),
        };
        if ![3, 5, 8].contains(&i) {
            good.push(line.clone());
        }
        broken.push(line);
    }
    (broken.join("\n") + "\n", good.join("\n") + "\n")
}

#[test]
fn bad_rows_go_to_the_errors_file_and_good_rows_are_kept() {
    let dir = scratch("broken");
    let (broken, good) = broken_cars();
    assert!(broken.lines().nth(3).unwrap().contains("lots"), "the test data changed");
    assert!(broken.lines().nth(5).unwrap().contains("Spaceship"), "the test data changed");
    let (m, o) = (tract("car-price-gbr.onnx"), ort("car-price-gbr.onnx"));
    let engines: [(&dyn Predictor, Vec<u8>); 2] = [
        (&m, citizen_predict(&m, good.as_bytes(), Format::Csv, Format::Csv)),
        (&o, citizen_predict_ort(&o, good.as_bytes(), Format::Csv, Format::Csv)),
    ];
    for chunk in [1, 4, 7, 8192] {
        for (model, expected) in &engines {
            let run = batch(*model, &dir, broken.as_bytes(), BatchFormat::Csv, BatchFormat::Csv, chunk);
            assert_eq!(run.summary.unwrap(), Summary { rows_done: 90, rows_failed: 3 }, "chunk {chunk}");
            assert!(run.output == *expected, "chunk {chunk}: kept rows differ from citizen predict's");
            let lines: Vec<&str> = run.errors.lines().collect();
            assert_eq!(lines.len(), 4, "{}", run.errors);
            assert_eq!(lines[0], "row,field,reason");
            assert_eq!(lines[1], "3,Horsepower,\"expected a number, found \"\"lots\"\"\"");
            assert!(
                lines[2].starts_with("5,Type,\"unknown category \"\"Spaceship\"\"; expected one of"),
                "{}",
                lines[2]
            );
            assert_eq!(lines[3], "8,,\"line 9: the row has 2 fields, but the header has 28\"");
            assert_eq!(run.calls.last().unwrap().rows_failed, 3);
        }
    }
    // JSON Lines: an invalid line and a line that is not an object are bad rows too.
    let jsonl = "{\"Sepal.Length\": 5.1, \"Sepal.Width\": 3.5, \"Petal.Length\": 1.4, \"Petal.Width\": 0.2}\n\
                 {oops\n\
                 7\n\
                 {\"Sepal.Length\": \"long\", \"Sepal.Width\": 3.0, \"Petal.Length\": 5.2, \"Petal.Width\": 2.3}\n\
                 {\"Sepal.Length\": 6.7, \"Sepal.Width\": 3.0, \"Petal.Length\": 5.2, \"Petal.Width\": 2.3}\n";
    let run =
        batch(&tract("iris-species.onnx"), &dir, jsonl.as_bytes(), BatchFormat::JsonLines, BatchFormat::JsonLines, 2);
    assert_eq!(run.summary.unwrap(), Summary { rows_done: 2, rows_failed: 3 });
    assert_eq!(text(&run.output).lines().count(), 2);
    let lines: Vec<&str> = run.errors.lines().collect();
    assert!(lines[1].starts_with("2,,line 2: invalid JSON:"), "{}", run.errors);
    assert_eq!(lines[2], "3,,\"expected an object of field values, found a number\"");
    assert_eq!(lines[3], "4,Sepal.Length,\"expected a number, found \"\"long\"\"\"");
}

#[test]
fn unreadable_files_fail_the_run_naming_the_file() {
    let dir = scratch("unreadable");
    let m = ort("car-price-gbr.onnx");
    let message = |run: Run| format!("{:#}", run.summary.unwrap_err());
    // Not Parquet.
    let e = message(batch(&m, &dir, &data("cars93.csv"), BatchFormat::Parquet, BatchFormat::Csv, 100));
    assert!(e.contains("input.parquet") && e.contains("not a readable Parquet file"), "{e}");
    // The model's columns are missing in every row.
    let e = message(batch(&m, &dir, &data("iris.csv"), BatchFormat::Csv, BatchFormat::Csv, 100));
    assert!(e.contains("input.csv: the file has no column `Type`, `AirBags`"), "{e}");
    // Not one row can be predicted.
    let iris = ort("iris-species.onnx");
    let bad = "Sepal.Length,Sepal.Width,Petal.Length,Petal.Width\nx,1,1,1\ny,1,1,1\n";
    let run = batch(&iris, &dir, bad.as_bytes(), BatchFormat::Csv, BatchFormat::Csv, 100);
    let errors = run.errors.clone();
    let e = message(run);
    assert!(e.contains("input.csv: no row could be predicted (2 bad rows"), "{e}");
    assert!(e.contains("the first: row 1, field `Sepal.Length`: expected a number, found \"x\""), "{e}");
    assert_eq!(errors.lines().count(), 3, "{errors}");
    // Not a file at all.
    let run = batch_file(&m, &dir.join("nope.csv"), BatchFormat::Csv, BatchFormat::Csv, 10, &mut |_| {
        ControlFlow::Continue(())
    });
    assert!(message(run).contains("nope.csv"));
    // Empty: no header.
    let e = message(batch(&m, &dir, b"", BatchFormat::Csv, BatchFormat::Csv, 100));
    assert!(e.contains("input.csv") && e.contains("no header"), "{e}");
}

#[test]
fn a_file_with_only_a_header_gives_a_header() {
    let dir = scratch("empty");
    let m = tract("iris-species.onnx");
    let header = b"\xEF\xBB\xBF\"\",\"Sepal.Length\",\"Sepal.Width\",\"Petal.Length\",\"Petal.Width\",\"Species\"\n";
    let expected = citizen_predict(&m, header, Format::Csv, Format::Csv);
    let run = batch(&m, &dir, header, BatchFormat::Csv, BatchFormat::Csv, 7);
    assert_eq!(run.summary.unwrap(), Summary::default());
    assert_eq!(text(&run.output), text(&expected));
    assert_eq!(
        text(&run.output),
        ",Sepal.Length,Sepal.Width,Petal.Length,Petal.Width,Species,label,probability_setosa,probability_versicolor,probability_virginica\n"
    );
    let run = batch(&m, &dir, header, BatchFormat::Csv, BatchFormat::Parquet, 7);
    run.summary.unwrap();
    let out = read_parquet(&dir.join("output.parquet"));
    assert_eq!((out.num_rows(), out.num_columns()), (0, 10));
    let run = batch(&m, &dir, b"", BatchFormat::JsonLines, BatchFormat::JsonLines, 7);
    assert_eq!(run.summary.unwrap(), Summary::default());
    assert_eq!(run.output, b"");
}

#[test]
fn the_progress_callback_reports_and_cancels() {
    let dir = scratch("cancel");
    let m = ort("car-price-gbr.onnx");
    let run = batch(&m, &dir, &data("cars93.csv"), BatchFormat::Csv, BatchFormat::Csv, 10);
    run.summary.unwrap();
    let done: Vec<u64> = run.calls.iter().map(|p| p.rows_done).collect();
    assert_eq!(done, vec![10, 20, 30, 40, 50, 60, 70, 80, 90, 93]);
    let total = std::fs::metadata(repo().join("data/cars93.csv")).unwrap().len();
    assert!(run.calls.iter().all(|p| p.bytes_total == total));
    assert!(run.calls.windows(2).all(|w| w[0].bytes_done < w[1].bytes_done));
    assert_eq!(run.calls.last().unwrap().bytes_done, total);

    let input = dir.join("input.csv");
    let mut calls = 0;
    let run = batch_file(&m, &input, BatchFormat::Csv, BatchFormat::Csv, 10, &mut |_| {
        calls += 1;
        if calls == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    });
    let e = run.summary.unwrap_err();
    assert_eq!(e.downcast_ref::<Cancelled>(), Some(&Cancelled { rows_done: 30 }));
    assert_eq!(e.to_string(), "the batch was cancelled after 30 rows");
    assert_eq!(calls, 3);
}

/// A real engine that fails from its `fails_at`-th chunk on.
struct Failing {
    model: OrtModel,
    fails_at: usize,
    calls: std::sync::atomic::AtomicUsize,
}

impl runtime_wasm::Engine for Failing {
    fn interface(&self) -> &runtime_wasm::interface::Interface {
        self.model.interface()
    }

    fn run(
        &self,
        inputs: Vec<runtime_wasm::interface::NamedTensor>,
    ) -> Result<Vec<runtime_wasm::interface::NamedTensor>, runtime_wasm::Error> {
        if self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 >= self.fails_at {
            return Err(runtime_wasm::Error::Run("the engine broke".into()));
        }
        runtime_wasm::Engine::run(&self.model, inputs)
    }
}

#[test]
fn an_engine_failure_fails_the_run_naming_the_rows() {
    let dir = scratch("engine-fails");
    let failing = Failing { model: ort("car-price-gbr.onnx"), fails_at: 4, calls: Default::default() };
    let run = batch(&failing, &dir, &data("cars93.csv"), BatchFormat::Csv, BatchFormat::Csv, 10);
    let e = format!("{:#}", run.summary.unwrap_err());
    assert!(e.contains("input.csv") && e.contains("predicting rows 31 to 40") && e.contains("the engine broke"), "{e}");
    // The three chunks before were written, and reported.
    assert_eq!(run.calls.iter().map(|p| p.rows_done).collect::<Vec<_>>(), vec![10, 20, 30]);
    // It stopped there: the engine saw no more chunks than it failed on.
    assert_eq!(failing.calls.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[test]
fn formats_from_names_and_content_types() {
    assert_eq!(BatchFormat::from_path(Path::new("a/b.PARQUET")), Some(BatchFormat::Parquet));
    assert_eq!(BatchFormat::from_path(Path::new("rows.ndjson")), Some(BatchFormat::JsonLines));
    assert_eq!(BatchFormat::from_path(Path::new("rows.json")), None);
    assert_eq!(BatchFormat::from_content_type("text/csv; charset=utf-8"), Some(BatchFormat::Csv));
    assert_eq!(BatchFormat::from_content_type("application/vnd.apache.parquet"), Some(BatchFormat::Parquet));
    for f in [BatchFormat::Csv, BatchFormat::JsonLines, BatchFormat::Parquet] {
        assert_eq!(BatchFormat::from_content_type(f.content_type()), Some(f));
        assert_eq!(BatchFormat::from_name(f.extension()), Some(f));
    }
}
