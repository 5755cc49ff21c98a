//! Golden cases: the outputs a model's manifest promises for given inputs.
//! Every prediction surface runs them through its own engine and this one
//! comparison.

use manifest::{Manifest, Table};
use serde_json::Value;

use crate::interface::Prediction;

/// One output that did not match.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mismatch {
    /// Case number, from 1.
    pub case: usize,
    pub output: String,
    pub expected: String,
    pub got: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "golden case {}, output `{}`: expected {}, got {}", self.case, self.output, self.expected, self.got)
    }
}

/// All golden inputs as one table (one row per case).
pub fn inputs(manifest: &Manifest) -> Result<Table, manifest::Error> {
    let rows: Vec<Value> = manifest.golden.iter().map(|c| Value::Object(c.input.clone())).collect();
    let mut table = Table::from_json_value(&Value::Array(rows))?;
    if manifest.golden.is_empty() {
        table = Table::new(vec![]);
    }
    Ok(table)
}

/// Compares a prediction of [`inputs`] with the promised outputs, within the
/// manifest's tolerance; labels must match exactly.
pub fn compare(manifest: &Manifest, prediction: &Prediction) -> Vec<Mismatch> {
    let tol = manifest.tolerance;
    let rows = prediction.json_rows();
    let mut out = Vec::new();
    for (i, case) in manifest.golden.iter().enumerate() {
        let got = rows.get(i).cloned().unwrap_or_default();
        for (name, expected) in &case.output {
            let actual = got.get(name).cloned().unwrap_or(Value::Null);
            if !matches(expected, &actual, &tol) {
                out.push(Mismatch {
                    case: i + 1,
                    output: name.clone(),
                    expected: expected.to_string(),
                    got: actual.to_string(),
                });
            }
        }
    }
    out
}

fn matches(expected: &Value, got: &Value, tol: &manifest::Tolerance) -> bool {
    match (expected, got) {
        (Value::Number(e), Value::Number(g)) => match (e.as_f64(), g.as_f64()) {
            (Some(e), Some(g)) => tol.accepts(g, e),
            _ => false,
        },
        (Value::Object(e), Value::Object(g)) => {
            e.len() == g.len() && e.iter().all(|(k, v)| g.get(k).is_some_and(|gv| matches(v, gv, tol)))
        }
        (Value::Number(e), Value::String(g)) | (Value::String(g), Value::Number(e)) => g == &e.to_string(),
        (e, g) => e == g,
    }
}
