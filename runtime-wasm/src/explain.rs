//! Why a model predicted what it did: per-field contributions that add up to
//! the prediction's distance from a baseline input.
//!
//! The method is the Shapley value of each field with one baseline input
//! (interventional SHAP with a single reference): a field's contribution is
//! its average effect on the output when it is switched from the baseline's
//! value to the row's, over orders of switching. It works the same for every
//! model family, because it only calls the model:
//! - for a linear model it is exactly the model's term for that field,
//!   `w · (x − baseline)` (every order gives the same difference);
//! - for trees and networks it also counts the interactions fairly;
//! - the contributions always sum to `prediction − baseline prediction`.
//!
//! With at most [`EXACT_FIELDS`] fields every subset is evaluated (exact).
//! Above, a fixed number of seeded random orders, each followed by its
//! reverse, is averaged: the result is the same on every target and every
//! run, and still sums exactly.
//!
//! The baseline is "a typical input": each field's manifest default, else
//! the most common value among the golden cases (inputs taken from the
//! training data), else the first category, the middle of the range seen, or
//! no.

use manifest::{Cell, FieldKind, Manifest, Task};
use serde_json::{Map, Value, json};

use crate::{Error, Model, Table};

/// Up to this many fields, every subset is evaluated (2^n rows).
pub const EXACT_FIELDS: usize = 10;
/// Above it, about this many rows are evaluated (orders × fields).
const SAMPLED_ROWS: usize = 4096;

/// The contributions for one prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The output column explained: a regression's value, or the
    /// probability of the predicted class.
    pub output: String,
    /// The model's output for the row.
    pub value: f64,
    /// The model's output for the baseline input.
    pub baseline: f64,
    /// The baseline input, field by field.
    pub baseline_row: Map<String, Value>,
    /// One per input field, in signature order.
    pub contributions: Vec<Contribution>,
    /// `exact`, or `sampled` with the number of orders.
    pub method: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub field: String,
    /// The row's value for the field, as given (missing is `null`).
    pub value: Value,
    pub contribution: f64,
}

impl Explanation {
    pub fn to_json(&self) -> Value {
        json!({
            "output": self.output,
            "value": self.value,
            "baseline": self.baseline,
            "baseline_row": self.baseline_row,
            "method": self.method,
            "contributions": self.contributions.iter().map(|c| json!({
                "field": c.field, "value": c.value, "contribution": c.contribution,
            })).collect::<Vec<_>>(),
        })
    }
}

fn input_error(reason: impl Into<String>) -> Error {
    Error::Input(manifest::Error::Input(reason.into()))
}

/// Explains the model's prediction for one row given as a JSON object.
pub fn explain(model: &Model, row: &Map<String, Value>) -> Result<Explanation, Error> {
    explain_with(model, row, EXACT_FIELDS)
}

fn explain_with(model: &Model, row: &Map<String, Value>, exact_fields: usize) -> Result<Explanation, Error> {
    let manifest = model
        .manifest()
        .ok_or_else(|| input_error("explanations need a model with a citizen manifest (its input fields)"))?;
    let fields: Vec<String> = manifest.signature.inputs.iter().map(|f| f.name.clone()).collect();
    let n = fields.len();
    let x: Vec<Cell> = fields.iter().map(|f| row.get(f).map(Cell::from_json).unwrap_or(Cell::Missing)).collect();
    let base_json = baseline(manifest);
    let base: Vec<Cell> = fields.iter().map(|f| Cell::from_json(&base_json[f])).collect();

    // Which output to explain, read from the row's own prediction.
    let mut own = Table::new(fields.clone());
    own.push_row(x.clone()).map_err(Error::Input)?;
    own.push_row(base.clone()).map_err(Error::Input)?;
    let p = model.predict(&own)?;
    let column = explained_column(manifest, &p)?;
    let number = |p: &crate::Prediction, r: usize| -> Result<f64, Error> {
        let c = p.column(&column).ok_or_else(|| Error::Run(format!("the output {column} is missing")))?;
        c.values.number(r).ok_or_else(|| Error::Run(format!("the output {column} is not a number")))
    };
    let (value, base_value) = (number(&p, 0)?, number(&p, 1)?);

    // Rows: each is the baseline with some fields switched to the row's value.
    let mut masks: Vec<Vec<bool>> = Vec::new();
    let exact = n <= exact_fields;
    let orders = if exact {
        masks.extend((0..1usize << n).map(|s| (0..n).map(|i| s >> i & 1 == 1).collect()));
        Vec::new()
    } else {
        let pairs = SAMPLED_ROWS.div_ceil(2 * n).max(8);
        let mut rng = SplitMix(0x00C1_7123);
        let mut orders = Vec::with_capacity(2 * pairs);
        for _ in 0..pairs {
            let mut order: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
            }
            let reverse: Vec<usize> = order.iter().rev().copied().collect();
            orders.push(order);
            orders.push(reverse);
        }
        for order in &orders {
            let mut mask = vec![false; n];
            for &i in order {
                mask[i] = true;
                masks.push(mask.clone());
            }
        }
        orders
    };
    let mut table = Table::new(fields.clone());
    for mask in &masks {
        table
            .push_row(mask.iter().enumerate().map(|(i, &on)| if on { x[i].clone() } else { base[i].clone() }).collect())
            .map_err(Error::Input)?;
    }
    let p = model.predict(&table)?;
    let f: Vec<f64> = (0..masks.len()).map(|r| number(&p, r)).collect::<Result<_, _>>()?;

    let mut phi = vec![0.0; n];
    let method = if exact {
        // weight(k) = k! (n-k-1)! / n! for a subset of size k without field i.
        let mut weight = vec![0.0; n];
        for (k, w) in weight.iter_mut().enumerate() {
            *w = 1.0 / (n as f64 * binomial(n - 1, k));
        }
        for (s, fs) in f.iter().enumerate() {
            let size = (s as u64).count_ones() as usize;
            for (i, phi) in phi.iter_mut().enumerate() {
                if s >> i & 1 == 0 {
                    *phi += weight[size] * (f[s | 1 << i] - fs);
                }
            }
        }
        "exact".to_string()
    } else {
        for (o, order) in orders.iter().enumerate() {
            let mut before = base_value;
            for (k, &i) in order.iter().enumerate() {
                let after = f[o * n + k];
                phi[i] += after - before;
                before = after;
            }
        }
        for v in &mut phi {
            *v /= orders.len() as f64;
        }
        format!("sampled ({} orders)", orders.len())
    };
    Ok(Explanation {
        output: column,
        value,
        baseline: base_value,
        baseline_row: base_json,
        contributions: fields
            .iter()
            .zip(phi)
            .map(|(f, c)| Contribution {
                field: f.clone(),
                value: row.get(f).cloned().unwrap_or(Value::Null),
                contribution: c,
            })
            .collect(),
        method,
    })
}

/// The output column a user reads first: a regression's first number, or a
/// classifier's probability of the class it predicted for row 0.
fn explained_column(manifest: &Manifest, p: &crate::Prediction) -> Result<String, Error> {
    let numeric = |c: &&crate::interface::Column| c.values.number(0).is_some();
    let pick = match manifest.task {
        Task::Regression => p.columns.iter().find(numeric),
        Task::Classification => {
            let label = p.columns.iter().find(|c| c.path.1.is_none() && !numeric(c)).map(|c| c.values.text(0));
            let label = label.or_else(|| p.columns.iter().find(|c| c.path.1.is_none()).map(|c| c.values.text(0)));
            p.columns.iter().find(|c| c.path.1.is_some() && c.path.1.as_deref() == label.as_deref())
        }
    };
    pick.map(|c| c.name.clone()).ok_or_else(|| Error::Run("the model has no numeric output to explain".into()))
}

/// A typical input: defaults, else the golden cases' most common value.
pub fn baseline(manifest: &Manifest) -> Map<String, Value> {
    let mut row = Map::new();
    for field in &manifest.signature.inputs {
        let seen: Vec<&Value> = manifest
            .golden
            .iter()
            .filter_map(|g| g.input.get(&field.name))
            .filter(|v| !v.is_null() && !matches!(v, Value::String(s) if s.is_empty() || s == "NA"))
            .collect();
        let value = field.default.clone().filter(|v| !v.is_null()).or_else(|| most_common(&seen)).unwrap_or_else(
            || match &field.kind {
                FieldKind::Numeric { min, max } => match (min, max) {
                    (Some(a), Some(b)) => json!((a + b) / 2.0),
                    (Some(a), None) | (None, Some(a)) => json!(a),
                    (None, None) => json!(0.0),
                },
                FieldKind::Categorical { categories } => {
                    categories.first().map(|c| Value::String(c.clone())).unwrap_or(Value::Null)
                }
                FieldKind::Boolean => Value::Bool(false),
            },
        );
        row.insert(field.name.clone(), value);
    }
    row
}

/// The value seen most often; ties go to the first seen.
fn most_common(values: &[&Value]) -> Option<Value> {
    let mut best: Option<(&Value, usize)> = None;
    for v in values {
        let count = values.iter().filter(|w| w == &v).count();
        if best.is_none_or(|(_, c)| count > c) {
            best = Some((v, count));
        }
    }
    best.map(|(v, _)| v.clone())
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// A small seeded generator (SplitMix64), so sampled explanations are the
/// same on every target.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests;
