//! Schema inference: what each column of the training table is, which
//! columns the model learns from, and what it predicts.
//!
//! [`infer`] looks at every column once and applies these rules, in this
//! order (counts are over the whole table; "values" means non-missing cells):
//!
//! **Type** ([`Kind`]):
//! - *numeric*: every value reads as a number (JSON numbers, or text such as
//!   `"12.5"`). An infinite value or NaN (`inf`, `Infinity`, `NaN`) in a
//!   column that is used is an error naming the column and row. Columns of
//!   only 0 and 1 stay numeric.
//! - *boolean*: otherwise, every value reads as yes/no ([`manifest::parse_bool`]:
//!   yes/no, y/n, true/false, t/f, 1/0, or JSON booleans).
//! - *categorical*: otherwise, text with at most
//!   `min(50, max(10, values / 4))` distinct values (so each category has,
//!   on average, at least 4 rows). Categories are the distinct values as
//!   the data wrote them, sorted with numbers first by value, then words
//!   alphabetically. A column mixing numbers and words (cars93's
//!   `Cylinders`: `4`, `6`, `rotary`) is categorical, with a note.
//! - *text*: any other text, and a column with no values at all.
//!
//! **Role** ([`Role`]), the first rule that applies:
//! 1. the target column;
//! 2. listed in [`SchemaOptions::exclude`]: excluded by you (an unknown name
//!    there is an error);
//! 3. no values at all: excluded, all missing;
//! 4. no name (the unnamed row index R and pandas write): excluded, index;
//! 5. one distinct value: excluded, constant;
//! 6. identifiers: text unique per row, or whole numbers unique per row that
//!    count the rows (0..n-1 or 1..n) or sit in a column named `id`, `*_id`
//!    or `index`: excluded, unique per row. Text with more distinct values
//!    than half its rows: excluded, almost unique per row;
//! 7. text with too many distinct values to be categories (cars93's
//!    `Manufacturer`: 32 in 93 rows, under 3 rows per maker): excluded, high
//!    cardinality. Such a column could only be learnt by memorising rows;
//! 8. anything else is a feature.
//!
//! **Target**: rows whose target is missing are left out (listed in
//! [`Schema::dropped_rows`], with a warning); at least 2 rows must remain and
//! the target must have at least two values. Unless [`SchemaOptions::task`]
//! says otherwise, a text or yes/no target means classification; a numeric
//! one means classification when it holds whole numbers with exactly 2
//! distinct values, or at most 10 that are each repeated (distinct values at
//! most 5% of the rows); regression otherwise. Regression needs a numeric
//! target; a mostly numeric target with a stray word is read as classes,
//! with a warning naming the row.
//!
//! **Leakage** (a warning; the column is kept): a numeric feature whose
//! Pearson correlation with a regression target is at least 0.97 in
//! absolute value, or, for classification, a feature whose value gives the
//! class in at least 99% of the rows. The latter is only checked for
//! features with 2 or more values and at least 5 rows per value on average
//! (a continuous feature would otherwise trivially "determine" each row).
//!
//! Numeric features with missing values get the median as their default,
//! so a missing cell counts as the median (noted in the report).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use manifest::{Cell, Field, FieldKind, Table, Task, parse_bool};
use serde::Serialize;

use crate::data::TrainError;

/// A feature this correlated with a regression target is warned about.
pub const LEAK_CORRELATION: f64 = 0.97;
/// A feature that gives the class in this share of rows is warned about.
pub const LEAK_PURITY: f64 = 0.99;
/// The most categories a text column may have to be used as a feature.
pub const MAX_CATEGORIES: usize = 50;
/// A column with fewer distinct values than this is never "too many".
const MIN_CATEGORY_LIMIT: usize = 10;

/// How a text column with `values` values may have at most this many
/// distinct ones to be categorical.
fn category_limit(values: usize) -> usize {
    MAX_CATEGORIES.min(MIN_CATEGORY_LIMIT.max(values / 4))
}

/// What the user decided before inference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaOptions {
    /// The task; inferred from the target when `None`.
    pub task: Option<Task>,
    /// Columns not to learn from.
    pub exclude: Vec<String>,
    /// Numeric columns to read as categories (codes, postcodes).
    pub categorical: Vec<String>,
}

/// The type of a column's values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// Numbers; `integer` when every value is a whole number.
    Numeric {
        min: f64,
        max: f64,
        median: f64,
        integer: bool,
    },
    /// A few distinct values; `counts[i]` rows hold `categories[i]`.
    Categorical {
        categories: Vec<String>,
        counts: Vec<usize>,
    },
    Boolean,
    /// Free text (too many distinct values for categories), or no values.
    Text,
}

/// What the model does with a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Feature,
    Target,
    /// Not used, with the reason.
    Excluded(String),
}

/// One column as inferred.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnInfo {
    pub name: String,
    pub kind: Kind,
    /// Missing cells.
    pub missing: usize,
    /// Rows of the table.
    pub rows: usize,
    /// Distinct values (yes/no columns: distinct truth values).
    pub distinct: usize,
    pub role: Role,
    /// A remark for the user (why excluded, how it is read...).
    pub note: Option<String>,
}

/// The inferred schema of a training table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    /// Every column of the table, in the table's order.
    pub columns: Vec<ColumnInfo>,
    pub target: String,
    pub task: Task,
    /// Why this task, e.g. "`Price` is a number with 81 distinct values: regression".
    pub task_reason: String,
    /// Rows used for training: those with a target value.
    pub rows: usize,
    /// Rows left out because their target is missing (0-based table indices).
    pub dropped_rows: Vec<usize>,
    pub warnings: Vec<String>,
}

impl Schema {
    /// The feature columns, in table order.
    pub fn features(&self) -> impl Iterator<Item = &ColumnInfo> {
        self.columns.iter().filter(|c| c.role == Role::Feature)
    }

    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The model's input fields: the features, in table order. Numeric
    /// fields carry the observed range and the median as default;
    /// categorical and yes/no fields have no default.
    pub fn fields(&self) -> Vec<Field> {
        self.features()
            .filter_map(|c| {
                let (kind, default) = match &c.kind {
                    Kind::Numeric { min, max, median, .. } => (
                        FieldKind::Numeric { min: Some(*min), max: Some(*max) },
                        serde_json::Number::from_f64(*median).map(serde_json::Value::Number),
                    ),
                    Kind::Categorical { categories, .. } => {
                        (FieldKind::Categorical { categories: categories.clone() }, None)
                    }
                    Kind::Boolean => (FieldKind::Boolean, None),
                    Kind::Text => return None,
                };
                Some(Field { name: c.name.clone(), kind, default, description: String::new() })
            })
            .collect()
    }

    /// The table shown before training: one line per column (name, type,
    /// missing share, distinct values, use), then warnings, the task and
    /// the rows used.
    pub fn report(&self) -> String {
        let header = ["column", "type", "missing", "distinct", "use"];
        let mut lines: Vec<[String; 5]> = vec![header.map(String::from)];
        for c in &self.columns {
            let name = if c.name.is_empty() { "(no name)".to_string() } else { c.name.clone() };
            let kind = match &c.kind {
                Kind::Numeric { integer: true, .. } => "whole number",
                Kind::Numeric { .. } => "number",
                Kind::Categorical { .. } => "category",
                Kind::Boolean => "yes/no",
                Kind::Text if c.missing == c.rows => "empty",
                Kind::Text => "text",
            };
            let mut role = match &c.role {
                Role::Feature => "feature".to_string(),
                Role::Target => "target".to_string(),
                Role::Excluded(reason) => format!("excluded ({reason})"),
            };
            if let Some(note) = &c.note {
                let _ = write!(role, " - {note}");
            }
            lines.push([name, kind.into(), percent(c.missing, c.rows), c.distinct.to_string(), role]);
        }
        let width = |i: usize| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0);
        let widths = [width(0), width(1), width(2), width(3)];
        let mut out = String::new();
        for l in &lines {
            let line = format!(
                "{:w0$}  {:w1$}  {:>w2$}  {:>w3$}  {}",
                l[0],
                l[1],
                l[2],
                l[3],
                l[4],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3]
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if !self.warnings.is_empty() {
            out.push_str("\nWarnings:\n");
            for w in &self.warnings {
                let _ = writeln!(out, "  - {w}");
            }
        }
        let _ = writeln!(out, "\nTask: {}", self.task_reason);
        let features = self.features().count();
        let _ = write!(out, "Training on {} rows with {features} feature{}", self.rows, plural(features));
        if !self.dropped_rows.is_empty() {
            let _ = write!(out, " ({} left out: no `{}`)", self.dropped_rows.len(), self.target);
        }
        out.push_str(".\n");
        out
    }
}

fn percent(part: usize, whole: usize) -> String {
    if part == 0 || whole == 0 {
        return "0%".into();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if p < 0.1 { "<0.1%".into() } else { format!("{p:.1}%") }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A cell as the data wrote it: the category it would be.
fn key(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Missing => None,
        Cell::Text(s) => Some(s.clone()),
        Cell::Number(_) => Some(cell.to_string()),
        Cell::Bool(b) => Some(b.to_string()),
    }
}

fn number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Number(x) => Some(*x),
        Cell::Text(s) => s.trim().parse().ok(),
        Cell::Bool(_) | Cell::Missing => None,
    }
}

fn boolean(cell: &Cell) -> Option<bool> {
    match cell {
        Cell::Bool(b) => Some(*b),
        Cell::Text(s) => parse_bool(s),
        Cell::Number(x) if *x == 0.0 || *x == 1.0 => Some(*x == 1.0),
        Cell::Number(_) | Cell::Missing => None,
    }
}

/// Numbers first by value, then words alphabetically.
fn natural(a: &str, b: &str) -> Ordering {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Empty,
    Numeric,
    Boolean,
    Words,
}

/// What one pass over a column finds.
struct Profile {
    rows: usize,
    missing: usize,
    keys: BTreeMap<String, usize>,
    numbers: Vec<f64>,
    /// The first value that is not a number: (row index, value).
    first_word: Option<(usize, String)>,
    /// Distinct values that are not numbers, in order of appearance (a few).
    words: Vec<String>,
    truths: [bool; 2],
    non_bool: usize,
    /// The first infinite or NaN number: (row index, value).
    non_finite: Option<(usize, String)>,
    /// Of `numbers`.
    stats: Stats,
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    min: f64,
    max: f64,
    median: f64,
    integer: bool,
    distinct: usize,
}

impl Profile {
    fn of(table: &Table, column: usize) -> Profile {
        let mut p = Profile {
            rows: table.len(),
            missing: 0,
            keys: BTreeMap::new(),
            numbers: Vec::new(),
            first_word: None,
            words: Vec::new(),
            truths: [false; 2],
            non_bool: 0,
            non_finite: None,
            stats: Stats { min: f64::NAN, max: f64::NAN, median: f64::NAN, integer: false, distinct: 0 },
        };
        for (i, row) in table.rows().enumerate() {
            let cell = &row[column];
            let Some(k) = key(cell) else {
                p.missing += 1;
                continue;
            };
            match number(cell) {
                Some(x) => {
                    if !x.is_finite() && p.non_finite.is_none() {
                        p.non_finite = Some((i, k.clone()));
                    }
                    p.numbers.push(x);
                }
                None => {
                    if p.first_word.is_none() {
                        p.first_word = Some((i, k.clone()));
                    }
                    if p.words.len() < 4 && !p.words.contains(&k) {
                        p.words.push(k.clone());
                    }
                }
            }
            match boolean(cell) {
                Some(b) => p.truths[usize::from(b)] = true,
                None => p.non_bool += 1,
            }
            *p.keys.entry(k).or_default() += 1;
        }
        p.stats = stats(&mut p.numbers);
        p
    }

    fn values(&self) -> usize {
        self.rows - self.missing
    }

    fn shape(&self) -> Shape {
        if self.values() == 0 {
            Shape::Empty
        } else if self.numbers.len() == self.values() {
            Shape::Numeric
        } else if self.non_bool == 0 {
            Shape::Boolean
        } else {
            Shape::Words
        }
    }

    /// Some values are numbers and some are words.
    fn mixed(&self) -> bool {
        self.shape() == Shape::Words && !self.numbers.is_empty()
    }

    fn distinct(&self) -> usize {
        match self.shape() {
            Shape::Numeric => self.stats.distinct,
            Shape::Boolean => self.truths.iter().filter(|t| **t).count(),
            Shape::Words | Shape::Empty => self.keys.len(),
        }
    }

    fn categorical(&self) -> Kind {
        let mut pairs: Vec<(&String, &usize)> = self.keys.iter().collect();
        pairs.sort_by(|a, b| natural(a.0, b.0));
        Kind::Categorical {
            categories: pairs.iter().map(|p| p.0.clone()).collect(),
            counts: pairs.iter().map(|p| *p.1).collect(),
        }
    }

    fn numeric(&self) -> Kind {
        let s = self.stats;
        Kind::Numeric { min: s.min, max: s.max, median: s.median, integer: s.integer }
    }

    fn words_shown(&self) -> String {
        let mut s: Vec<String> = self.words.iter().take(3).map(|w| format!("{w:?}")).collect();
        if self.words.len() > 3 {
            s.push("...".into());
        }
        s.join(", ")
    }
}

/// Range, median and distinct count of numbers (sorts them).
fn stats(v: &mut [f64]) -> Stats {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    };
    let integer = v.iter().all(|x| x.fract() == 0.0);
    let (min, max) = (v.first().copied().unwrap_or(f64::NAN), v.last().copied().unwrap_or(f64::NAN));
    let mut distinct = usize::from(n > 0);
    for w in v.windows(2) {
        distinct += usize::from(w[0] != w[1]);
    }
    Stats { min, max, median, integer, distinct }
}

fn looks_like_id(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "id" || n == "index" || [" id", "_id", ".id", "-id"].iter().any(|s| n.ends_with(s))
}

/// Infers the schema of `table` for predicting `target`; see the module
/// documentation for the rules.
pub fn infer(table: &Table, target: &str, opts: &SchemaOptions) -> Result<Schema, TrainError> {
    let columns = table.columns();
    let mut seen = HashSet::new();
    if let Some(c) = columns.iter().find(|c| !seen.insert(c.as_str())) {
        return Err(TrainError::DuplicateColumn { column: c.clone() });
    }
    let Some(t) = table.column(target) else {
        return Err(TrainError::UnknownTarget { target: target.into(), columns: columns.to_vec() });
    };
    for name in &opts.exclude {
        if name == target {
            return Err(TrainError::ExcludedTarget { target: target.into() });
        }
        if table.column(name).is_none() {
            return Err(TrainError::UnknownExclude { name: name.clone(), columns: columns.to_vec() });
        }
    }
    for name in &opts.categorical {
        if table.column(name).is_none() {
            return Err(TrainError::UnknownCategorical { name: name.clone(), columns: columns.to_vec() });
        }
    }

    let total = table.len();
    let (kept, dropped_rows): (Vec<usize>, Vec<usize>) = (0..total).partition(|&i| !table.row(i)[t].is_missing());
    if kept.is_empty() && total > 0 {
        return Err(TrainError::TargetAllMissing { target: target.into() });
    }
    if kept.len() < 2 {
        return Err(TrainError::TooFewRows { target: target.into(), rows: kept.len(), total });
    }

    let mut warnings = Vec::new();
    let (target_info, task, task_reason) = target_column(table, t, &kept, opts.task, &mut warnings)?;
    if !dropped_rows.is_empty() {
        const SHOWN: usize = 10;
        let mut rows: Vec<String> = dropped_rows.iter().take(SHOWN).map(|i| (i + 1).to_string()).collect();
        if dropped_rows.len() > SHOWN {
            rows.push("...".into());
        }
        let n = dropped_rows.len();
        warnings.insert(
            0,
            format!(
                "{n} row{} with no value for `{target}` {} left out (row{} {})",
                plural(n),
                if n == 1 { "is" } else { "are" },
                plural(n),
                rows.join(", ")
            ),
        );
    }

    let mut infos = Vec::with_capacity(columns.len());
    for (j, name) in columns.iter().enumerate() {
        if j == t {
            infos.push(target_info.clone());
        } else {
            infos.push(feature_column(table, j, opts.exclude.contains(name), opts.categorical.contains(name))?);
        }
    }
    if !infos.iter().any(|c| c.role == Role::Feature) {
        return Err(TrainError::NoFeatures { target: target.into() });
    }
    let mut schema =
        Schema { columns: infos, target: target.into(), task, task_reason, rows: kept.len(), dropped_rows, warnings };
    let leaks = leakage(table, &schema, t, &kept);
    schema.warnings.extend(leaks);
    Ok(schema)
}

fn target_column(
    table: &Table,
    t: usize,
    kept: &[usize],
    task: Option<Task>,
    warnings: &mut Vec<String>,
) -> Result<(ColumnInfo, Task, String), TrainError> {
    let name = &table.columns()[t];
    let p = Profile::of(table, t);
    let shape = p.shape();
    let distinct = p.distinct();
    let stats = p.stats;
    if let (Shape::Numeric, Some((row, value))) = (shape, &p.non_finite) {
        return Err(TrainError::NotFinite { column: name.clone(), row: row + 1, value: value.clone() });
    }
    if task == Some(Task::Regression)
        && shape != Shape::Numeric
        && let Some((row, value)) = &p.first_word
    {
        return Err(TrainError::TargetNotNumeric { target: name.clone(), row: row + 1, value: value.clone() });
    }
    if distinct == 1 {
        let value = format!("{:?}", p.keys.keys().next().map(String::as_str).unwrap_or_default());
        return Err(match task {
            Some(Task::Classification) => TrainError::OneClass { target: name.clone(), class: value },
            _ => TrainError::ConstantTarget { target: name.clone(), value },
        });
    }
    let (task, reason) = match task {
        Some(Task::Regression) => (Task::Regression, "you chose regression".to_string()),
        Some(Task::Classification) => (Task::Classification, "you chose classification".to_string()),
        None => match shape {
            Shape::Boolean => (Task::Classification, format!("`{name}` is yes/no: classification")),
            Shape::Numeric if stats.integer && (distinct == 2 || (distinct <= 10 && distinct * 20 <= kept.len())) => (
                Task::Classification,
                format!("`{name}` is a whole number with only {distinct} distinct values: classification"),
            ),
            Shape::Numeric => {
                (Task::Regression, format!("`{name}` is a number with {distinct} distinct values: regression"))
            }
            Shape::Words | Shape::Empty => {
                (Task::Classification, format!("`{name}` is text with {distinct} distinct values: classification"))
            }
        },
    };
    let (kind, note) = match (task, shape) {
        (Task::Regression, _) => (p.numeric(), None),
        (Task::Classification, Shape::Boolean) => (Kind::Boolean, Some("2 classes".to_string())),
        (Task::Classification, _) => (p.categorical(), Some(format!("{} classes", p.keys.len()))),
    };
    if task == Task::Classification
        && p.mixed()
        && p.numbers.len() * 2 > p.values()
        && let Some((row, value)) = &p.first_word
    {
        warnings.push(format!(
            "`{name}` is mostly numbers, but row {} has {value:?}: it is read as classes; correct it to predict a number",
            row + 1
        ));
    }
    if task == Task::Classification
        && shape == Shape::Words
        && !p.mixed()
        && p.values() >= 5
        && distinct * 2 > p.values()
    {
        warnings.push(format!(
            "`{name}` has {distinct} distinct values in {} rows: nearly every row is a class of its own, so there is little to learn; it looks like an identifier, not something to predict",
            p.values()
        ));
    }
    if task == Task::Classification && shape == Shape::Numeric && distinct > 20 {
        warnings.push(format!(
            "`{name}` has {distinct} distinct numbers, each predicted as a class; if it is an amount, use regression"
        ));
    }
    let info =
        ColumnInfo { name: name.clone(), kind, missing: p.missing, rows: p.rows, distinct, role: Role::Target, note };
    Ok((info, task, reason))
}

fn feature_column(
    table: &Table,
    j: usize,
    excluded_by_user: bool,
    as_category: bool,
) -> Result<ColumnInfo, TrainError> {
    let name = &table.columns()[j];
    let p = Profile::of(table, j);
    // A numeric column read as categories is treated as words.
    let shape = match p.shape() {
        Shape::Numeric if as_category => Shape::Words,
        s => s,
    };
    let distinct = p.distinct();
    let values = p.values();
    let limit = category_limit(values);
    let kind = match shape {
        Shape::Empty => Kind::Text,
        Shape::Numeric => p.numeric(),
        Shape::Boolean => Kind::Boolean,
        Shape::Words if distinct <= limit => p.categorical(),
        Shape::Words => Kind::Text,
    };
    let mut notes = Vec::new();
    let excluded = |reason: &str| Role::Excluded(reason.into());
    let stats = p.stats;
    let role = if excluded_by_user {
        excluded("excluded by you")
    } else if shape == Shape::Empty {
        excluded("all missing")
    } else if name.is_empty() {
        excluded("index: the column has no name")
    } else if distinct == 1 {
        let value = p.keys.keys().next().map(String::as_str).unwrap_or_default();
        notes.push(format!("every value is {value:?}"));
        excluded("constant")
    } else if shape == Shape::Numeric {
        if let Some((row, value)) = &p.non_finite {
            return Err(TrainError::NotFinite { column: name.clone(), row: row + 1, value: value.clone() });
        }
        let unique = stats.integer && p.missing == 0 && distinct == p.rows && p.rows >= 3;
        let counts_rows = (stats.min == 0.0 || stats.min == 1.0) && stats.max - stats.min + 1.0 == p.rows as f64;
        if unique && (counts_rows || looks_like_id(name)) {
            notes.push(format!("whole numbers {} to {}, one per row", stats.min, stats.max));
            excluded("identifier: unique per row")
        } else {
            if p.missing > 0 {
                notes.push(format!("missing values count as the median, {}", stats.median));
            }
            Role::Feature
        }
    } else if shape == Shape::Words && distinct == values {
        excluded("identifier: unique per row")
    } else if shape == Shape::Words && distinct * 2 > values {
        notes.push(format!("{distinct} distinct values in {values} rows"));
        excluded("identifier: almost unique per row")
    } else if shape == Shape::Words && distinct > limit {
        notes.push(format!("{distinct} distinct values in {values} rows: too few rows each to learn from"));
        excluded("high cardinality")
    } else {
        Role::Feature
    };
    if p.mixed() && role == Role::Feature {
        notes.insert(0, format!("mixes numbers and words ({}): read as categories", p.words_shown()));
    } else if p.mixed() && p.numbers.len() * 2 > values {
        notes.insert(0, format!("mostly numbers, but also words ({})", p.words_shown()));
    }
    if role == Role::Feature && p.missing * 2 > p.rows {
        notes.push(format!("mostly missing ({})", percent(p.missing, p.rows)));
    }
    Ok(ColumnInfo {
        name: name.clone(),
        kind,
        missing: p.missing,
        rows: p.rows,
        distinct,
        role,
        note: if notes.is_empty() { None } else { Some(notes.join("; ")) },
    })
}

/// Warnings about features that (nearly) give away the target.
fn leakage(table: &Table, schema: &Schema, t: usize, kept: &[usize]) -> Vec<String> {
    let target = &schema.target;
    let mut warnings = Vec::new();
    for (j, c) in schema.columns.iter().enumerate() {
        if c.role != Role::Feature {
            continue;
        }
        let message = |measure: String| {
            format!(
                "`{}` nearly determines `{target}` ({measure}): exclude it if it is not known at prediction time",
                c.name
            )
        };
        match schema.task {
            Task::Regression => {
                if !matches!(c.kind, Kind::Numeric { .. }) {
                    continue;
                }
                let pairs: Vec<(f64, f64)> =
                    kept.iter().filter_map(|&i| Some((number(&table.row(i)[j])?, number(&table.row(i)[t])?))).collect();
                if let Some(r) = pearson(&pairs)
                    && r.abs() >= LEAK_CORRELATION
                {
                    warnings.push(message(format!("correlation {r:.2}")));
                }
            }
            Task::Classification => {
                let feature_key = |cell: &Cell| match c.kind {
                    Kind::Numeric { .. } => number(cell).map(|x| x.to_string()),
                    Kind::Boolean => boolean(cell).map(|b| b.to_string()),
                    _ => key(cell),
                };
                let class_key = |cell: &Cell| match schema.columns[t].kind {
                    Kind::Boolean => boolean(cell).map(|b| b.to_string()),
                    _ => key(cell),
                };
                let mut by_value: HashMap<String, HashMap<String, usize>> = HashMap::new();
                let mut n = 0usize;
                for &i in kept {
                    let row = table.row(i);
                    if let (Some(v), Some(class)) = (feature_key(&row[j]), class_key(&row[t])) {
                        *by_value.entry(v).or_default().entry(class).or_default() += 1;
                        n += 1;
                    }
                }
                if by_value.len() < 2 || by_value.len() * 5 > n {
                    continue;
                }
                let agree: usize = by_value.values().map(|classes| classes.values().max().copied().unwrap_or(0)).sum();
                let share = agree as f64 / n as f64;
                if share >= LEAK_PURITY {
                    let measure = if agree == n {
                        "its value gives the class in every row".to_string()
                    } else {
                        format!("its value gives the class in {:.1}% of rows", (share * 1000.0).floor() / 10.0)
                    };
                    warnings.push(message(measure));
                }
            }
        }
    }
    warnings
}

fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) = pairs.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (mx / n, my / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    let r = sxy / (sxx * syy).sqrt();
    r.is_finite().then_some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn data(name: &str) -> Table {
        crate::data::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../data").join(name)).unwrap().table
    }

    /// Writes `text` to a file of a fresh temporary folder and loads it.
    fn table(name: &str, text: &str) -> Table {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir: PathBuf = std::env::temp_dir().join(format!("citizen-schema-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let table = crate::data::load(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        table.table
    }

    fn csv(text: &str) -> Table {
        table("t.csv", text)
    }

    fn auto() -> SchemaOptions {
        SchemaOptions::default()
    }

    fn forced(task: Task) -> SchemaOptions {
        SchemaOptions { task: Some(task), ..SchemaOptions::default() }
    }

    fn err(t: &Table, target: &str, opts: &SchemaOptions) -> String {
        infer(t, target, opts).unwrap_err().to_string()
    }

    fn role(s: &Schema, name: &str) -> Role {
        s.column(name).unwrap().role.clone()
    }

    fn excluded(reason: &str) -> Role {
        Role::Excluded(reason.into())
    }

    const CARS93_REPORT: &str = r#"column              type          missing  distinct  use
(no name)           whole number       0%        93  excluded (index: the column has no name)
Manufacturer        text               0%        32  excluded (high cardinality) - 32 distinct values in 93 rows: too few rows each to learn from
Model               text               0%        93  excluded (identifier: unique per row)
Type                category           0%         6  feature
Min.Price           number             0%        79  feature
Price               number             0%        81  target
Max.Price           number             0%        79  feature
MPG.city            whole number       0%        21  feature
MPG.highway         whole number       0%        22  feature
AirBags             category           0%         3  feature
DriveTrain          category           0%         3  feature
Cylinders           category           0%         6  feature - mixes numbers and words ("rotary"): read as categories
EngineSize          number             0%        26  feature
Horsepower          whole number       0%        57  feature
RPM                 whole number       0%        24  feature
Rev.per.mile        whole number       0%        78  feature
Man.trans.avail     yes/no             0%         2  feature
Fuel.tank.capacity  number             0%        38  feature
Passengers          whole number       0%         6  feature
Length              whole number       0%        51  feature
Wheelbase           whole number       0%        27  feature
Width               whole number       0%        16  feature
Turn.circle         whole number       0%        14  feature
Rear.seat.room      number           2.2%        24  feature - missing values count as the median, 27.5
Luggage.room        whole number    11.8%        16  feature - missing values count as the median, 14
Weight              whole number       0%        81  feature
Origin              category           0%         2  feature
Make                text               0%        93  excluded (identifier: unique per row)

Warnings:
  - `Min.Price` nearly determines `Price` (correlation 0.97): exclude it if it is not known at prediction time
  - `Max.Price` nearly determines `Price` (correlation 0.98): exclude it if it is not known at prediction time

Task: `Price` is a number with 81 distinct values: regression
Training on 93 rows with 23 features.
"#;

    #[test]
    fn cars93_price() {
        let s = infer(&data("cars93.csv"), "Price", &auto()).unwrap();
        assert_eq!(s.report(), CARS93_REPORT);
        assert_eq!((s.task, s.rows, s.dropped_rows.len()), (Task::Regression, 93, 0));
        assert_eq!(s.task_reason, "`Price` is a number with 81 distinct values: regression");
        assert_eq!(role(&s, ""), excluded("index: the column has no name"));
        assert_eq!(role(&s, "Model"), excluded("identifier: unique per row"));
        assert_eq!(role(&s, "Make"), excluded("identifier: unique per row"));
        assert_eq!(role(&s, "Manufacturer"), excluded("high cardinality"));
        assert_eq!(role(&s, "Price"), Role::Target);
        let cyl = s.column("Cylinders").unwrap();
        assert_eq!(cyl.role, Role::Feature);
        assert!(cyl.note.as_deref().unwrap().contains("rotary"));
        assert_eq!(
            cyl.kind,
            Kind::Categorical {
                categories: ["3", "4", "5", "6", "8", "rotary"].map(String::from).to_vec(),
                counts: vec![3, 49, 2, 31, 7, 1],
            }
        );
        // `None` is an air-bag category, not a missing value.
        let Kind::Categorical { categories, .. } = &s.column("AirBags").unwrap().kind else { panic!() };
        assert_eq!(categories, &["Driver & Passenger", "Driver only", "None"]);
        let rear = s.column("Rear.seat.room").unwrap();
        assert_eq!((rear.missing, rear.rows, rear.role.clone()), (2, 93, Role::Feature));
        assert_eq!(rear.kind, Kind::Numeric { min: 19.0, max: 36.0, median: 27.5, integer: false });
        let luggage = s.column("Luggage.room").unwrap();
        assert_eq!((luggage.missing, luggage.role.clone()), (11, Role::Feature));
        assert!(matches!(luggage.kind, Kind::Numeric { integer: true, .. }));
        assert_eq!(s.column("Man.trans.avail").unwrap().kind, Kind::Boolean);
        assert_eq!(s.warnings.len(), 2);
        assert!(s.warnings[0].starts_with("`Min.Price` nearly determines `Price` (correlation 0.97)"));
        assert!(s.warnings[1].starts_with("`Max.Price` nearly determines `Price` (correlation 0.98)"));
    }

    #[test]
    fn cars93_fields_make_a_valid_signature() {
        let s = infer(&data("cars93.csv"), "Price", &auto()).unwrap();
        let fields = s.fields();
        assert_eq!(fields.len(), 23);
        assert_eq!(
            fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>()[..4],
            ["Type", "Min.Price", "Max.Price", "MPG.city"]
        );
        let field = |name: &str| fields.iter().find(|f| f.name == name).unwrap();
        assert_eq!(field("Rear.seat.room").kind, FieldKind::Numeric { min: Some(19.0), max: Some(36.0) });
        assert_eq!(field("Rear.seat.room").default, Some(serde_json::json!(27.5)));
        assert_eq!(
            field("Type").kind,
            FieldKind::Categorical {
                categories: ["Compact", "Large", "Midsize", "Small", "Sporty", "Van"].map(String::from).to_vec()
            }
        );
        assert_eq!(field("Type").default, None);
        assert_eq!(
            (field("Origin").kind.clone(), field("Man.trans.avail").kind.clone()),
            (FieldKind::Categorical { categories: vec!["USA".into(), "non-USA".into()] }, FieldKind::Boolean)
        );
        assert_eq!(field("Man.trans.avail").default, None);
        // The fields read the very file they were inferred from.
        let manifest = manifest::Manifest {
            format_version: manifest::FORMAT_VERSION,
            name: "cars".into(),
            description: String::new(),
            task: s.task,
            signature: manifest::Signature {
                inputs: fields.clone(),
                outputs: vec![manifest::OutputField {
                    name: "Price".into(),
                    kind: manifest::OutputKind::Numeric,
                    onnx_output: "variable".into(),
                    column: None,
                }],
            },
            preprocessing: manifest::Preprocessing {
                features: fields
                    .iter()
                    .map(|f| match &f.kind {
                        FieldKind::Numeric { .. } => {
                            manifest::Feature::Numeric { field: f.name.clone(), center: 0.0, scale: 1.0 }
                        }
                        FieldKind::Categorical { .. } => manifest::Feature::Ordinal { field: f.name.clone() },
                        FieldKind::Boolean => manifest::Feature::Boolean { field: f.name.clone() },
                    })
                    .collect(),
                onnx_input: "input".into(),
            },
            metrics: Default::default(),
            feature_importance: Default::default(),
            training_data: None,
            golden: Vec::new(),
            tolerance: Default::default(),
        };
        manifest.validate().unwrap();
        manifest.encode(&data("cars93.csv")).unwrap();
    }

    #[test]
    fn iris_species_is_three_classes() {
        let s = infer(&data("iris.csv"), "Species", &auto()).unwrap();
        assert_eq!(s.task, Task::Classification);
        assert_eq!(s.task_reason, "`Species` is text with 3 distinct values: classification");
        assert_eq!(
            s.column("Species").unwrap().kind,
            Kind::Categorical {
                categories: vec!["setosa".into(), "versicolor".into(), "virginica".into()],
                counts: vec![50, 50, 50]
            }
        );
        assert_eq!(s.features().count(), 4);
        assert_eq!(role(&s, ""), excluded("index: the column has no name"));
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(s.fields().len(), 4);
    }

    #[test]
    fn an_identifier_as_target_is_warned_about() {
        let t = csv("a,name\n1,ann\n1,bob\n2,cy\n2,dee\n3,ann\n");
        let s = infer(&t, "name", &auto()).unwrap();
        assert_eq!(s.task, Task::Classification);
        assert!(s.warnings.iter().any(|w| w.contains("looks like an identifier")), "{:?}", s.warnings);
        let t = csv("a,kind\n1,x\n1,y\n2,x\n2,y\n3,x\n");
        assert!(infer(&t, "kind", &auto()).unwrap().warnings.is_empty());
    }

    #[test]
    fn target_problems() {
        let t = csv("a,b,y\n1,x,NA\n2,y,NA\n3,x,NA\n");
        assert_eq!(err(&t, "price", &auto()), "there is no column `price` to predict; the columns are `a`, `b`, `y`");
        assert_eq!(err(&t, "y", &auto()), "`y` has no values in any row: there is nothing to learn");
        let t = csv("a,y\n1,5\n2,5\n3,NA\n4,5\n");
        assert_eq!(err(&t, "y", &auto()), r#"`y` has one value ("5") in every row, there is nothing to learn"#);
        let t = csv("a,y\n1,yes\n2,yes\n3,yes\n");
        assert_eq!(
            err(&t, "y", &forced(Task::Classification)),
            r#"`y` has only one class ("yes"); classification needs at least two"#
        );
        let t = csv("a,y\n1,2.5\n");
        assert_eq!(err(&t, "y", &auto()), "the table has only 1 row; training needs at least 2");
        let t = csv("a,y\n1,2.5\n2,NA\n3,NA\n");
        assert_eq!(err(&t, "y", &auto()), "only 1 of the 3 rows have a value for `y`; training needs at least 2");
        let t = csv("a,y\n1,cheap\n2,dear\n3,cheap\n");
        assert_eq!(
            err(&t, "y", &forced(Task::Regression)),
            r#"`y`, row 1: "cheap" is not a number; regression predicts numbers (use classification)"#
        );
        let t = csv("a,y\n1,2\n2,inf\n3,4\n");
        assert_eq!(
            err(&t, "y", &auto()),
            r#"column `y`, row 2: "inf" is not a finite number; write a number or leave the cell empty"#
        );
    }

    #[test]
    fn rows_without_a_target_are_left_out() {
        let t = csv("a,y\n3,2.5\n8,NA\n2,4.5\n9,\n4,1.5\n7,7.5\n");
        let s = infer(&t, "y", &auto()).unwrap();
        assert_eq!((s.rows, s.dropped_rows.clone()), (4, vec![1, 3]));
        assert_eq!(s.warnings[0], "2 rows with no value for `y` are left out (rows 2, 4)");
        let y = s.column("y").unwrap();
        assert_eq!((y.missing, y.rows, y.distinct), (2, 6, 4));
        assert!(s.report().ends_with("Training on 4 rows with 1 feature (2 left out: no `y`).\n"), "{}", s.report());
    }

    #[test]
    fn task_inference() {
        let t = csv("a,y\n3,0\n8,1\n2,1\n9,0\n");
        let s = infer(&t, "y", &auto()).unwrap();
        assert_eq!(
            (s.task, s.task_reason.as_str()),
            (Task::Classification, "`y` is a whole number with only 2 distinct values: classification")
        );
        assert_eq!(
            s.column("y").unwrap().kind,
            Kind::Categorical { categories: vec!["0".into(), "1".into()], counts: vec![2, 2] }
        );
        let t = csv("a,y\n3,yes\n8,no\n2,No\n");
        let s = infer(&t, "y", &auto()).unwrap();
        assert_eq!((s.task, s.task_reason.as_str()), (Task::Classification, "`y` is yes/no: classification"));
        assert_eq!(s.column("y").unwrap().kind, Kind::Boolean);
        // Three whole numbers in 12 rows: too many distinct for classes (25% > 5%).
        let rows: String = (0..12).map(|i| format!("{},{}\n", i * 5 % 12 + 20, i % 3)).collect();
        let s = infer(&csv(&format!("a,y\n{rows}")), "y", &auto()).unwrap();
        assert_eq!(
            (s.task, s.task_reason.as_str()),
            (Task::Regression, "`y` is a number with 3 distinct values: regression")
        );
        // ... but in 60 rows they are classes.
        let rows: String = (0..60).map(|i| format!("{},{}\n", i * 7 % 11, i % 3)).collect();
        let s = infer(&csv(&format!("a,y\n{rows}")), "y", &auto()).unwrap();
        assert_eq!(s.task, Task::Classification);
        let s = infer(&csv(&format!("a,y\n{rows}")), "y", &forced(Task::Regression)).unwrap();
        assert_eq!((s.task, s.task_reason.as_str()), (Task::Regression, "you chose regression"));
        // A mostly numeric target with a stray word is read as classes, with a warning.
        let s = infer(&csv("a,y\n3,1.5\n8,2.5\n2,?\n9,2.5\n"), "y", &auto()).unwrap();
        assert_eq!(s.task, Task::Classification);
        assert_eq!(
            s.warnings,
            [r#"`y` is mostly numbers, but row 3 has "?": it is read as classes; correct it to predict a number"#]
        );
    }

    #[test]
    fn column_types() {
        let rows = [
            r#"{"n": 1.5, "t": "0", "flag": true, "yn": "Yes", "zo": "1", "c": "red", "cyl": "4", "y": 1}"#,
            r#"{"n": 2, "t": "1", "flag": false, "yn": "no", "zo": "0", "c": "blue", "cyl": "rotary", "y": 2}"#,
            r#"{"n": null, "t": "1", "flag": true, "yn": "No", "zo": "0", "c": "red", "cyl": "6", "y": 3}"#,
            r#"{"n": 4, "t": "0", "flag": null, "yn": "yes", "zo": "1", "c": "red", "cyl": "4", "y": 4.5}"#,
        ];
        // Each row twice, so that no column is unique per row.
        let t = table("t.jsonl", &rows.iter().chain(&rows).map(|r| format!("{r}\n")).collect::<String>());
        let s = infer(&t, "y", &auto()).unwrap();
        assert_eq!(s.column("n").unwrap().kind, Kind::Numeric { min: 1.5, max: 4.0, median: 2.0, integer: false });
        assert_eq!(s.column("flag").unwrap().kind, Kind::Boolean);
        assert_eq!((s.column("yn").unwrap().kind.clone(), s.column("yn").unwrap().distinct), (Kind::Boolean, 2));
        // 0/1 columns stay numbers.
        assert!(matches!(s.column("zo").unwrap().kind, Kind::Numeric { integer: true, .. }));
        assert_eq!(
            s.column("cyl").unwrap().kind,
            Kind::Categorical { categories: vec!["4".into(), "6".into(), "rotary".into()], counts: vec![4, 2, 2] }
        );
        assert_eq!(
            s.column("cyl").unwrap().note.as_deref(),
            Some(r#"mixes numbers and words ("rotary"): read as categories"#)
        );
        assert_eq!(s.column("cyl").unwrap().role, Role::Feature);
        assert_eq!(
            s.column("c").unwrap().kind,
            Kind::Categorical { categories: vec!["blue".into(), "red".into()], counts: vec![2, 6] }
        );
        let fields = s.fields();
        assert_eq!(fields.iter().find(|f| f.name == "n").unwrap().default, Some(serde_json::json!(2.0)));
    }

    #[test]
    fn infinite_values_are_errors() {
        let t = csv("a,w,y\n5,2.5,1\n8,-Infinity,2\n6,3,3\n");
        assert_eq!(
            err(&t, "y", &auto()),
            r#"column `w`, row 2: "-Infinity" is not a finite number; write a number or leave the cell empty"#
        );
        // Not if the column is excluded, nor if it is words anyway.
        let opts = SchemaOptions { exclude: vec!["w".into()], ..SchemaOptions::default() };
        assert_eq!(role(&infer(&t, "y", &opts).unwrap(), "w"), excluded("excluded by you"));
        let t = csv("a,w,y\n5,inf,1\n8,big,2\n6,big,3\n9,inf,4\n");
        assert!(matches!(infer(&t, "y", &auto()).unwrap().column("w").unwrap().kind, Kind::Categorical { .. }));
    }

    #[test]
    fn exclusions() {
        let rows: String = (1..=12)
            .map(|i| format!("{i},{},c{i},{},same,,{}\n", 100 + i * 3, ["a", "b", "c"][i % 3], i as f64 * 1.5))
            .collect();
        let t = csv(&format!("row,id,name,kind,k,empty,y\n{rows}"));
        let s = infer(&t, "y", &auto()).unwrap();
        assert_eq!(role(&s, "row"), excluded("identifier: unique per row"));
        assert_eq!(s.column("row").unwrap().note.as_deref(), Some("whole numbers 1 to 12, one per row"));
        assert_eq!(role(&s, "id"), excluded("identifier: unique per row"));
        assert_eq!(role(&s, "name"), excluded("identifier: unique per row"));
        assert_eq!(role(&s, "kind"), Role::Feature);
        assert_eq!(role(&s, "k"), excluded("constant"));
        assert_eq!(s.column("k").unwrap().note.as_deref(), Some(r#"every value is "same""#));
        assert_eq!(role(&s, "empty"), excluded("all missing"));
        let opts = SchemaOptions { exclude: vec!["kind".into()], ..SchemaOptions::default() };
        assert_eq!(err(&t, "y", &opts), "every column other than `y` is excluded: there is nothing to learn from");
        let opts = SchemaOptions { exclude: vec!["knd".into()], ..SchemaOptions::default() };
        assert_eq!(
            err(&t, "y", &opts),
            "cannot exclude `knd`: there is no such column; the columns are `row`, `id`, `name`, `kind`, `k`, `empty`, `y`"
        );
        let opts = SchemaOptions { exclude: vec!["y".into()], ..SchemaOptions::default() };
        assert_eq!(err(&t, "y", &opts), "`y` is the column to predict; it cannot also be excluded");
        assert_eq!(
            err(&csv("a,a,y\n1,2,3\n2,3,4\n"), "y", &auto()),
            "column `a` appears twice; give every column its own name"
        );
    }

    #[test]
    fn high_cardinality_and_near_identifiers() {
        // 40 rows: at most 10 categories.
        let rows: String = (0..40).map(|i| format!("c{},d{},{},{i}.5\n", i % 12, i % 25, i % 3)).collect();
        let s = infer(&csv(&format!("c,d,e,y\n{rows}")), "y", &auto()).unwrap();
        assert_eq!(role(&s, "c"), excluded("high cardinality"));
        assert_eq!(s.column("c").unwrap().kind, Kind::Text);
        assert_eq!(role(&s, "d"), excluded("identifier: almost unique per row"));
        assert_eq!(s.column("d").unwrap().note.as_deref(), Some("25 distinct values in 40 rows"));
    }

    #[test]
    fn classification_leakage() {
        let rows: String = (0..40)
            .map(|i| {
                let class = ["a", "b"][i % 2];
                let code = if i == 8 { "B" } else { ["A", "B"][i % 2] };
                format!("{class},{code},{},{}\n", i % 4, i * 37 % 41)
            })
            .collect();
        let s = infer(&csv(&format!("y,code,q,noise\n{rows}")), "y", &auto()).unwrap();
        assert_eq!(s.task, Task::Classification);
        // `code` gives the class in 97.5% of rows: under the threshold; `noise` has a value per row.
        assert_eq!(
            s.warnings,
            [
                "`q` nearly determines `y` (its value gives the class in every row): exclude it if it is not known at prediction time"
            ]
        );
    }
}
