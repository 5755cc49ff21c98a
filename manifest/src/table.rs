//! Rows as the user gives them: CSV, JSON objects, JSON Lines or columns.
//! Cells stay as written (text stays text) until a field's type reads them.

use std::fmt;

use crate::Error;

/// One cell as given.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Missing,
    Number(f64),
    Text(String),
    Bool(bool),
}

impl Cell {
    pub fn is_missing(&self) -> bool {
        matches!(self, Cell::Missing)
    }

    /// A JSON value as a cell; `null` is missing. Arrays and objects are kept
    /// as their JSON text so that the error can show them.
    pub fn from_json(v: &serde_json::Value) -> Cell {
        match v {
            serde_json::Value::Null => Cell::Missing,
            serde_json::Value::Bool(b) => Cell::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map(Cell::Number).unwrap_or(Cell::Missing),
            serde_json::Value::String(s) => Cell::Text(s.clone()),
            other => Cell::Text(other.to_string()),
        }
    }

    /// A CSV cell: empty, `NA`, `N/A` and `null` are missing (the ways R,
    /// pandas and spreadsheets write it); everything else is text.
    pub fn from_csv(s: &str) -> Cell {
        match s.trim() {
            "" | "NA" | "N/A" | "null" | "NULL" => Cell::Missing,
            _ => Cell::Text(s.to_string()),
        }
    }

    /// The cell as a number, if it is one (text is parsed).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Number(x) => Some(*x),
            Cell::Text(s) => s.trim().parse().ok(),
            Cell::Bool(b) => Some(f64::from(u8::from(*b))),
            Cell::Missing => None,
        }
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Missing => write!(f, "a missing value"),
            Cell::Number(x) => write!(f, "{x}"),
            Cell::Text(s) => write!(f, "{s:?}"),
            Cell::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A table of cells, row-major, with named columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    columns: Vec<String>,
    cells: Vec<Cell>,
}

fn input_error(reason: impl Into<String>) -> Error {
    Error::Input(reason.into())
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: Vec<String>) -> Table {
        Table { columns, cells: Vec::new() }
    }

    /// Appends a row; it must have one cell per column.
    pub fn push_row(&mut self, row: Vec<Cell>) -> Result<(), Error> {
        if row.len() != self.columns.len() {
            return Err(input_error(format!(
                "row {} has {} values, the table has {} columns",
                self.len() + 1,
                row.len(),
                self.columns.len()
            )));
        }
        self.cells.extend(row);
        Ok(())
    }

    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.cells.len().checked_div(self.columns.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn rows(&self) -> impl Iterator<Item = &[Cell]> {
        self.cells.chunks(self.columns.len().max(1))
    }

    pub fn row(&self, i: usize) -> &[Cell] {
        let w = self.columns.len();
        &self.cells[i * w..(i + 1) * w]
    }

    /// Reads CSV with a header row. A UTF-8 byte-order mark is skipped; a row
    /// with a different number of fields than the header is an error that
    /// names the line.
    pub fn from_csv(bytes: &[u8]) -> Result<Table, Error> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
        let headers = reader.headers().map_err(csv_error)?.clone();
        if headers.is_empty() {
            return Err(input_error("the CSV has no header row"));
        }
        let mut table = Table::new(headers.iter().map(|h| h.trim().to_string()).collect());
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).map_err(csv_error)? {
            table.cells.extend(record.iter().map(Cell::from_csv));
        }
        Ok(table)
    }

    /// Reads JSON: an array of row objects, one row object, an object of
    /// equal-length column arrays, or an array of arrays (columns by position).
    pub fn from_json(text: &str) -> Result<Table, Error> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| input_error(format!("invalid JSON: {e}")))?;
        Table::from_json_value(&value)
    }

    pub fn from_json_value(value: &serde_json::Value) -> Result<Table, Error> {
        use serde_json::Value;
        match value {
            Value::Array(rows) => Table::from_json_rows(rows.iter()),
            Value::Object(map) if !map.is_empty() && map.values().all(Value::is_array) => {
                let columns: Vec<String> = map.keys().cloned().collect();
                let arrays: Vec<&Vec<Value>> = map.values().map(|v| v.as_array().expect("checked above")).collect();
                let n = arrays[0].len();
                if let Some((name, a)) = map.iter().find(|(_, a)| a.as_array().map(Vec::len) != Some(n)) {
                    return Err(input_error(format!(
                        "column `{name}` has {} values, column `{}` has {n}",
                        a.as_array().map(Vec::len).unwrap_or(0),
                        columns[0]
                    )));
                }
                let mut table = Table::new(columns);
                for i in 0..n {
                    table.cells.extend(arrays.iter().map(|a| Cell::from_json(&a[i])));
                }
                Ok(table)
            }
            Value::Object(_) => Table::from_json_rows(std::iter::once(value)),
            _ => Err(input_error("expected a JSON object (one row), an array of rows, or an object of columns")),
        }
    }

    /// Reads JSON Lines: one JSON object (or array) per line; blank lines are skipped.
    pub fn from_json_lines(text: &str) -> Result<Table, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| input_error(format!("line {}: invalid JSON: {e}", i + 1)))?;
            rows.push(v);
        }
        Table::from_json_rows(rows.iter())
    }

    fn from_json_rows<'a>(rows: impl Iterator<Item = &'a serde_json::Value>) -> Result<Table, Error> {
        use serde_json::Value;
        let rows: Vec<&Value> = rows.collect();
        let mut columns: Vec<String> = Vec::new();
        let mut positional = 0usize;
        for (i, row) in rows.iter().enumerate() {
            match row {
                Value::Object(map) => {
                    for k in map.keys() {
                        if !columns.iter().any(|c| c == k) {
                            columns.push(k.clone());
                        }
                    }
                }
                Value::Array(a) => positional = positional.max(a.len()),
                other => {
                    return Err(input_error(format!(
                        "row {}: expected an object of field values, found {}",
                        i + 1,
                        kind(other)
                    )));
                }
            }
        }
        if positional > 0 && !columns.is_empty() {
            return Err(input_error("rows mix objects and arrays"));
        }
        if positional > 0 {
            columns = (1..=positional).map(|i| format!("column_{i}")).collect();
        }
        let mut table = Table::new(columns);
        for (i, row) in rows.iter().enumerate() {
            match row {
                Value::Object(map) => table
                    .cells
                    .extend(table.columns.iter().map(|c| map.get(c).map(Cell::from_json).unwrap_or(Cell::Missing))),
                Value::Array(a) => {
                    if a.len() != positional {
                        return Err(input_error(format!(
                            "row {} has {} values, other rows have {positional}",
                            i + 1,
                            a.len()
                        )));
                    }
                    table.cells.extend(a.iter().map(Cell::from_json));
                }
                _ => unreachable!("checked above"),
            }
        }
        Ok(table)
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            input_error(format!("{at}the row has {len} fields, but the header has {expected_len}"))
        }
        csv::ErrorKind::Utf8 { .. } => input_error(format!("{at}the CSV is not valid UTF-8 text")),
        _ => input_error(format!("{at}{e}")),
    }
}
