//! Batches dropped on the page: where they run (this device or the cloud's
//! batch endpoint), and scoring them here in steps small enough to keep the
//! page responsive and show progress.
//!
//! A local batch writes what `citizen predict` and a cloud batch job write
//! for the same CSV: every readable, valid row with the outputs appended;
//! rows with problems are left out and listed (row, field, reason).

use std::io::Cursor;

use manifest::{CsvRecord, CsvRows, RowError, Table};
use runtime_wasm::format::{CsvOut, rename_outputs};
use runtime_wasm::interface::retain_kept;
use runtime_wasm::{Error, Model};

/// Where a batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Local,
    Cloud,
}

/// The routing rule: a batch whose estimated time on this device (rows ×
/// the model's measured cost per row) is above `limit_ms` goes to the
/// cloud, unless the cloud cannot be reached.
pub fn route(rows: u64, ms_per_row: f64, limit_ms: f64, online: bool) -> Route {
    if online && rows as f64 * ms_per_row > limit_ms { Route::Cloud } else { Route::Local }
}

/// Data rows in a CSV, estimated from its line breaks (a quoted cell with
/// a line break makes it an over-estimate), without parsing it.
pub fn estimate_rows(csv: &[u8]) -> u64 {
    let lines = csv.iter().filter(|&&b| b == b'\n').count() as u64;
    let unterminated = u64::from(csv.last().is_some_and(|&b| b != b'\n'));
    (lines + unterminated).saturating_sub(1)
}

/// A CSV being scored here, a chunk at a time.
pub struct LocalBatch {
    model: Model,
    reader: CsvRows<Cursor<Vec<u8>>>,
    bytes_total: u64,
    out: CsvOut<Vec<u8>>,
    problems: Vec<RowError>,
    next_row: usize,
    rows_done: u64,
    rows_failed: u64,
    finished: bool,
}

/// The end of a local batch.
pub struct Scored {
    /// The CSV result.
    pub csv: Vec<u8>,
    pub rows_done: u64,
    pub rows_failed: u64,
    /// Every problem, in row order.
    pub problems: Vec<RowError>,
}

impl LocalBatch {
    /// Reads the header; a CSV without one is an error.
    pub fn new(model: Model, csv: Vec<u8>) -> Result<LocalBatch, Error> {
        let bytes_total = csv.len() as u64;
        let reader = CsvRows::keeping_lines(Cursor::new(csv)).map_err(Error::Input)?;
        model.interface().check_columns(reader.columns())?;
        let mut out = CsvOut::new(Vec::new());
        let empty = model.interface().finish(0, vec![])?;
        out.header(reader.columns(), &rename_outputs(reader.columns(), &empty))?;
        Ok(LocalBatch {
            model,
            reader,
            bytes_total,
            out,
            problems: Vec::new(),
            next_row: 1,
            rows_done: 0,
            rows_failed: 0,
            finished: false,
        })
    }

    /// Share of the input read, 0 to 1.
    pub fn progress(&self) -> f64 {
        if self.finished || self.bytes_total == 0 {
            return 1.0;
        }
        self.reader.bytes_read() as f64 / self.bytes_total as f64
    }

    pub fn rows_done(&self) -> u64 {
        self.rows_done
    }

    pub fn rows_failed(&self) -> u64 {
        self.rows_failed
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Reads, validates, predicts and writes up to `max_rows` rows.
    pub fn step(&mut self, max_rows: usize) -> Result<(), Error> {
        let columns = self.reader.columns().to_vec();
        let mut records = Vec::new();
        let mut numbers = Vec::new();
        // Each record's bytes, from the first record's start: rows are
        // written back as written (CsvOut::line_row).
        let first = self.reader.bytes_read();
        let mut spans = Vec::new();
        let mut record = manifest::CsvFields::new();
        while records.len() < max_rows.max(1) {
            let start = self.reader.bytes_read() - first;
            match self.reader.read_record(&mut record).map_err(Error::Input)? {
                CsvRecord::Row => {
                    records.push(std::mem::take(&mut record));
                    spans.push(start as usize..(self.reader.bytes_read() - first) as usize);
                    numbers.push(self.next_row);
                }
                CsvRecord::Bad(reason) => {
                    self.rows_failed += 1;
                    self.problems.push(RowError { row: self.next_row, field: String::new(), reason });
                }
                CsvRecord::End => {
                    self.finished = true;
                    break;
                }
            }
            self.next_row += 1;
        }
        let iface = self.model.interface();
        // The records are encoded from their text; made cells only to be
        // screened row by row when the chunk has bad rows.
        let inputs = match iface.prepare_csv(&columns, &records) {
            Ok(inputs) => inputs,
            Err(Error::Input(whole)) => {
                let (keep, found) = iface.screen(&Table::from_csv_records(columns.clone(), &records), whole)?;
                self.problems.extend(found.into_iter().map(|e| RowError { row: numbers[e.row - 1], ..e }));
                retain_kept(&mut records, &keep);
                retain_kept(&mut spans, &keep);
                self.rows_failed += (keep.len() - records.len()) as u64;
                iface.prepare_csv(&columns, &records)?
            }
            Err(e) => return Err(e),
        };
        let last = self.reader.bytes_read();
        if !records.is_empty() {
            let p = iface.finish(records.len(), self.model.run(inputs)?)?;
            let p = rename_outputs(&columns, &p);
            let lines = self.reader.kept(first, last).unwrap_or_default();
            for (r, (record, span)) in records.iter_mut().zip(spans).enumerate() {
                self.out.line_row(lines.get(span).unwrap_or_default(), record, &p, r)?;
            }
            self.rows_done += records.len() as u64;
        }
        self.reader.forget_before(last);
        Ok(())
    }

    /// The result, once [`LocalBatch::is_finished`].
    pub fn finish(mut self) -> Result<Scored, Error> {
        self.out.flush()?;
        self.problems.sort_by_key(|p| p.row);
        Ok(Scored {
            csv: self.out.into_inner()?,
            rows_done: self.rows_done,
            rows_failed: self.rows_failed,
            problems: self.problems,
        })
    }
}

/// Problems as a CSV file to download: `row,field,reason`, like a cloud
/// job's errors file.
pub fn problems_csv(problems: &[RowError]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["row", "field", "reason"]);
    for p in problems {
        let _ = w.write_record([p.row.to_string().as_str(), &p.field, &p.reason]);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(file: &str) -> Model {
        let path = format!("{}/../models/{file}", env!("CARGO_MANIFEST_DIR"));
        Model::load(&std::fs::read(path).unwrap()).unwrap()
    }

    fn cars() -> Vec<u8> {
        std::fs::read(format!("{}/../data/cars93.csv", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn score(model: Model, csv: Vec<u8>, step: usize) -> Scored {
        let mut b = LocalBatch::new(model, csv).unwrap();
        let mut last = 0.0;
        while !b.is_finished() {
            b.step(step).unwrap();
            assert!(b.progress() >= last);
            last = b.progress();
        }
        assert_eq!(b.progress(), 1.0);
        b.finish().unwrap()
    }

    #[test]
    fn a_local_batch_writes_what_the_cli_writes() {
        // The tree model's output is the same bytes on every target; chunk
        // sizes must not change a byte.
        let whole = runtime_wasm::format::predict_file(
            &model("car-price-gbr.onnx"),
            &cars(),
            runtime_wasm::format::Format::Csv,
            runtime_wasm::format::Format::Csv,
        )
        .unwrap();
        for step in [1, 7, 93, 1000] {
            let s = score(model("car-price-gbr.onnx"), cars(), step);
            assert_eq!(String::from_utf8(s.csv).unwrap(), String::from_utf8(whole.clone()).unwrap(), "step {step}");
            assert_eq!((s.rows_done, s.rows_failed), (93, 0));
        }
    }

    #[test]
    fn bad_rows_are_left_out_and_named() {
        let text = String::from_utf8(cars()).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        let hp = header.iter().position(|h| h.trim_matches('"') == "Horsepower").unwrap();
        // Row 3: a word for a number. Row 5: too few fields.
        let mut cells: Vec<String> = lines[3].split(',').map(String::from).collect();
        cells[hp] = "lots".into();
        lines[3] = cells.join(",");
        lines[5] = "1,2".into();
        let csv = (lines.join("\n") + "\n").into_bytes();
        let s = score(model("car-price-gbr.onnx"), csv, 4);
        assert_eq!((s.rows_done, s.rows_failed), (91, 2));
        assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
        assert_eq!((s.problems[0].row, s.problems[0].field.as_str()), (3, "Horsepower"));
        assert_eq!(s.problems[1].row, 5);
        assert!(s.problems[1].reason.contains("field"), "{}", s.problems[1].reason);
        let out = String::from_utf8(s.csv).unwrap();
        assert_eq!(out.lines().count(), 92);
        assert!(out.lines().nth(1).unwrap().starts_with(&format!("{},", lines[1])), "rows come back as written");
        let errors = String::from_utf8(problems_csv(&s.problems)).unwrap();
        assert!(errors.starts_with("row,field,reason\n3,Horsepower,"), "{errors}");
    }

    #[test]
    fn a_file_without_the_model_fields_is_an_error() {
        let e = LocalBatch::new(model("car-price-gbr.onnx"), b"a,b\n1,2\n".to_vec()).err().unwrap().to_string();
        assert!(e.contains("no column `Type`") && e.contains("its columns are `a`"), "{e}");
        assert!(LocalBatch::new(model("car-price-gbr.onnx"), Vec::new()).is_err());
    }

    #[test]
    fn routing_follows_rows_times_cost() {
        assert_eq!(route(1000, 0.01, 2000.0, true), Route::Local);
        assert_eq!(route(1_000_000, 0.01, 2000.0, true), Route::Cloud);
        assert_eq!(route(1_000_000, 0.01, 2000.0, false), Route::Local);
        assert_eq!(estimate_rows(b"a,b\n1,2\n3,4\n"), 2);
        assert_eq!(estimate_rows(b"a,b\n1,2\n3,4"), 2);
        assert_eq!(estimate_rows(b""), 0);
        assert_eq!(estimate_rows(&cars()), 93);
    }
}
