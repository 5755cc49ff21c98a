//! How a table of rows becomes a model's input tensors, and its output
//! tensors become named columns. Engine-neutral: tract (here) and ONNX
//! Runtime (in the host) both go through this one path, so every engine sees
//! the same inputs and names the same outputs.

use manifest::{Cell, Manifest, OutputKind, RowError, Table};
use serde_json::{Map, Value};

use crate::Error;

/// Element type of a tensor crossing the engine boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    F32,
    F64,
    I64,
    I32,
    Bool,
    Str,
}

impl Dtype {
    /// From an ONNX `TensorProto.DataType` code.
    pub fn from_onnx(code: i32) -> Option<Dtype> {
        Some(match code {
            1 => Dtype::F32,
            6 => Dtype::I32,
            7 => Dtype::I64,
            8 => Dtype::Str,
            9 => Dtype::Bool,
            11 => Dtype::F64,
            _ => return None,
        })
    }
}

/// A tensor's data, row-major.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    Bool(Vec<bool>),
    Str(Vec<String>),
}

impl Data {
    pub fn len(&self) -> usize {
        match self {
            Data::F32(v) => v.len(),
            Data::F64(v) => v.len(),
            Data::I64(v) => v.len(),
            Data::I32(v) => v.len(),
            Data::Bool(v) => v.len(),
            Data::Str(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A named tensor handed to or received from an engine.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Data,
}

/// How rows fill the model's inputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Inputs {
    /// A citizen model: the manifest's preprocessing makes one float matrix
    /// (`encoder` is that preprocessing, planned once).
    Manifest { onnx_input: String, encoder: manifest::Encoder },
    /// A plain model with one 2-D numeric input: filled from the table's
    /// columns in order (columns with an empty header, such as an unnamed
    /// row index, are skipped).
    Positional { onnx_input: String, width: Option<usize>, dtype: Dtype },
    /// A plain model with several inputs: each filled from the column of the
    /// same name.
    Named(Vec<NamedInput>),
}

/// One input of a plain model with several inputs: shape `[N]` or `[N, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedInput {
    pub name: String,
    pub dtype: Dtype,
    pub rank: usize,
}

/// One ONNX output and how it becomes columns.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSpec {
    pub onnx_output: String,
    pub kind: OutputSpecKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutputSpecKind {
    /// A manifest output.
    Field { name: String, kind: OutputKind, column: Option<usize> },
    /// A plain model's output: `[N]` → column `name`; `[N, k]` → `name_0..`;
    /// with `keys` (a ZipMap's class labels) → `name_<key>`. `width` is `k`
    /// when the graph declares it.
    Plain { keys: Option<Vec<String>>, width: Option<usize> },
}

/// Everything needed to go from rows to tensors and back.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    pub manifest: Option<Manifest>,
    pub inputs: Inputs,
    pub outputs: Vec<OutputSpec>,
}

/// One output column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The flat name used as a CSV header.
    pub name: String,
    /// Where the value sits in a JSON row: `row[.0]` or `row[.0][.1]`.
    pub path: (String, Option<String>),
    pub values: Values,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    Text(Vec<String>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as text, written the same way on every target: floats in
    /// their shortest round-trip form.
    pub fn text(&self, row: usize) -> String {
        let mut s = String::new();
        self.push_text(row, &mut s);
        s
    }

    /// Appends [`Values::text`] to `out`, without allocating.
    pub fn push_text(&self, row: usize, out: &mut String) {
        use std::fmt::Write;
        match self {
            Values::F32(v) => push_float(out, v[row]),
            Values::F64(v) => push_float(out, v[row]),
            // Writing to a String cannot fail.
            Values::I64(v) => drop(write!(out, "{}", v[row])),
            Values::Text(v) => out.push_str(&v[row]),
        }
    }

    pub fn number(&self, row: usize) -> Option<f64> {
        match self {
            Values::F32(v) => Some(v[row] as f64),
            Values::F64(v) => Some(v[row]),
            Values::I64(v) => Some(v[row] as f64),
            Values::Text(_) => None,
        }
    }

    pub fn json(&self, row: usize) -> Value {
        let float = |x: f64, short: String| {
            // f32 values are written by their shortest f32 form, so 15.9f32
            // becomes 15.9 and not 15.899999618530273.
            short
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| if x.is_nan() { Value::Null } else { Value::String(short) })
        };
        match self {
            Values::F32(v) => float(v[row] as f64, self.text(row)),
            Values::F64(v) => float(v[row], self.text(row)),
            Values::I64(v) => Value::from(v[row]),
            Values::Text(v) => Value::String(v[row].clone()),
        }
    }
}

/// The outputs for a batch of rows, as columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prediction {
    pub rows: usize,
    pub columns: Vec<Column>,
}

impl Prediction {
    pub fn headers(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// One JSON object per row; a classifier's probabilities nest under
    /// their output name, keyed by class.
    pub fn json_rows(&self) -> Vec<Map<String, Value>> {
        // The shape is defined once, by `JsonRows`: an array of objects
        // with string keys, so the other arms are never taken.
        match serde_json::to_value(JsonRows(self)) {
            Ok(Value::Array(rows)) => rows
                .into_iter()
                .map(|row| match row {
                    Value::Object(m) => m,
                    _ => Map::new(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A prediction's rows as JSON, written straight to a serializer (one
/// object per row; a classifier's probabilities nest under their output
/// name, keyed by class). [`Prediction::json_rows`] is this as maps.
pub struct JsonRows<'a>(pub &'a Prediction);

impl serde::Serialize for JsonRows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.rows))?;
        for r in 0..self.0.rows {
            seq.serialize_element(&JsonRow { columns: &self.0.columns, row: r, nested: false })?;
        }
        seq.end()
    }
}

/// One row's object; `nested`: the columns are one output's keyed values
/// (a classifier's probabilities), written by key.
struct JsonRow<'a> {
    columns: &'a [Column],
    row: usize,
    nested: bool,
}

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (columns, row) = (self.columns, self.row);
        let mut map = s.serialize_map(None)?;
        let mut i = 0;
        while i < columns.len() {
            let c = &columns[i];
            match (&c.path.1, self.nested) {
                (Some(key), true) => map.serialize_entry(key, &c.values.json(row))?,
                (None, _) => map.serialize_entry(&c.path.0, &c.values.json(row))?,
                (Some(_), false) => {
                    let n = columns[i..].iter().take_while(|d| d.path.0 == c.path.0 && d.path.1.is_some()).count();
                    let inner = JsonRow { columns: &columns[i..i + n], row, nested: true };
                    map.serialize_entry(&c.path.0, &inner)?;
                    i += n;
                    continue;
                }
            }
            i += 1;
        }
        map.end()
    }
}

impl OutputSpec {
    /// The tensor an engine returns for zero rows (engines may return none).
    fn empty_tensor(&self) -> NamedTensor {
        let (shape, data) = match &self.kind {
            OutputSpecKind::Field { kind: OutputKind::Label { .. }, .. } => (vec![0], Data::Str(vec![])),
            OutputSpecKind::Field { kind: OutputKind::Probabilities { classes }, .. } => {
                (vec![0, classes.len()], Data::F32(vec![]))
            }
            OutputSpecKind::Field { column, .. } => (vec![0, column.unwrap_or(0) + 1], Data::F32(vec![])),
            OutputSpecKind::Plain { keys: Some(k), .. } => (vec![0, k.len()], Data::F32(vec![])),
            OutputSpecKind::Plain { width: Some(w), .. } => (vec![0, *w], Data::F32(vec![])),
            OutputSpecKind::Plain { .. } => (vec![0], Data::F32(vec![])),
        };
        NamedTensor { name: self.onnx_output.clone(), shape, data }
    }
}

impl Interface {
    /// Names of the ONNX outputs an engine must compute, in order, without repeats.
    pub fn onnx_outputs(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for o in &self.outputs {
            if !names.contains(&o.onnx_output.as_str()) {
                names.push(&o.onnx_output);
            }
        }
        names
    }

    /// Validates rows one at a time, for a table that failed as a whole:
    /// which rows pass, and the problems of the others (their `row` counts
    /// from 1 within `table`; a problem no field is blamed for has an empty
    /// `field`). Fails with `whole` when no row passes and no row is to
    /// blame: then the table itself is wrong (e.g. a column is missing).
    pub fn screen(&self, table: &Table, whole: manifest::Error) -> Result<(Vec<bool>, Vec<RowError>), Error> {
        let mut keep = vec![false; table.len()];
        let mut problems = Vec::new();
        let mut rowless = 0;
        for (i, row) in table.rows().enumerate() {
            let mut one = Table::new(table.columns().to_vec());
            one.push_row(row.to_vec()).map_err(Error::Input)?;
            match self.prepare(&one) {
                Ok(_) => keep[i] = true,
                Err(Error::Input(manifest::Error::Rows(errors))) => {
                    problems.extend(errors.into_iter().map(|e| RowError { row: i + 1, ..e }));
                }
                Err(Error::Input(e)) => {
                    rowless += 1;
                    problems.push(RowError { row: i + 1, field: String::new(), reason: e.to_string() });
                }
                Err(e) => return Err(e),
            }
        }
        if rowless > 0 && rowless == table.len() {
            return Err(Error::Input(whole));
        }
        Ok((keep, problems))
    }

    /// Checks a file's columns before its rows are read, so that a file
    /// every row of which would fail is refused once, as a file: a citizen
    /// model's by [`Manifest::check_columns`], a plain model's by preparing
    /// no rows under them.
    pub fn check_columns(&self, columns: &[String]) -> Result<(), Error> {
        match (&self.inputs, &self.manifest) {
            (Inputs::Manifest { .. }, Some(m)) => m.check_columns(columns).map_err(Error::Input),
            _ => self.prepare(&Table::new(columns.to_vec())).map(drop),
        }
    }

    /// [`Interface::prepare`] of the table [`Table::push_csv_record`] would
    /// build from these records (read by `manifest::CsvRows` under
    /// `columns`): the same tensors and errors. A model with a manifest
    /// encodes straight from the records' text, without the table.
    pub fn prepare_csv(&self, columns: &[String], records: &[manifest::CsvFields]) -> Result<Vec<NamedTensor>, Error> {
        match &self.inputs {
            Inputs::Manifest { onnx_input, encoder } => {
                let data = encoder.encode_csv(columns, records).map_err(Error::Input)?;
                Ok(encoded(onnx_input, encoder, records.len(), data))
            }
            _ => self.prepare(&Table::from_csv_records(columns.to_vec(), records)),
        }
    }

    /// Validates the rows and builds the input tensors.
    pub fn prepare(&self, table: &Table) -> Result<Vec<NamedTensor>, Error> {
        let rows = table.len();
        match &self.inputs {
            Inputs::Manifest { onnx_input, encoder } => {
                let data = encoder.encode(table).map_err(Error::Input)?;
                Ok(encoded(onnx_input, encoder, rows, data))
            }
            Inputs::Positional { onnx_input, width, dtype } => {
                let columns: Vec<usize> = (0..table.width()).filter(|&c| !table.columns()[c].is_empty()).collect();
                if let Some(w) = width
                    && *w != columns.len()
                {
                    return Err(Error::Input(manifest::Error::Input(format!(
                        "the model takes {w} numbers per row (input `{onnx_input}`), but the table has {} columns",
                        columns.len()
                    ))));
                }
                let mut errors = Vec::new();
                let mut values = Vec::with_capacity(rows * columns.len());
                for (r, row) in table.rows().enumerate() {
                    for &c in &columns {
                        values.push(match &row[c] {
                            Cell::Missing => f64::NAN,
                            cell => cell.as_f64().unwrap_or_else(|| {
                                errors.push(manifest::RowError {
                                    row: r + 1,
                                    field: table.columns()[c].clone(),
                                    reason: format!("expected a number, found {cell}"),
                                });
                                f64::NAN
                            }),
                        });
                    }
                }
                if !errors.is_empty() {
                    return Err(Error::Input(manifest::Error::Rows(errors)));
                }
                let shape = vec![rows, columns.len()];
                let data = numeric_data(*dtype, values, onnx_input)?;
                Ok(vec![NamedTensor { name: onnx_input.clone(), shape, data }])
            }
            Inputs::Named(inputs) => {
                let mut tensors = Vec::new();
                let mut errors = Vec::new();
                for input in inputs {
                    let Some(c) = table.column(&input.name) else {
                        return Err(Error::Input(manifest::Error::Input(format!(
                            "the table has no column `{}`, which the model needs",
                            input.name
                        ))));
                    };
                    let cells = table.rows().map(|row| &row[c]);
                    let data = match input.dtype {
                        Dtype::Str => Data::Str(
                            cells
                                .map(|cell| match cell {
                                    Cell::Text(s) => s.clone(),
                                    Cell::Missing => String::new(),
                                    other => other.to_string(),
                                })
                                .collect(),
                        ),
                        Dtype::Bool => {
                            let mut v = Vec::with_capacity(rows);
                            for (r, cell) in cells.enumerate() {
                                let b = match cell {
                                    Cell::Bool(b) => Some(*b),
                                    Cell::Text(s) => manifest::parse_bool(s),
                                    Cell::Number(x) => Some(*x != 0.0),
                                    Cell::Missing => None,
                                };
                                v.push(b.unwrap_or_else(|| {
                                    errors.push(manifest::RowError {
                                        row: r + 1,
                                        field: input.name.clone(),
                                        reason: format!("expected yes/no, found {cell}"),
                                    });
                                    false
                                }));
                            }
                            Data::Bool(v)
                        }
                        dtype => {
                            let mut v = Vec::with_capacity(rows);
                            for (r, cell) in cells.enumerate() {
                                v.push(match cell {
                                    Cell::Missing => f64::NAN,
                                    cell => cell.as_f64().unwrap_or_else(|| {
                                        errors.push(manifest::RowError {
                                            row: r + 1,
                                            field: input.name.clone(),
                                            reason: format!("expected a number, found {cell}"),
                                        });
                                        f64::NAN
                                    }),
                                });
                            }
                            numeric_data(dtype, v, &input.name)?
                        }
                    };
                    let shape = if input.rank == 1 { vec![rows] } else { vec![rows, 1] };
                    tensors.push(NamedTensor { name: input.name.clone(), shape, data });
                }
                if !errors.is_empty() {
                    errors.sort_by_key(|e| e.row);
                    return Err(Error::Input(manifest::Error::Rows(errors)));
                }
                Ok(tensors)
            }
        }
    }

    /// Turns the engine's outputs (in [`Interface::onnx_outputs`] order) into named columns.
    pub fn finish(&self, rows: usize, outputs: Vec<NamedTensor>) -> Result<Prediction, Error> {
        let mut columns = Vec::new();
        for spec in &self.outputs {
            let empty;
            let t = match outputs.iter().find(|t| t.name == spec.onnx_output) {
                Some(t) => t,
                None if rows == 0 => {
                    empty = spec.empty_tensor();
                    &empty
                }
                None => {
                    return Err(Error::Run(format!("the engine did not return output `{}`", spec.onnx_output)));
                }
            };
            // Values per row, from the shape (so zero rows keep their columns).
            let per_row: usize = t.shape.iter().skip(1).product();
            if per_row * rows != t.data.len() || t.shape.first().copied().unwrap_or(rows) != rows {
                return Err(Error::Run(format!(
                    "output `{}` has shape {:?}, which does not match {rows} rows",
                    t.name, t.shape
                )));
            }
            match &spec.kind {
                OutputSpecKind::Field { name, kind, column } => match kind {
                    OutputKind::Numeric => {
                        let col = column.unwrap_or(0);
                        if col >= per_row.max(1) {
                            return Err(Error::Run(format!(
                                "output `{}` has {per_row} columns, the manifest reads column {col}",
                                t.name
                            )));
                        }
                        columns.push(Column {
                            name: name.clone(),
                            path: (name.clone(), None),
                            values: pick(&t.data, per_row, col)?,
                        });
                    }
                    OutputKind::Label { classes } => {
                        let values = match &t.data {
                            Data::Str(v) => v.clone(),
                            Data::I64(v) => v.iter().map(|x| x.to_string()).collect(),
                            Data::I32(v) => v.iter().map(|x| x.to_string()).collect(),
                            _ => {
                                return Err(Error::Run(format!(
                                    "label output `{}` is neither text nor integer",
                                    t.name
                                )));
                            }
                        };
                        if let Some(bad) = values.iter().find(|v| !classes.contains(v)) {
                            return Err(Error::Run(format!(
                                "the model predicted label {bad:?}, which the manifest does not list"
                            )));
                        }
                        columns.push(Column {
                            name: name.clone(),
                            path: (name.clone(), None),
                            values: Values::Text(values),
                        });
                    }
                    OutputKind::Probabilities { classes } => {
                        if per_row != classes.len() {
                            return Err(Error::Run(format!(
                                "output `{}` has {per_row} scores per row, the manifest lists {} classes",
                                t.name,
                                classes.len()
                            )));
                        }
                        for (i, class) in classes.iter().enumerate() {
                            columns.push(Column {
                                name: format!("{name}_{class}"),
                                path: (name.clone(), Some(class.clone())),
                                values: pick(&t.data, per_row, i)?,
                            });
                        }
                    }
                },
                OutputSpecKind::Plain { keys, .. } => {
                    let name = &t.name;
                    if t.shape.len() <= 1 && keys.is_none() {
                        columns.push(Column {
                            name: name.clone(),
                            path: (name.clone(), None),
                            values: pick(&t.data, 1, 0)?,
                        });
                    } else {
                        for i in 0..per_row {
                            let key = match keys {
                                Some(k) => k.get(i).cloned().unwrap_or_else(|| i.to_string()),
                                None => i.to_string(),
                            };
                            columns.push(Column {
                                name: format!("{name}_{key}"),
                                path: (format!("{name}_{key}"), None),
                                values: pick(&t.data, per_row, i)?,
                            });
                        }
                    }
                }
            }
        }
        Ok(Prediction { rows, columns })
    }
}

/// Appends `x` in plain decimal notation (`0.00001`, `100000000000000000000`,
/// `-0`, `NaN`, `inf`, `-inf`, as `core::fmt` lays numbers out) with the
/// fewest digits that read back as `x`. zmij finds those digits several
/// times faster than `core::fmt` (a batch writes a number per row), and
/// breaks a tie between two equally near candidates to the even digit,
/// where `core::fmt` rounds half up: 312985.125f32 is `312985.12` here, as
/// in the JSON answers (serde_json uses zmij), and `312985.13` to `{}`.
pub fn push_float<F: zmij::Float>(out: &mut String, x: F) {
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format(x);
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if negative {
        out.push('-');
    }
    // zmij writes `d.ddde±xx` or `ddd.ddd`; NaN and inf as `core::fmt` does.
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    if !mantissa.starts_with(|c: char| c.is_ascii_digit()) {
        out.push_str(text);
        return;
    }
    // Plain already (the usual case): only a whole number's `.0` goes.
    if exponent == 0 && !text.contains('e') {
        out.push_str(mantissa.strip_suffix(".0").unwrap_or(mantissa));
        return;
    }
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = [0u8; 48];
    let n = whole.len() + fraction.len();
    if n > digits.len() {
        out.push_str(text); // Not a form zmij writes.
        return;
    }
    digits[..whole.len()].copy_from_slice(whole.as_bytes());
    digits[whole.len()..n].copy_from_slice(fraction.as_bytes());
    // The decimal point sits `point` digits into `digits`.
    let mut point = whole.len() as i32 + exponent;
    let mut d = &digits[..n];
    while let [b'0', rest @ ..] = d {
        d = rest;
        point -= 1;
    }
    while let [rest @ .., b'0'] = d {
        d = rest;
    }
    let zeros = |out: &mut String, k: i32| out.extend(std::iter::repeat_n('0', k.max(0) as usize));
    // ASCII digits, copied from zmij's text.
    let digits_text = |out: &mut String, d: &[u8]| out.push_str(std::str::from_utf8(d).unwrap_or_default());
    let len = d.len() as i32;
    if d.is_empty() {
        out.push('0');
    } else if point <= 0 {
        out.push_str("0.");
        zeros(out, -point);
        digits_text(out, d);
    } else if point >= len {
        digits_text(out, d);
        zeros(out, point - len);
    } else {
        let (a, b) = d.split_at(point as usize);
        digits_text(out, a);
        out.push('.');
        digits_text(out, b);
    }
}

/// Keeps the items whose `keep` ([`Interface::screen`]'s first answer) is
/// true: the rows, records or lines that go along with a screened table.
pub fn retain_kept<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut kept = keep.iter();
    items.retain(|_| kept.next().copied().unwrap_or(false));
}

fn numeric_data(dtype: Dtype, values: Vec<f64>, input: &str) -> Result<Data, Error> {
    Ok(match dtype {
        Dtype::F32 => Data::F32(values.into_iter().map(|x| x as f32).collect()),
        Dtype::F64 => Data::F64(values),
        Dtype::I64 | Dtype::I32 => {
            if values.iter().any(|x| x.fract() != 0.0 || !x.is_finite()) {
                return Err(Error::Input(manifest::Error::Input(format!("input `{input}` takes whole numbers"))));
            }
            if dtype == Dtype::I64 {
                Data::I64(values.into_iter().map(|x| x as i64).collect())
            } else {
                Data::I32(values.into_iter().map(|x| x as i32).collect())
            }
        }
        Dtype::Bool => Data::Bool(values.into_iter().map(|x| x != 0.0).collect()),
        Dtype::Str => Data::Str(values.into_iter().map(|x| x.to_string()).collect()),
    })
}

/// Column `col` of a row-major `[rows, width]` tensor.
fn pick(data: &Data, width: usize, col: usize) -> Result<Values, Error> {
    fn strided<T: Clone>(v: &[T], width: usize, col: usize) -> Vec<T> {
        v.iter().skip(col).step_by(width.max(1)).cloned().collect()
    }
    Ok(match data {
        Data::F32(v) => Values::F32(strided(v, width, col)),
        Data::F64(v) => Values::F64(strided(v, width, col)),
        Data::I64(v) => Values::I64(strided(v, width, col)),
        Data::I32(v) => Values::I64(strided(v, width, col).into_iter().map(i64::from).collect()),
        Data::Bool(v) => Values::I64(strided(v, width, col).into_iter().map(i64::from).collect()),
        Data::Str(v) => Values::Text(strided(v, width, col)),
    })
}

/// The one input tensor of a model with a manifest: `rows` encoded rows.
fn encoded(onnx_input: &str, encoder: &manifest::Encoder, rows: usize, data: Vec<f32>) -> Vec<NamedTensor> {
    vec![NamedTensor { name: onnx_input.to_string(), shape: vec![rows, encoder.width()], data: Data::F32(data) }]
}

#[cfg(test)]
mod tests {
    use super::push_float;

    fn written<F: zmij::Float>(x: F) -> String {
        let mut out = String::new();
        push_float(&mut out, x);
        out
    }

    /// The significant digits of a number written in plain notation.
    fn digits(text: &str) -> usize {
        text.trim_start_matches(['-', '0', '.']).replace('.', "").trim_end_matches('0').len()
    }

    /// `written` is `{}`'s layout of the fewest digits that read back as
    /// the number: equal to `{}`, or (on a tie `{}` rounds up) as short and
    /// as near.
    fn check<F: zmij::Float + std::fmt::Display + std::str::FromStr + PartialEq + Copy + Into<f64>>(x: F, what: &str) {
        let (ours, core) = (written(x), format!("{x}"));
        if ours == core {
            return;
        }
        let back = ours.parse::<F>().ok();
        assert!(back == Some(x) && digits(&ours) == digits(&core) && !ours.contains('e'), "{what}: {ours} vs {core}");
        let exact: f64 = x.into();
        let (a, b) = (ours.parse::<f64>().unwrap(), core.parse::<f64>().unwrap());
        assert_eq!((a - exact).abs(), (b - exact).abs(), "{what}: {ours} is not as near as {core}");
    }

    #[test]
    fn floats_are_written_with_the_fewest_digits_in_plain_notation() {
        let f32s = [0.0, -0.0, 1.0, -2.5, 15.9, 15.798378, 1e20, 1e-7, 1.5e-7, 123456790.0, 0.1, 1e-45];
        for x in
            f32s.into_iter().chain([f32::MAX, f32::MIN, f32::MIN_POSITIVE, f32::NAN, f32::INFINITY, -f32::INFINITY])
        {
            assert_eq!(written(x), format!("{x}"), "{x:e}");
        }
        for x in [0.0, -0.0, 0.1 + 0.2, 1e300, 5e-324, f64::MAX, 1e16, 123.456, f64::NAN, -f64::INFINITY] {
            assert_eq!(written(x), format!("{x}"), "{x:e}");
        }
        // Ties, broken to the even digit.
        assert_eq!(written(f32::from_bits(0x4898_d324)), "312985.12"); // 312985.125
        assert_eq!(written(1e15 + 0.25), "1000000000000000.2");
        // Bit patterns spread over every exponent and sign.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2_000_000 {
            let bits = next();
            let (a, b) = (f32::from_bits(bits as u32), f64::from_bits(bits));
            if a.is_finite() {
                check(a, &format!("{:#x}", bits as u32));
            }
            if b.is_finite() {
                check(b, &format!("{bits:#x}"));
            }
        }
    }
}
