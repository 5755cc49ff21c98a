//! The citizen model manifest and everything that turns a user's rows into a
//! model's input: signature, validation, preprocessing, golden cases.
//!
//! A citizen model is one standard `.onnx` file; this manifest travels inside
//! it as versioned JSON in `metadata_props` under [`METADATA_KEY`]. Every
//! runtime (tract natively and in WebAssembly, ONNX Runtime in the cloud)
//! validates and encodes rows through this crate, so preprocessing exists
//! exactly once.
//!
//! This crate is pure: no I/O, no threads, no ONNX, no async. It must never
//! depend on tract, ort, tokio, axum or object_store, and it builds for every
//! wasm target.

mod csv_rows;
pub mod drift;
mod table;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use csv_rows::{CsvFields, CsvRecord, CsvRows, csv_line};
pub use table::{Cell, JsonColumns, JsonInput, Table, parse_number};

/// Key of the manifest entry in the ONNX model's `metadata_props`.
pub const METADATA_KEY: &str = "citizen.manifest";

/// The manifest format this build reads and writes. A model with a higher
/// version is refused with [`Error::FutureFormat`].
pub const FORMAT_VERSION: u32 = 1;

/// Errors of this crate. Messages are written for the person who sent the
/// rows or the model: they name the row, the field and the reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the model manifest is not valid JSON: {0}")]
    Json(String),
    #[error(
        "the model was written with manifest format version {found}, but this runtime reads up to version {supported}; upgrade citizen to use it"
    )]
    FutureFormat { found: u32, supported: u32 },
    #[error("the model manifest is invalid: {0}")]
    Invalid(String),
    #[error("{0}")]
    Input(String),
    #[error("{}", RowErrors(.0))]
    Rows(Vec<RowError>),
}

/// One problem with one cell of the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// Row number, counting from 1 (the first data row; a CSV header is not counted).
    pub row: usize,
    pub field: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}, field `{}`: {}", self.row, self.field, self.reason)
    }
}

struct RowErrors<'a>(&'a [RowError]);

impl fmt::Display for RowErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 10;
        let errors = self.0;
        match errors.len() {
            0 => write!(f, "invalid input"),
            1 => write!(f, "invalid input: {}", errors[0]),
            n => {
                write!(f, "invalid input ({n} problems):")?;
                for e in errors.iter().take(SHOWN) {
                    write!(f, "\n  {e}")?;
                }
                if n > SHOWN {
                    write!(f, "\n  ... and {} more", n - SHOWN)?;
                }
                Ok(())
            }
        }
    }
}

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Regression,
    Classification,
}

/// The versioned manifest stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format_version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub task: Task,
    pub signature: Signature,
    pub preprocessing: Preprocessing,
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    /// Share of the model's use of each input field (sums to about 1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub feature_importance: BTreeMap<String, f64>,
    #[serde(default)]
    pub training_data: Option<DataFingerprint>,
    #[serde(default)]
    pub golden: Vec<GoldenCase>,
    #[serde(default)]
    pub tolerance: Tolerance,
}

/// The fields a caller gives and the outputs it gets back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub inputs: Vec<Field>,
    pub outputs: Vec<OutputField>,
}

/// One input field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    /// Used when the cell is missing (absent, null, empty or `NA`). Without a
    /// default a missing cell is an error.
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    #[serde(default)]
    pub description: String,
}

/// The type of an input field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    /// A number; `min`/`max` are the range seen in training (a hint, not a limit).
    Numeric {
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    /// One of a fixed list of categories.
    Categorical { categories: Vec<String> },
    /// Yes or no.
    Boolean,
}

/// One named output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputField {
    pub name: String,
    #[serde(flatten)]
    pub kind: OutputKind,
    /// The ONNX graph output this field is read from.
    pub onnx_output: String,
    /// For a numeric output read from a 2-D tensor: which column.
    #[serde(default)]
    pub column: Option<usize>,
}

/// The type of an output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputKind {
    Numeric,
    /// The predicted class; the ONNX output holds the label itself (string or
    /// integer) or its index into `classes`.
    Label {
        classes: Vec<String>,
    },
    /// One probability per class, in `classes` order.
    Probabilities {
        classes: Vec<String>,
    },
}

/// How fields become the model's one float input tensor `[rows, features]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocessing {
    pub onnx_input: String,
    pub features: Vec<Feature>,
}

/// One column of the model's input tensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encode", rename_all = "snake_case")]
pub enum Feature {
    /// `(value - center) / scale`.
    Numeric {
        field: String,
        #[serde(default)]
        center: f64,
        #[serde(default = "one")]
        scale: f64,
    },
    /// The number as it is, and NaN when the cell is missing (even when the
    /// field has a default): for models that route missing values
    /// themselves, as tree ensembles do with `missing_value_tracks_true`.
    NumberOrNan { field: String },
    /// 1 when the field equals `category`, else 0.
    OneHot { field: String, category: String },
    /// The index of the category in the field's list.
    Ordinal { field: String },
    /// 1 for yes, 0 for no.
    Boolean { field: String },
}

fn one() -> f64 {
    1.0
}

impl Feature {
    pub fn field(&self) -> &str {
        match self {
            Feature::Numeric { field, .. }
            | Feature::NumberOrNan { field }
            | Feature::OneHot { field, .. }
            | Feature::Ordinal { field }
            | Feature::Boolean { field } => field,
        }
    }
}

/// What the model was trained on, to recognise the data and detect drift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFingerprint {
    #[serde(default)]
    pub source: String,
    pub rows: u64,
    #[serde(default)]
    pub columns: u64,
    /// Hex SHA-256 of the training file's bytes.
    #[serde(default)]
    pub sha256: String,
    /// Each input field's distribution in the training rows, to tell
    /// drift by ([`drift::table_drift`]); empty in models trained before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<drift::FieldProfile>,
}

/// An input with the output every runtime must reproduce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldenCase {
    pub input: serde_json::Map<String, serde_json::Value>,
    pub output: serde_json::Map<String, serde_json::Value>,
}

/// How close a runtime's number must be to a golden one:
/// `|a - b| <= absolute + relative * |b|`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    pub relative: f64,
    pub absolute: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance { relative: 1e-5, absolute: 1e-5 }
    }
}

impl Tolerance {
    pub fn accepts(&self, got: f64, expected: f64) -> bool {
        if got.is_nan() || expected.is_nan() {
            return got.is_nan() && expected.is_nan();
        }
        (got - expected).abs() <= self.absolute + self.relative * expected.abs()
    }
}

impl Manifest {
    /// Parses and validates a manifest. A newer format version is refused
    /// before anything else is looked at.
    pub fn from_json(text: &str) -> Result<Manifest, Error> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))?;
        let version = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| Error::Invalid("`format_version` is missing or not a number".into()))?;
        if version > FORMAT_VERSION as u64 {
            return Err(Error::FutureFormat { found: version.min(u32::MAX as u64) as u32, supported: FORMAT_VERSION });
        }
        let manifest: Manifest = serde_json::from_value(value).map_err(|e| Error::Invalid(e.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serializes")
    }

    /// Checks the manifest is consistent with itself.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::Invalid(m));
        if self.format_version == 0 {
            return bad("`format_version` must be at least 1".into());
        }
        if self.signature.inputs.is_empty() {
            return bad("the signature has no input fields".into());
        }
        if self.signature.outputs.is_empty() {
            return bad("the signature has no outputs".into());
        }
        let mut seen = std::collections::HashSet::new();
        for field in &self.signature.inputs {
            if field.name.is_empty() {
                return bad("an input field has an empty name".into());
            }
            if !seen.insert(field.name.as_str()) {
                return bad(format!("input field `{}` appears twice", field.name));
            }
            if let FieldKind::Categorical { categories } = &field.kind
                && categories.is_empty()
            {
                return bad(format!("categorical field `{}` has no categories", field.name));
            }
            if let Some(default) = &field.default
                && !default.is_null()
                && let Err(reason) = encode_cell(field, &Cell::from_json(default))
            {
                return bad(format!("the default of field `{}` is invalid: {reason}", field.name));
            }
        }
        let mut outputs = std::collections::HashSet::new();
        for output in &self.signature.outputs {
            if !outputs.insert(output.name.as_str()) {
                return bad(format!("output `{}` appears twice", output.name));
            }
            if let OutputKind::Label { classes } | OutputKind::Probabilities { classes } = &output.kind
                && classes.is_empty()
            {
                return bad(format!("output `{}` has no classes", output.name));
            }
        }
        if self.preprocessing.features.is_empty() {
            return bad("preprocessing lists no features".into());
        }
        for feature in &self.preprocessing.features {
            let Some(field) = self.field(feature.field()) else {
                return bad(format!(
                    "preprocessing uses field `{}`, which the signature does not have",
                    feature.field()
                ));
            };
            let ok = matches!(
                (feature, &field.kind),
                (Feature::Numeric { .. } | Feature::NumberOrNan { .. }, FieldKind::Numeric { .. })
                    | (Feature::OneHot { .. }, FieldKind::Categorical { .. })
                    | (Feature::Ordinal { .. }, FieldKind::Categorical { .. })
                    | (Feature::Boolean { .. }, FieldKind::Boolean)
            );
            if !ok {
                return bad(format!("preprocessing encodes field `{}` in a way its type does not allow", field.name));
            }
            if let Feature::Numeric { scale, center, .. } = feature
                && (!scale.is_finite() || *scale == 0.0 || !center.is_finite())
            {
                return bad(format!("field `{}` has an invalid center or scale", field.name));
            }
        }
        Ok(())
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.signature.inputs.iter().find(|f| f.name == name)
    }

    /// Validates every row of `table` and encodes it into the model's input
    /// matrix (row-major `[rows, features]`). All problems are reported
    /// together, each naming its row and field; columns the signature does
    /// not use are ignored.
    pub fn encode(&self, table: &Table) -> Result<Vec<f32>, Error> {
        self.encoder().encode(table)
    }

    /// Checks a file's columns before its rows are read: every field
    /// without a default must have a column, and at least one field must
    /// (a file of none of them would be predicted from defaults alone).
    pub fn check_columns(&self, columns: &[String]) -> Result<(), Error> {
        let quoted = |c: &str| format!("`{c}`");
        let fields = &self.signature.inputs;
        let missing: Vec<String> = fields
            .iter()
            .filter(|f| f.default.as_ref().is_none_or(|d| d.is_null()) && !columns.contains(&f.name))
            .map(|f| f.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(Error::Input(format!(
                "the file has no column {}, which the model needs (no default); its columns are {}",
                listing(&missing, 10, quoted),
                listing(columns, 10, quoted)
            )));
        }
        // An empty JSON Lines file has no columns, and no rows either.
        if !fields.is_empty() && !columns.is_empty() && !fields.iter().any(|f| columns.contains(&f.name)) {
            return Err(no_field(fields, columns, ["the file has", "its columns are"]));
        }
        Ok(())
    }

    /// The plan [`Manifest::encode`] follows, worked out once: keep it
    /// beside the manifest to encode many tables (a server's requests, a
    /// batch's chunks) without looking fields and categories up each time.
    pub fn encoder(&self) -> Encoder {
        let fields = self.signature.inputs.clone();
        // Each feature's field and what it takes from it.
        let features: Vec<(usize, Take)> = self
            .preprocessing
            .features
            .iter()
            .map(|feat| {
                let ix = fields.iter().position(|f| f.name == feat.field()).unwrap_or(0);
                let take = match feat {
                    Feature::Numeric { center, scale, .. } => Take::Numeric(*center, *scale),
                    Feature::NumberOrNan { .. } => Take::NumberOrNan,
                    Feature::OneHot { category, .. } => Take::OneHot(match fields.get(ix).map(|f| &f.kind) {
                        Some(FieldKind::Categorical { categories }) => categories.iter().position(|c| c == category),
                        _ => None,
                    }),
                    Feature::Ordinal { .. } => Take::Ordinal,
                    Feature::Boolean { .. } => Take::Boolean,
                };
                (ix, take)
            })
            .collect();
        // Fields read only as numbers-or-NaN: a missing cell is NaN.
        let nan_when_missing: Vec<bool> = (0..fields.len())
            .map(|i| {
                let mut takes = features.iter().filter(|(ix, _)| *ix == i).map(|(_, t)| t);
                let first = takes.next();
                first == Some(&Take::NumberOrNan) && takes.all(|t| *t == Take::NumberOrNan)
            })
            .collect();
        // Categorical fields with a category that reads as missing in CSV.
        let missing_listed = fields
            .iter()
            .map(|f| match &f.kind {
                FieldKind::Categorical { categories } => categories.iter().any(|c| table::csv_missing(c)),
                _ => false,
            })
            .collect();
        Encoder { fields, layout: Layout::new(&features), nan_when_missing, missing_listed }
    }
}

/// Where each feature goes in an encoded row and what it takes, sorted by
/// how it is made, so each kind is made by a loop of its own (no branch per
/// feature). `Manifest::validate` pairs each feature with a field of the
/// right kind, so a field's value is what its features expect.
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    width: usize,
    /// (slot, field, center, scale): `(x - center) / scale`.
    scaled: Vec<(usize, usize, f64, f64)>,
    /// (slot, field): the value as it is (a number or NaN, a category's
    /// index, 1 or 0 for yes or no).
    copied: Vec<(usize, usize)>,
    /// (slot, field, category index): 1 when the value is that category,
    /// else 0 (a category not in the field's list is NaN: never).
    one_hot: Vec<(usize, usize, f64)>,
}

impl Layout {
    fn new(features: &[(usize, Take)]) -> Layout {
        let mut layout = Layout { width: features.len(), scaled: vec![], copied: vec![], one_hot: vec![] };
        for (slot, (ix, take)) in features.iter().enumerate() {
            match *take {
                Take::Numeric(center, scale) => layout.scaled.push((slot, *ix, center, scale)),
                Take::NumberOrNan | Take::Ordinal | Take::Boolean => layout.copied.push((slot, *ix)),
                Take::OneHot(c) => layout.one_hot.push((slot, *ix, c.map_or(f64::NAN, |c| c as f64))),
            }
        }
        layout
    }

    /// Fills a row's features from its fields' values.
    fn fill(&self, row: &mut [f32], values: &[Encoded]) {
        for &(slot, ix, center, scale) in &self.scaled {
            row[slot] = ((values[ix].0 - center) / scale) as f32;
        }
        for &(slot, ix) in &self.copied {
            row[slot] = values[ix].0 as f32;
        }
        for &(slot, ix, category) in &self.one_hot {
            row[slot] = f32::from(u8::from(values[ix].0 == category));
        }
    }
}

/// A manifest's encoding plan, from [`Manifest::encoder`].
#[derive(Debug, Clone, PartialEq)]
pub struct Encoder {
    fields: Vec<Field>,
    layout: Layout,
    nan_when_missing: Vec<bool>,
    /// Categorical fields that list a category that reads as missing in
    /// CSV (`NA`): such a CSV cell is missing all the same.
    missing_listed: Vec<bool>,
}

impl Encoder {
    /// Features per row.
    pub fn width(&self) -> usize {
        self.layout.width
    }

    /// [`Manifest::encode`], by this plan.
    pub fn encode(&self, table: &Table) -> Result<Vec<f32>, Error> {
        let at = self.columns(table.columns(), table.len())?;
        self.encode_rows(table.len(), |r, i| {
            let cell = at[i].map(|c| &table.row(r)[c]).unwrap_or(&Cell::Missing);
            self.value(i, cell)
        })
    }

    /// [`Encoder::encode`] of the table [`Table::push_csv_record`] would
    /// build from these records (read by [`CsvRows`] under `columns`): the
    /// same numbers and the same errors, read from the records' text without
    /// making a cell of every field. A field that is plainly a finite number,
    /// a listed category or a yes/no is encoded as it stands; anything else
    /// (missing, a default, an error) goes through the cell.
    pub fn encode_csv(&self, columns: &[String], records: &[CsvFields]) -> Result<Vec<f32>, Error> {
        let at = self.columns(columns, records.len())?;
        self.encode_rows(records.len(), |r, i| match at[i].and_then(|c| records[r].get(c)) {
            Some(text) => match plain(&self.fields[i], text, self.missing_listed[i]) {
                Some(v) => Ok(v),
                None => self.value(i, &Cell::from_csv(text)),
            },
            None => self.value(i, &Cell::Missing),
        })
    }

    /// Each field's column among `columns`; rows of none of the fields are
    /// an error (they would be predicted from defaults alone).
    fn columns(&self, columns: &[String], rows: usize) -> Result<Vec<Option<usize>>, Error> {
        let at: Vec<Option<usize>> = self.fields.iter().map(|f| columns.iter().position(|c| *c == f.name)).collect();
        if rows > 0 && !at.is_empty() && at.iter().all(Option::is_none) {
            return Err(no_field(&self.fields, columns, ["the rows have", "their columns are"]));
        }
        Ok(at)
    }

    /// Field `i`'s value in a cell.
    fn value(&self, i: usize, cell: &Cell) -> Result<Encoded, String> {
        if self.nan_when_missing[i] && cell.is_missing() {
            Ok(Encoded::MISSING)
        } else {
            resolve(&self.fields[i], cell)
        }
    }

    /// Encodes `rows` rows, `value(r, i)` giving row `r`'s field `i`; all
    /// the errors together (at most 1,000), each naming its row and field.
    fn encode_rows(
        &self,
        rows: usize,
        mut value: impl FnMut(usize, usize) -> Result<Encoded, String>,
    ) -> Result<Vec<f32>, Error> {
        let fields = &self.fields;
        let width = self.layout.width;
        let mut out = vec![0f32; rows * width];
        let mut errors = Vec::new();
        // A refused cell's value does not matter: the rows are not encoded.
        let mut values = vec![Encoded::MISSING; fields.len()];
        for r in 0..rows {
            for (i, field) in fields.iter().enumerate() {
                match value(r, i) {
                    Ok(v) => values[i] = v,
                    Err(reason) if errors.len() < 1000 => {
                        errors.push(RowError { row: r + 1, field: field.name.clone(), reason })
                    }
                    Err(_) => {}
                }
            }
            self.layout.fill(&mut out[r * width..(r + 1) * width], &values);
        }
        if errors.is_empty() { Ok(out) } else { Err(Error::Rows(errors)) }
    }
}

/// A CSV field's text when it is plainly a value of the field (a finite
/// number, a listed category, a yes/no): what `resolve(field,
/// &Cell::from_csv(text))` gives, without making the cell. `None` for
/// anything else, which the cell then decides. `missing_listed`: the
/// field lists a category that reads as missing (`NA`), which a CSV cell
/// is not (it is missing).
fn plain(field: &Field, text: &str, missing_listed: bool) -> Option<Encoded> {
    match &field.kind {
        // Missing-value words are never finite numbers nor yes/no words.
        FieldKind::Numeric { .. } => table::parse_number(text).filter(|x| x.is_finite()).map(Encoded),
        FieldKind::Boolean => parse_bool(text).map(Encoded::bool),
        FieldKind::Categorical { categories } => {
            let ix = categories.iter().position(|c| c == text)?;
            (!missing_listed || !table::csv_missing(text)).then_some(Encoded::category(ix))
        }
    }
}

/// What a feature takes from its field's validated value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Take {
    Numeric(f64, f64),
    NumberOrNan,
    /// The index of the feature's category in the field's list.
    OneHot(Option<usize>),
    Ordinal,
    Boolean,
}

/// A validated cell as one number: the number itself, a category's index
/// in the field's list, 1 or 0 for yes or no, NaN for a missing cell of a
/// field read as number-or-NaN. (A plain `f64`: values pass through the
/// encoder's loop without an enum's tag and padding.)
#[derive(Debug, Clone, Copy, PartialEq)]
struct Encoded(f64);

impl Encoded {
    const MISSING: Encoded = Encoded(f64::NAN);

    fn category(ix: usize) -> Encoded {
        Encoded(ix as f64)
    }

    fn bool(b: bool) -> Encoded {
        Encoded(f64::from(u8::from(b)))
    }
}

fn resolve(field: &Field, cell: &Cell) -> Result<Encoded, String> {
    if cell.is_missing() {
        return match &field.default {
            Some(d) if !d.is_null() => encode_cell(field, &Cell::from_json(d)),
            _ => Err("missing value, and the field has no default".into()),
        };
    }
    encode_cell(field, cell)
}

fn encode_cell(field: &Field, cell: &Cell) -> Result<Encoded, String> {
    match (&field.kind, cell) {
        (FieldKind::Numeric { .. }, Cell::Number(x)) => number(*x),
        (FieldKind::Numeric { .. }, Cell::Text(s)) => match table::parse_number(s) {
            Some(x) => number(x),
            None => Err(format!("expected a number, found {:?}", s)),
        },
        (FieldKind::Numeric { .. }, Cell::Bool(b)) => Err(format!("expected a number, found the boolean {b}")),
        (FieldKind::Categorical { categories }, cell) => {
            let text: std::borrow::Cow<str> = match cell {
                Cell::Text(s) => s.as_str().into(),
                Cell::Number(x) => Cell::Number(*x).to_string().into(),
                Cell::Bool(b) => b.to_string().into(),
                Cell::Missing => "".into(),
            };
            match categories.iter().position(|c| *c == text) {
                Some(ix) => Ok(Encoded::category(ix)),
                None => Err(format!("unknown category {:?}; expected one of {}", text, list(categories))),
            }
        }
        (FieldKind::Boolean, cell) => match (cell.yes_no(), cell) {
            (Some(b), _) => Ok(Encoded::bool(b)),
            (None, Cell::Text(s)) => Err(format!("expected yes/no (or true/false, 1/0), found {:?}", s)),
            (None, other) => Err(format!("expected yes/no, found {other}")),
        },
        (_, Cell::Missing) => Err("missing value".into()),
    }
}

fn number(x: f64) -> Result<Encoded, String> {
    if x.is_finite() { Ok(Encoded(x)) } else { Err(format!("{x} is not allowed: the value must be a finite number")) }
}

/// Reads yes/no the ways spreadsheets write it.
pub fn parse_bool(s: &str) -> Option<bool> {
    let s = table::trim(s);
    let is = |words: [&str; 5]| words.iter().any(|w| s.eq_ignore_ascii_case(w));
    if is(["yes", "y", "true", "t", "1"]) {
        Some(true)
    } else if is(["no", "n", "false", "f", "0"]) {
        Some(false)
    } else {
        None
    }
}

fn list(items: &[String]) -> String {
    listing(items, 12, |c| format!("{c:?}"))
}

/// The error for rows or a file with none of the model's `fields` among
/// their `columns`: `says` is whose columns they are ("the file has").
fn no_field(fields: &[Field], columns: &[String], says: [&str; 2]) -> Error {
    let quoted = |c: &str| format!("`{c}`");
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    Error::Input(format!(
        "{} none of the model's fields: {} {}; the model takes {}",
        says[0],
        says[1],
        listing(columns, 10, quoted),
        listing(&names, 10, quoted)
    ))
}

/// The first `shown` items, each written by `show`, then `... (n in all)`
/// when there are more: how error messages list categories and columns.
pub fn listing(items: &[String], shown: usize, show: impl Fn(&str) -> String) -> String {
    let mut s: Vec<String> = items.iter().take(shown).map(|c| show(c)).collect();
    if items.len() > shown {
        s.push(format!("... ({} in all)", items.len()));
    }
    s.join(", ")
}

#[cfg(test)]
mod tests;
