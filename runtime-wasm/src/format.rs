//! Files in and out: CSV, JSON Lines and JSON. One implementation for the
//! CLI, the browser and the edge, so their outputs are byte-identical.

use std::borrow::Cow;

use manifest::{Cell, Table};
use serde_json::{Map, Value};

use crate::Error;
use crate::engine::Engine;
use crate::interface::Prediction;

/// A table file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
    Json,
}

impl Format {
    /// From a file name's extension (`.csv`, `.jsonl`/`.ndjson`, `.json`).
    pub fn from_path(path: &str) -> Option<Format> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Format::JsonLines)
        } else if lower.ends_with(".json") {
            Some(Format::Json)
        } else {
            None
        }
    }

    /// From a short name: `csv`, `jsonl`, `json`.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::from_path(&format!("x.{name}"))
    }

    /// From a media type's essence (lower case, without parameters):
    /// `text/csv`, `application/x-ndjson` and its aliases, `application/json`.
    pub fn from_content_type(essence: &str) -> Option<Format> {
        match essence {
            "text/csv" | "application/csv" => Some(Format::Csv),
            "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" | "application/json-lines" => {
                Some(Format::JsonLines)
            }
            "application/json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The media type to send a file of this format with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv",
            Format::JsonLines => "application/x-ndjson",
            Format::Json => "application/json",
        }
    }

    pub fn code(self) -> u32 {
        match self {
            Format::Csv => 0,
            Format::JsonLines => 1,
            Format::Json => 2,
        }
    }

    pub fn from_code(code: u32) -> Option<Format> {
        [Format::Csv, Format::JsonLines, Format::Json].into_iter().find(|f| f.code() == code)
    }
}

fn text(bytes: &[u8]) -> Result<&str, Error> {
    let s = std::str::from_utf8(bytes)
        .map_err(|e| Error::Input(manifest::Error::Input(format!("the input is not UTF-8 text ({e})"))))?;
    Ok(s.strip_prefix('\u{feff}').unwrap_or(s))
}

/// Reads a table in the given format.
pub fn read_table(bytes: &[u8], format: Format) -> Result<Table, Error> {
    match format {
        Format::Csv => Table::from_csv(bytes),
        Format::JsonLines => Table::from_json_lines(text(bytes)?),
        Format::Json => Table::from_json(text(bytes)?),
    }
    .map_err(Error::Input)
}

/// Predicts a whole file: the input rows with the output columns appended.
pub fn predict_file(model: &(impl Engine + ?Sized), input: &[u8], from: Format, to: Format) -> Result<Vec<u8>, Error> {
    if (from, to) == (Format::Csv, Format::Csv) {
        return predict_csv(model, input);
    }
    let table = read_table(input, from)?;
    let prediction = model.predict(&table)?;
    write(input, from, &table, &prediction, to)
}

/// Rows [`predict_file`] reads, predicts and writes together for CSV.
const CSV_CHUNK_ROWS: usize = 2048;

/// CSV to CSV in chunks of records, encoded from their text
/// ([`crate::Interface::prepare_csv`]), each record's line copied with the
/// outputs appended ([`CsvOut::line_row`]). The same bytes and the same
/// errors as reading the file whole (rows are predicted independently; row
/// errors are gathered from every chunk, numbered in the file, at most 1,000
/// as `Table`'s encoder keeps), with memory that follows the chunk, not the file, and without a
/// cell made of every field.
fn predict_csv(model: &(impl Engine + ?Sized), input: &[u8]) -> Result<Vec<u8>, Error> {
    let mut rows = SpannedRows::new(input)?;
    let columns = rows.columns().to_vec();
    model.interface().check_columns(&columns)?;
    let mut records: Vec<manifest::CsvFields> = Vec::new();
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    let mut out: Option<CsvOut<Vec<u8>>> = None;
    let mut problems: Vec<manifest::RowError> = Vec::new();
    let mut before = 0;
    loop {
        let mut n = 0;
        let mut end = false;
        while n < CSV_CHUNK_ROWS {
            if records.len() == n {
                records.push(manifest::CsvFields::new());
                spans.push(0..0);
            }
            match rows.next(&mut records[n])? {
                Some(span) => spans[n] = span,
                None => {
                    end = true;
                    break;
                }
            }
            n += 1;
        }
        if n > 0 || out.is_none() {
            // Once a row is refused, later chunks are only checked.
            let checked = match model.interface().prepare_csv(&columns, &records[..n]) {
                Ok(inputs) if problems.is_empty() => model.predict_prepared(n, inputs).map(Some),
                Ok(_) => Ok(None),
                Err(e) => Err(e),
            };
            match checked {
                Ok(Some(p)) => {
                    let p = rename_outputs(&columns, &p);
                    let w = match &mut out {
                        Some(w) => w,
                        None => {
                            let mut w = CsvOut::new(Vec::with_capacity(input.len() + input.len() / 4));
                            w.header(&columns, &p)?;
                            out.insert(w)
                        }
                    };
                    for (r, (record, span)) in records[..n].iter_mut().zip(&spans).enumerate() {
                        w.line_row(input.get(span.clone()).unwrap_or_default(), record, &p, r)?;
                    }
                }
                Ok(None) => {}
                Err(Error::Input(manifest::Error::Rows(errors))) => {
                    let room = 1000usize.saturating_sub(problems.len());
                    problems
                        .extend(errors.into_iter().take(room).map(|e| manifest::RowError { row: e.row + before, ..e }));
                }
                Err(e) => return Err(e),
            }
        }
        before += n;
        if end {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input(manifest::Error::Rows(problems)));
    }
    out.map(CsvOut::into_inner).unwrap_or_else(|| Ok(Vec::new()))
}

/// Writes the input rows followed by the prediction's columns. An output
/// whose name is already an input column is written as `predicted_<name>`.
///
/// The pieces are public ([`rename_outputs`], [`CsvOut`], [`cell_text`],
/// [`write_json_lines`]) so that a writer
/// that streams a big file in chunks writes the very same bytes. The rows
/// of a CSV input are their lines as written ([`CsvOut::line_row`]).
pub fn write(input: &[u8], from: Format, table: &Table, p: &Prediction, to: Format) -> Result<Vec<u8>, Error> {
    let p = rename_outputs(table.columns(), p);
    let p = p.as_ref();
    match to {
        Format::Csv => write_csv(input, from, table, p),
        Format::JsonLines => {
            let mut out = Vec::new();
            write_json_lines(table, p, &mut out);
            Ok(out)
        }
        Format::Json => {
            let rows: Vec<Value> = json_rows(table, p).into_iter().map(Value::Object).collect();
            let mut out = serde_json::to_vec_pretty(&rows).map_err(|e| Error::Run(e.to_string()))?;
            out.push(b'\n');
            Ok(out)
        }
    }
}

/// The prediction with every output named like an input column (one of
/// `columns`) renamed `predicted_<name>`.
pub fn rename_outputs<'a>(columns: &[String], p: &'a Prediction) -> Cow<'a, Prediction> {
    let taken = |name: &str| columns.iter().any(|c| c == name);
    if !p.columns.iter().any(|c| taken(&c.path.0)) {
        return Cow::Borrowed(p);
    }
    let mut q = p.clone();
    for c in &mut q.columns {
        if taken(&c.path.0) {
            c.path.0 = format!("predicted_{}", c.path.0);
            c.name = format!("predicted_{}", c.name);
        }
    }
    Cow::Owned(q)
}

/// The header of a CSV output: the input columns, then the (renamed) outputs.
fn csv_header(columns: &[String], p: &Prediction) -> Vec<String> {
    let mut header: Vec<String> = columns.to_vec();
    header.extend(p.headers().into_iter().map(String::from));
    header
}

/// A CSV input's records, each with the range of its bytes in the input.
struct SpannedRows<'a> {
    rows: manifest::CsvRows<&'a [u8]>,
    /// The reader's offsets skip a byte-order mark.
    bom: usize,
}

impl<'a> SpannedRows<'a> {
    fn new(input: &'a [u8]) -> Result<SpannedRows<'a>, Error> {
        let bom = if input.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        Ok(SpannedRows { rows: manifest::CsvRows::new(input).map_err(Error::Input)?, bom })
    }

    fn columns(&self) -> &[String] {
        self.rows.columns()
    }

    /// Reads the next record and gives its bytes' range; `None` at the end.
    /// A row that cannot be read is an error.
    fn next(&mut self, record: &mut manifest::CsvFields) -> Result<Option<std::ops::Range<usize>>, Error> {
        let start = self.rows.bytes_read() as usize + self.bom;
        match self.rows.read_record(record).map_err(Error::Input)? {
            manifest::CsvRecord::Row => Ok(Some(start..self.rows.bytes_read() as usize + self.bom)),
            manifest::CsvRecord::Bad(reason) => Err(Error::Input(manifest::Error::Input(reason))),
            manifest::CsvRecord::End => Ok(None),
        }
    }
}

/// The CSV writer of every output: the csv crate's defaults (comma, quotes
/// only where needed, `\n` line ends).
pub fn csv_writer<W: std::io::Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().from_writer(w)
}

/// Writes CSV output rows: the input fields, then a row of the prediction.
/// Holds its buffers, so a writer of many rows allocates nothing per row.
///
/// A row of a CSV input is its line as written ([`CsvOut::line_row`]),
/// copied straight to the output: the input's rows come back as the user
/// wrote them (quotes and number formats kept, line ends made `\n`), with
/// the outputs appended. Other rows (the header, rows of JSON or Parquet
/// input) are formatted by the csv crate's writer into a buffer that goes
/// out before the next direct write (or once it holds 64 KiB).
pub struct CsvOut<W: std::io::Write> {
    out: W,
    csv: csv::Writer<Vec<u8>>,
    record: csv::ByteRecord,
    text: String,
    /// The outputs of a row, each after its comma.
    tail: Vec<u8>,
    /// How much of the csv writer's buffer is already in `out`.
    drained: usize,
}

/// The most the csv writer's buffer holds before it goes to the output.
const CSV_PENDING: usize = 64 << 10;

impl<W: std::io::Write> CsvOut<W> {
    pub fn new(out: W) -> CsvOut<W> {
        CsvOut {
            out,
            csv: csv_writer(Vec::new()),
            record: csv::ByteRecord::new(),
            text: String::new(),
            tail: Vec::new(),
            drained: 0,
        }
    }

    /// Writes the header: the input columns, then the (renamed) outputs.
    pub fn header(&mut self, columns: &[String], p: &Prediction) -> Result<(), Error> {
        self.csv.write_record(csv_header(columns, p)).map_err(write_error)?;
        self.written()
    }

    /// Writes one row: the input fields, then row `r` of the prediction.
    pub fn row<S: AsRef<[u8]>>(
        &mut self,
        fields: impl IntoIterator<Item = S>,
        p: &Prediction,
        r: usize,
    ) -> Result<(), Error> {
        self.record.clear();
        for f in fields {
            self.record.push_field(f.as_ref());
        }
        for c in &p.columns {
            self.text.clear();
            c.values.push_text(r, &mut self.text);
            self.record.push_field(self.text.as_bytes());
        }
        self.csv.write_byte_record(&self.record).map_err(write_error)?;
        self.written()
    }

    /// Writes one row of a CSV input: `record` as read, then row `r` of the
    /// prediction; the same bytes as [`CsvOut::row`].
    pub fn csv_row(&mut self, record: &manifest::CsvFields, p: &Prediction, r: usize) -> Result<(), Error> {
        self.row(record.iter(), p, r)
    }

    /// Writes one row of a CSV input given as read: the record's line
    /// (`span`, see [`manifest::csv_line`]) copied as written, its line end
    /// made `\n`, then row `r` of the prediction, each output after a comma
    /// (quoted when it needs to be). A line that cannot be copied is written
    /// as [`CsvOut::csv_row`] writes it.
    pub fn line_row(
        &mut self,
        span: &[u8],
        record: &manifest::CsvFields,
        p: &Prediction,
        r: usize,
    ) -> Result<(), Error> {
        match manifest::csv_line(span, record).and_then(|l| span.get(l)) {
            Some(line) => self.copied_row(line, p, r),
            None => self.csv_row(record, p, r),
        }
    }

    /// [`CsvOut::line_row`] given the line [`manifest::csv_line`] found.
    pub fn copied_row(&mut self, line: &[u8], p: &Prediction, r: usize) -> Result<(), Error> {
        self.tail.clear();
        for c in &p.columns {
            self.text.clear();
            c.values.push_text(r, &mut self.text);
            self.tail.push(b',');
            push_field(&mut self.tail, self.text.as_bytes());
        }
        self.tail.push(b'\n');
        self.drain()?;
        self.out.write_all(line).and_then(|()| self.out.write_all(&self.tail)).map_err(write_error)
    }

    /// Sends what the csv writer formatted to the output once it is big.
    fn written(&mut self) -> Result<(), Error> {
        if self.csv.get_ref().len() - self.drained >= CSV_PENDING { self.drain() } else { Ok(()) }
    }

    /// Sends what the csv writer formatted to the output. Its buffer is
    /// emptied (the writer made anew around it) once it has grown big.
    fn drain(&mut self) -> Result<(), Error> {
        self.csv.flush().map_err(write_error)?;
        let pending = &self.csv.get_ref()[self.drained..];
        if !pending.is_empty() {
            self.out.write_all(pending).map_err(write_error)?;
            self.drained = self.csv.get_ref().len();
        }
        if self.drained >= CSV_PENDING {
            let used = std::mem::replace(&mut self.csv, csv_writer(Vec::new()));
            let mut buf = used.into_inner().map_err(write_error)?;
            buf.clear();
            self.csv = csv_writer(buf);
            self.drained = 0;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<(), Error> {
        self.drain()?;
        self.out.flush().map_err(write_error)
    }

    pub fn into_inner(mut self) -> Result<W, Error> {
        self.drain()?;
        Ok(self.out)
    }
}

/// A CSV field as the csv crate's writer writes it next to others: quoted
/// (its quotes doubled) when it holds a comma, a quote or a line break.
fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if !field.iter().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for &b in field {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

fn write_error(e: impl std::fmt::Display) -> Error {
    Error::Run(format!("writing CSV: {e}"))
}

/// Writes one JSON object per row: the input cells, then the outputs.
pub fn write_json_lines(table: &Table, p: &Prediction, out: &mut Vec<u8>) {
    for row in json_rows(table, p) {
        out.extend_from_slice(Value::Object(row).to_string().as_bytes());
        out.push(b'\n');
    }
}

fn json_rows(table: &Table, p: &Prediction) -> Vec<Map<String, Value>> {
    let outputs = p.json_rows();
    table
        .rows()
        .zip(outputs)
        .map(|(row, out)| {
            let mut m = Map::new();
            for (name, cell) in table.columns().iter().zip(row) {
                m.insert(name.clone(), cell_json(cell));
            }
            m.extend(out);
            m
        })
        .collect()
}

/// A cell as a JSON value: missing is `null`.
pub fn cell_json(c: &Cell) -> Value {
    match c {
        Cell::Missing => Value::Null,
        Cell::Number(x) => serde_json::Number::from_f64(*x).map(Value::Number).unwrap_or(Value::Null),
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Bool(b) => Value::Bool(*b),
    }
}

/// A cell as CSV text, for input that was not CSV: missing is empty.
pub fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Missing => String::new(),
        Cell::Number(x) => x.to_string(),
        Cell::Text(s) => s.clone(),
        Cell::Bool(b) => b.to_string(),
    }
}

fn write_csv(input: &[u8], from: Format, table: &Table, p: &Prediction) -> Result<Vec<u8>, Error> {
    let mut w = CsvOut::new(Vec::new());
    w.header(table.columns(), p)?;
    if from == Format::Csv {
        // Input rows are written back as written.
        let mut rows = SpannedRows::new(input)?;
        let mut record = manifest::CsvFields::new();
        let mut r = 0;
        while let Some(span) = rows.next(&mut record)? {
            w.line_row(input.get(span).unwrap_or_default(), &record, p, r)?;
            r += 1;
        }
    } else {
        for (r, row) in table.rows().enumerate() {
            w.row(row.iter().map(cell_text), p, r)?;
        }
    }
    w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Model;

    fn model(file: &str) -> Model {
        let path = format!("{}/../models/{file}", env!("CARGO_MANIFEST_DIR"));
        Model::load(&std::fs::read(&path).unwrap()).unwrap()
    }

    /// cars93's rows repeated to `rows` rows (several chunks and a part).
    fn cars(rows: usize) -> String {
        let text = std::fs::read_to_string(format!("{}/../data/cars93.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        let body: Vec<&str> = lines.collect();
        let mut out = format!("{header}\n");
        for i in 0..rows {
            out.push_str(body[i % body.len()]);
            out.push('\n');
        }
        out
    }

    /// What reading the file whole gives: the table, its prediction, the writer.
    fn whole(m: &Model, input: &[u8]) -> Result<Vec<u8>, Error> {
        let table = read_table(input, Format::Csv)?;
        write(input, Format::Csv, &table, &m.predict(&table)?, Format::Csv)
    }

    #[test]
    fn csv_in_chunks_writes_the_bytes_of_the_whole_file() {
        for file in ["car-price-gbr.onnx", "car-price.onnx"] {
            let m = model(file);
            for rows in [0, 1, CSV_CHUNK_ROWS, 2 * CSV_CHUNK_ROWS + 17] {
                let input = cars(rows);
                let chunked = predict_file(&m, input.as_bytes(), Format::Csv, Format::Csv).unwrap();
                assert_eq!(chunked, whole(&m, input.as_bytes()).unwrap(), "{file}, {rows} rows");
                assert_eq!(chunked.iter().filter(|&&b| b == b'\n').count(), rows + 1);
            }
        }
    }

    /// A CSV's rows come back as written, line ends made `\n`, with the
    /// outputs after them; a reader reads them as the input's fields.
    #[test]
    fn csv_rows_come_back_as_written_with_the_outputs_appended() {
        let m = model("iris-species.onnx");
        let rows = [
            "\"1\",5.1,3.5,1.4,0.2,\"set\r\nosa\"",
            "\"2\",  4.9 ,3,1.40,0.2,\"a \"\"b\"\", c\"",
            "3,6.3,3.3,6,2.5,virginica",
        ];
        let input = format!(
            "\u{feff}\"\",\"Sepal.Length\",Sepal.Width,Petal.Length,Petal.Width,Species\r\n{}\r\n\r\n{}\r\n{}",
            rows[0], rows[1], rows[2]
        );
        for out in [
            predict_file(&m, input.as_bytes(), Format::Csv, Format::Csv).unwrap(),
            whole(&m, input.as_bytes()).unwrap(),
        ] {
            let out = String::from_utf8(out).unwrap();
            let body = out.split_once('\n').unwrap().1;
            let mut at = body;
            for row in rows {
                assert!(at.starts_with(&format!("{row},")), "{row:?} in {out:?}");
                at = at.split_at(row.len()).1.split_once('\n').unwrap().1;
            }
            let read: Vec<csv::StringRecord> =
                csv::Reader::from_reader(out.as_bytes()).records().map(|r| r.unwrap()).collect();
            assert_eq!(read.len(), 3);
            assert_eq!(&read[0][5], "set\r\nosa");
            assert_eq!((&read[1][1], &read[1][5]), ("  4.9 ", "a \"b\", c"));
            assert!(["setosa", "versicolor", "virginica"].contains(&&read[2][6]), "{:?}", read[2]);
        }
    }

    #[test]
    fn csv_in_chunks_names_bad_rows_of_every_chunk_as_the_whole_file_does() {
        let m = model("car-price-gbr.onnx");
        let mut lines: Vec<String> = cars(3 * CSV_CHUNK_ROWS).lines().map(String::from).collect();
        for row in [3, CSV_CHUNK_ROWS + 5, 3 * CSV_CHUNK_ROWS] {
            let mut fields: Vec<&str> = lines[row].split(',').collect();
            fields[3] = "\"Spaceship\""; // Type
            lines[row] = fields.join(",");
        }
        let input = lines.join("\n");
        let chunked = predict_file(&m, input.as_bytes(), Format::Csv, Format::Csv).unwrap_err().to_string();
        assert_eq!(chunked, whole(&m, input.as_bytes()).unwrap_err().to_string());
        assert!(chunked.contains("3 problems"), "{chunked}");
        for row in [3, CSV_CHUNK_ROWS + 5, 3 * CSV_CHUNK_ROWS] {
            assert!(chunked.contains(&format!("row {row}")), "{chunked}");
        }
        // A ragged row stops reading, as it does for the whole file.
        let ragged = format!("{input}\n1,2\n");
        let e = predict_file(&m, ragged.as_bytes(), Format::Csv, Format::Csv).unwrap_err().to_string();
        assert_eq!(e, whole(&m, ragged.as_bytes()).unwrap_err().to_string());
    }

    #[test]
    fn json_rows_nest_a_classifiers_probabilities_under_their_output() {
        let m = model("iris-species.onnx");
        let rows: Vec<Value> = m.manifest().unwrap().golden.iter().map(|g| Value::Object(g.input.clone())).collect();
        let p = m.predict(&Table::from_json_value(&Value::Array(rows)).unwrap()).unwrap();
        let maps = p.json_rows();
        assert_eq!(maps.len(), p.rows);
        for row in &maps {
            let keys: Vec<&String> = row.keys().collect();
            assert_eq!(keys, ["label", "probability"]);
            let probs = row["probability"].as_object().unwrap();
            assert_eq!(probs.keys().collect::<Vec<_>>(), ["setosa", "versicolor", "virginica"]);
            let sum: f64 = probs.values().map(|v| v.as_f64().unwrap()).sum();
            assert!((sum - 1.0).abs() < 1e-5, "{row:?}");
        }
        let straight = serde_json::to_string(&crate::interface::JsonRows(&p)).unwrap();
        let maps: Vec<Value> = maps.into_iter().map(Value::Object).collect();
        assert_eq!(straight, serde_json::to_string(&maps).unwrap());
    }
}
