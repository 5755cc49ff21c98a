//! Rows as the user gives them: CSV, JSON objects, JSON Lines or columns.
//! Cells stay as written (text stays text) until a field's type reads them.

use std::fmt;

use crate::Error;
use crate::csv_rows::{CsvFields, CsvRecord, CsvRows};

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

    /// The cell read as yes/no, as a boolean field reads it: a boolean, 1 or
    /// 0, or a yes/no word ([`crate::parse_bool`]); `None` for anything else.
    pub fn yes_no(&self) -> Option<bool> {
        match self {
            Cell::Bool(b) => Some(*b),
            Cell::Number(x) if *x == 0.0 || *x == 1.0 => Some(*x == 1.0),
            Cell::Text(s) => crate::parse_bool(s),
            _ => None,
        }
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

    /// [`Cell::from_json`] of a value given away: its text is not copied.
    pub fn from_json_owned(v: serde_json::Value) -> Cell {
        match v {
            serde_json::Value::String(s) => Cell::Text(s),
            other => Cell::from_json(&other),
        }
    }

    /// A CSV cell: empty, `NA`, `N/A` and `null` are missing (the ways R,
    /// pandas and spreadsheets write it); everything else is text.
    pub fn from_csv(s: &str) -> Cell {
        if csv_missing(s) { Cell::Missing } else { Cell::Text(s.to_string()) }
    }

    /// The cell as a number, if it is one (text is parsed).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Number(x) => Some(*x),
            Cell::Text(s) => parse_number(s),
            Cell::Bool(b) => Some(f64::from(u8::from(*b))),
            Cell::Missing => None,
        }
    }
}

pub(crate) fn csv_missing(s: &str) -> bool {
    matches!(trim(s), "" | "NA" | "N/A" | "null" | "NULL")
}

/// `str::trim`, with a shortcut for the common case of nothing to trim.
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// A number written as text, surrounding whitespace ignored: exactly
/// `s.trim().parse::<f64>().ok()`, with a shortcut for plain decimals (up to
/// 19 digits, a value below 2^53 before the point is placed, at most 22
/// digits after it), which are exact in f64 and divided once by an exact
/// power of ten: the correctly rounded result, as the standard parser gives.
pub fn parse_number(s: &str) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];
    let s = trim(s);
    let b = s.as_bytes();
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa: u64 = 0;
    let mut count = 0;
    let mut point = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' if count < 19 => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
            }
            b'.' if point.is_none() => point = Some(digits.len() - i - 1),
            _ => return s.parse().ok(),
        }
    }
    let decimals = point.unwrap_or(0);
    if count == 0 || mantissa > 1 << 53 || decimals >= POW10.len() {
        return s.parse().ok();
    }
    let x = mantissa as f64 / POW10[decimals];
    Some(if negative { -x } else { x })
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

pub(crate) fn input_error(reason: impl Into<String>) -> Error {
    Error::Input(reason.into())
}

/// `{}` or rows that are all `{}`: rows, but not one field to predict from.
fn no_fields() -> Error {
    input_error("row 1 has no fields: send the model's input fields, by name")
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
    /// names the line. Built on [`CsvRows`], which reads the same dialect in
    /// chunks.
    pub fn from_csv(bytes: &[u8]) -> Result<Table, Error> {
        let mut rows = CsvRows::new(bytes)?;
        let mut table = Table::new(rows.columns().to_vec());
        let mut record = CsvFields::new();
        loop {
            match rows.read_record(&mut record)? {
                CsvRecord::Row => table.push_csv_record(&record),
                CsvRecord::Bad(reason) => return Err(input_error(reason)),
                CsvRecord::End => return Ok(table),
            }
        }
    }

    /// Appends a CSV record read by [`CsvRows`], each field read by
    /// [`Cell::from_csv`]. The record must have one field per column
    /// ([`CsvRows::read_record`] checks it).
    pub fn push_csv_record(&mut self, record: &CsvFields) {
        debug_assert_eq!(record.len(), self.columns.len());
        self.cells.extend(record.iter().map(Cell::from_csv));
    }

    /// The table of these records under `columns`, each pushed by
    /// [`Table::push_csv_record`].
    pub fn from_csv_records(columns: Vec<String>, records: &[CsvFields]) -> Table {
        let mut table = Table::new(columns);
        records.iter().for_each(|r| table.push_csv_record(r));
        table
    }

    /// Reads JSON: an array of row objects, one row object, an object of
    /// equal-length column arrays, or an array of arrays (columns by position).
    pub fn from_json(text: &str) -> Result<Table, Error> {
        let input: JsonInput = serde_json::from_str(text).map_err(|e| input_error(format!("invalid JSON: {e}")))?;
        input.into_table()
    }

    pub fn from_json_value(value: &serde_json::Value) -> Result<Table, Error> {
        use serde_json::Value;
        match value {
            Value::Array(rows) => Table::from_json_rows(rows.iter()),
            Value::Object(map) => Table::from_json_fields(map.iter()),
            _ => Err(input_error("expected a JSON object (one row), an array of rows, or an object of columns")),
        }
    }

    /// An object's fields: equal-length arrays are columns, anything else
    /// one row (its keys the columns, in order).
    fn from_json_fields<'a>(
        fields: impl ExactSizeIterator<Item = (&'a String, &'a serde_json::Value)> + Clone,
    ) -> Result<Table, Error> {
        if fields.len() == 0 {
            return Err(no_fields());
        }
        let columns: Vec<String> = fields.clone().map(|(k, _)| k.clone()).collect();
        if !fields.clone().all(|(_, v)| v.is_array()) {
            return Ok(Table { columns, cells: fields.map(|(_, v)| Cell::from_json(v)).collect() });
        }
        let arrays: Vec<&Vec<serde_json::Value>> = fields.filter_map(|(_, v)| v.as_array()).collect();
        let n = arrays[0].len();
        if let Some((name, a)) = columns.iter().zip(&arrays).find(|(_, a)| a.len() != n) {
            return Err(input_error(format!(
                "column `{name}` has {} values, column `{}` has {n}",
                a.len(),
                columns[0]
            )));
        }
        let mut table = Table::new(columns);
        for i in 0..n {
            table.cells.extend(arrays.iter().map(|a| Cell::from_json(&a[i])));
        }
        Ok(table)
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
        let rows: Vec<&serde_json::Value> = rows.collect();
        let mut columns = JsonColumns::default();
        for (i, row) in rows.iter().enumerate() {
            columns.add(row).map_err(|reason| input_error(format!("row {}: {reason}", i + 1)))?;
        }
        let columns = columns.finish()?;
        if columns.is_empty() && !rows.is_empty() {
            // A table of no columns has no rows: it cannot stand for these.
            return Err(no_fields());
        }
        let mut table = Table::new(columns);
        for (i, row) in rows.iter().enumerate() {
            table.push_json_row(row).map_err(|reason| input_error(format!("row {}: {reason}", i + 1)))?;
        }
        Ok(table)
    }

    /// Appends one JSON row: an object (cells by column name; a column the
    /// object lacks is missing) or an array (one value per column, in order).
    /// The error says what is wrong with the row.
    pub fn push_json_row(&mut self, row: &serde_json::Value) -> Result<(), String> {
        use serde_json::Value;
        match row {
            // Keys in the columns' order (the usual case): no lookups.
            Value::Object(map) if map.len() == self.columns.len() && map.keys().eq(self.columns.iter()) => {
                self.cells.extend(map.values().map(Cell::from_json));
                Ok(())
            }
            Value::Object(map) => {
                let cells = self.columns.iter().map(|c| map.get(c).map(Cell::from_json).unwrap_or(Cell::Missing));
                self.cells.extend(cells);
                Ok(())
            }
            Value::Array(a) if a.len() == self.columns.len() => {
                self.cells.extend(a.iter().map(Cell::from_json));
                Ok(())
            }
            Value::Array(a) => Err(format!("the row has {} values, other rows have {}", a.len(), self.columns.len())),
            other => Err(format!("expected an object of field values, found {}", kind(other))),
        }
    }
}

/// JSON text parsed for a table ([`Table::from_json`]): a top-level object
/// is read as its fields in order, without building a map (what a server
/// answering one row at a time spends most on); anything else as a value.
/// A key given twice keeps its first place and its last value, as
/// `serde_json::Value` does.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonInput {
    Object(Vec<(String, serde_json::Value)>),
    Other(serde_json::Value),
}

impl JsonInput {
    /// The table [`Table::from_json_value`] makes of the same JSON. One row
    /// (an object not of columns) takes its keys and text values over
    /// instead of copying them.
    pub fn into_table(self) -> Result<Table, Error> {
        match self {
            JsonInput::Object(fields) if !fields.is_empty() && !fields.iter().all(|(_, v)| v.is_array()) => {
                let (columns, cells) = fields.into_iter().map(|(k, v)| (k, Cell::from_json_owned(v))).unzip();
                Ok(Table { columns, cells })
            }
            JsonInput::Object(fields) => Table::from_json_fields(fields.iter().map(|(k, v)| (k, v))),
            JsonInput::Other(value) => Table::from_json_value(&value),
        }
    }

    pub fn into_value(self) -> serde_json::Value {
        match self {
            JsonInput::Object(fields) => serde_json::Value::Object(fields.into_iter().collect()),
            JsonInput::Other(value) => value,
        }
    }

    pub fn is_object_or_array(&self) -> bool {
        matches!(self, JsonInput::Object(_) | JsonInput::Other(serde_json::Value::Array(_)))
    }
}

impl<'de> serde::Deserialize<'de> for JsonInput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<JsonInput, D::Error> {
        use serde::de::{self, Deserialize, MapAccess, SeqAccess, Visitor};
        use serde_json::Value;
        struct V;
        fn other<E>(v: impl Into<Value>) -> Result<JsonInput, E> {
            Ok(JsonInput::Other(v.into()))
        }
        impl<'de> Visitor<'de> for V {
            type Value = JsonInput;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonInput, A::Error> {
                let mut fields: Vec<(String, Value)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    match fields.iter_mut().find(|(k, _)| *k == key) {
                        Some(field) => field.1 = value,
                        None => fields.push((key, value)),
                    }
                }
                Ok(JsonInput::Object(fields))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<JsonInput, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(JsonInput::Other)
            }
            fn visit_bool<E>(self, b: bool) -> Result<JsonInput, E> {
                other(b)
            }
            fn visit_i64<E>(self, x: i64) -> Result<JsonInput, E> {
                other(x)
            }
            fn visit_u64<E>(self, x: u64) -> Result<JsonInput, E> {
                other(x)
            }
            fn visit_f64<E>(self, x: f64) -> Result<JsonInput, E> {
                other(x)
            }
            fn visit_str<E>(self, s: &str) -> Result<JsonInput, E> {
                other(s)
            }
            fn visit_unit<E>(self) -> Result<JsonInput, E> {
                other(Value::Null)
            }
        }
        d.deserialize_any(V)
    }
}

/// The columns of JSON rows, gathered one row at a time: the keys of the
/// objects in order of first appearance, or `column_1..column_n` for rows
/// given as arrays (`n` the longest). [`Table::from_json`] and
/// [`Table::from_json_lines`] use it, and so can a reader that streams rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonColumns {
    columns: Vec<String>,
    positional: usize,
}

impl JsonColumns {
    /// Takes in one row's columns; anything but an object or an array is an
    /// error naming what it is.
    pub fn add(&mut self, row: &serde_json::Value) -> Result<(), String> {
        match row {
            serde_json::Value::Object(map) => {
                for (i, k) in map.keys().enumerate() {
                    // Rows usually repeat the keys in the same order.
                    if self.columns.get(i) != Some(k) {
                        self.add_key(k);
                    }
                }
                Ok(())
            }
            serde_json::Value::Array(a) => {
                self.add_array(a.len());
                Ok(())
            }
            other => Err(format!("expected an object of field values, found {}", kind(other))),
        }
    }

    /// One key of an object row.
    pub fn add_key(&mut self, key: &str) {
        if !self.columns.iter().any(|c| c == key) {
            self.columns.push(key.to_string());
        }
    }

    /// An array row of `len` values.
    pub fn add_array(&mut self, len: usize) {
        self.positional = self.positional.max(len);
    }

    /// The columns; rows that mix objects and arrays are an error.
    pub fn finish(self) -> Result<Vec<String>, Error> {
        if self.positional > 0 && !self.columns.is_empty() {
            return Err(input_error("rows mix objects and arrays"));
        }
        if self.positional > 0 {
            return Ok((1..=self.positional).map(|i| format!("column_{i}")).collect());
        }
        Ok(self.columns)
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
