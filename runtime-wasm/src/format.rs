//! Files in and out: CSV, JSON Lines and JSON. One implementation for the
//! CLI, the browser and the edge, so their outputs are byte-identical.

use manifest::{Cell, Table};
use serde_json::{Map, Value};

use crate::Error;
use crate::engine::Model;
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
pub fn predict_file(model: &Model, input: &[u8], from: Format, to: Format) -> Result<Vec<u8>, Error> {
    let table = read_table(input, from)?;
    let prediction = model.predict(&table)?;
    write(input, from, &table, &prediction, to)
}

/// Writes the input rows followed by the prediction's columns. An output
/// whose name is already an input column is written as `predicted_<name>`.
pub fn write(input: &[u8], from: Format, table: &Table, p: &Prediction, to: Format) -> Result<Vec<u8>, Error> {
    let renamed;
    let p = if p.columns.iter().any(|c| table.column(&c.path.0).is_some()) {
        let mut q = p.clone();
        for c in &mut q.columns {
            if table.column(&c.path.0).is_some() {
                c.path.0 = format!("predicted_{}", c.path.0);
                c.name = format!("predicted_{}", c.name);
            }
        }
        renamed = q;
        &renamed
    } else {
        p
    };
    match to {
        Format::Csv => write_csv(input, from, table, p),
        Format::JsonLines => {
            let mut out = Vec::new();
            for row in json_rows(table, p) {
                out.extend_from_slice(Value::Object(row).to_string().as_bytes());
                out.push(b'\n');
            }
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

fn cell_json(c: &Cell) -> Value {
    match c {
        Cell::Missing => Value::Null,
        Cell::Number(x) => serde_json::Number::from_f64(*x).map(Value::Number).unwrap_or(Value::Null),
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Bool(b) => Value::Bool(*b),
    }
}

fn write_csv(input: &[u8], from: Format, table: &Table, p: &Prediction) -> Result<Vec<u8>, Error> {
    let err = |e: csv::Error| Error::Run(format!("writing CSV: {e}"));
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header: Vec<String> = table.columns().to_vec();
    header.extend(p.headers().into_iter().map(String::from));
    w.write_record(&header).map_err(err)?;
    let outputs = |r: usize| p.columns.iter().map(move |c| c.values.text(r));
    if from == Format::Csv {
        // Input cells are written back exactly as they were read.
        let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(input);
        for (r, record) in reader.records().enumerate() {
            let record = record.map_err(|e| Error::Input(manifest::Error::Input(e.to_string())))?;
            let mut fields: Vec<String> = record.iter().map(String::from).collect();
            fields.extend(outputs(r));
            w.write_record(&fields).map_err(err)?;
        }
    } else {
        for (r, row) in table.rows().enumerate() {
            let mut fields: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Missing => String::new(),
                    Cell::Number(x) => x.to_string(),
                    Cell::Text(s) => s.clone(),
                    Cell::Bool(b) => b.to_string(),
                })
                .collect();
            fields.extend(outputs(r));
            w.write_record(&fields).map_err(err)?;
        }
    }
    w.into_inner().map_err(|e| Error::Run(format!("writing CSV: {e}")))
}
