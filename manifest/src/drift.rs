//! Drift: how far the rows a model sees now are from the rows it was
//! trained on. The trainer records each input field's distribution in the
//! training data ([`FieldProfile`]: where the deciles of a number fall, or
//! the share of each category, and the share of missing cells);
//! [`table_drift`] compares a table of recent rows with those profiles by
//! the population stability index (PSI), the measure credit-risk teams have
//! long used for this: below 0.1 the field is stable, 0.1 to 0.25 it has
//! shifted a little, above 0.25 it has drifted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Cell, Field, FieldKind, Manifest, Table};

/// PSI above which a field has drifted.
pub const DRIFT_PSI: f64 = 0.25;
/// PSI above which a field has shifted a little.
pub const SHIFT_PSI: f64 = 0.1;
/// Fewer recent rows than this say little: the report says so.
pub const MIN_ROWS: usize = 100;

/// One input field's distribution in the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldProfile {
    pub name: String,
    /// Share of rows where the cell was missing.
    pub missing: f64,
    #[serde(flatten)]
    pub shape: Shape,
}

/// How the present (not missing) values were spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Shape {
    /// Numbers: bin `i` holds values `<= edges[i]` (and above the edge
    /// before); the last bin holds values above the last edge. The edges are
    /// the training deciles (ties merged); `shares` has one more entry.
    Numbers { edges: Vec<f64>, shares: Vec<f64> },
    /// Categories (for yes/no fields `yes` and `no`): the share of each; a
    /// value not listed counts in an extra bin of its own.
    Categories { shares: BTreeMap<String, f64> },
}

/// The profile of one field over the given cells (the training rows).
pub fn profile(field: &Field, cells: &[&Cell]) -> FieldProfile {
    let n = cells.len().max(1) as f64;
    match &field.kind {
        FieldKind::Numeric { .. } => {
            let mut values: Vec<f64> = cells.iter().filter_map(|c| c.as_f64()).filter(|x| x.is_finite()).collect();
            values.sort_by(f64::total_cmp);
            let mut edges: Vec<f64> = Vec::new();
            if !values.is_empty() {
                for q in 1..10 {
                    let e = values[(values.len() - 1) * q / 10];
                    if edges.last() != Some(&e) {
                        edges.push(e);
                    }
                }
                // An edge at the largest value would leave the last bin empty.
                if edges.last() == values.last() && edges.len() > 1 {
                    edges.pop();
                }
            }
            let shares = normalise(number_bins(&edges, values.iter().copied()));
            let missing = (cells.len() - values.len()) as f64 / n;
            FieldProfile { name: field.name.clone(), missing, shape: Shape::Numbers { edges, shares } }
        }
        _ => {
            let mut counts: BTreeMap<String, f64> = BTreeMap::new();
            let mut present = 0usize;
            for c in cells {
                if let Some(k) = category(field, c) {
                    *counts.entry(k).or_default() += 1.0;
                    present += 1;
                }
            }
            let total = present.max(1) as f64;
            let shares = counts.into_iter().map(|(k, v)| (k, v / total)).collect();
            let missing = (cells.len() - present) as f64 / n;
            FieldProfile { name: field.name.clone(), missing, shape: Shape::Categories { shares } }
        }
    }
}

/// A cell of a category or yes/no field as the key it is counted under.
fn category(field: &Field, c: &Cell) -> Option<String> {
    match (&field.kind, c) {
        (_, Cell::Missing) => None,
        (FieldKind::Boolean, c) => Some(match c.yes_no() {
            Some(true) => "yes".to_string(),
            Some(false) => "no".to_string(),
            None => c.to_string(),
        }),
        (_, Cell::Text(s)) => Some(s.trim().to_string()),
        (_, c) => Some(c.to_string()),
    }
}

fn number_bins(edges: &[f64], values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut counts = vec![0.0; edges.len() + 1];
    for x in values {
        counts[edges.partition_point(|e| *e < x)] += 1.0;
    }
    counts
}

fn normalise(mut counts: Vec<f64>) -> Vec<f64> {
    let total: f64 = counts.iter().sum();
    if total > 0.0 {
        counts.iter_mut().for_each(|c| *c /= total);
    }
    counts
}

/// One field's drift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDrift {
    pub name: String,
    /// Population stability index of the recent rows against training,
    /// over the bins of the profile plus one for missing cells.
    pub psi: f64,
    /// `stable`, `shifted` or `drifted`.
    pub level: String,
    /// Share of missing cells in training and now.
    pub missing_then: f64,
    pub missing_now: f64,
    /// The bins that moved most: `(bin, share in training, share now)`.
    pub moved: Vec<(String, f64, f64)>,
}

/// The drift of a table of recent rows against a model's training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub rows: usize,
    /// Whether any field drifted (only said with at least [`MIN_ROWS`] rows).
    pub drifted: bool,
    pub fields: Vec<FieldDrift>,
    /// Why the report may say little, if it may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Compares `table` with the training profiles in `manifest`; None when the
/// model carries no profiles (trained before they were recorded).
pub fn table_drift(manifest: &Manifest, table: &Table) -> Option<DriftReport> {
    let profiles = &manifest.training_data.as_ref()?.profiles;
    if profiles.is_empty() {
        return None;
    }
    let rows = table.len();
    let mut fields: Vec<FieldDrift> = profiles
        .iter()
        .filter_map(|p| {
            let field = manifest.signature.inputs.iter().find(|f| f.name == p.name)?;
            let column = table.column(&p.name);
            let cells: Vec<&Cell> = table.rows().map(|r| column.map_or(&Cell::Missing, |c| &r[c])).collect();
            Some(field_drift(field, p, &cells))
        })
        .collect();
    fields.sort_by(|a, b| b.psi.total_cmp(&a.psi).then_with(|| a.name.cmp(&b.name)));
    let enough = rows >= MIN_ROWS;
    let drifted = enough && fields.iter().any(|f| f.level == "drifted");
    let note = (!enough).then(|| format!("only {rows} rows: at least {MIN_ROWS} are needed to call a field drifted"));
    Some(DriftReport { rows, drifted, fields, note })
}

/// One field's cells against its training profile.
pub fn field_drift(field: &Field, p: &FieldProfile, cells: &[&Cell]) -> FieldDrift {
    let n = cells.len().max(1) as f64;
    // Bins: missing first, then the profile's, then (categories) "other".
    let (names, then, now): (Vec<String>, Vec<f64>, Vec<f64>) = match &p.shape {
        Shape::Numbers { edges, shares } => {
            let values: Vec<f64> = cells.iter().filter_map(|c| c.as_f64()).filter(|x| x.is_finite()).collect();
            let mut now = vec![(cells.len() - values.len()) as f64 / n];
            now.extend(number_bins(edges, values.iter().copied()).into_iter().map(|c| c / n));
            let mut then = vec![p.missing];
            then.extend(shares.iter().map(|s| s * (1.0 - p.missing)));
            let mut names = vec!["missing".to_string()];
            for i in 0..=edges.len() {
                names.push(match (i.checked_sub(1).map(|j| edges[j]), edges.get(i)) {
                    (None, Some(hi)) => format!("<= {}", short(*hi)),
                    (Some(lo), Some(hi)) => format!("{} < x <= {}", short(lo), short(*hi)),
                    (Some(lo), None) => format!("> {}", short(lo)),
                    (None, None) => "any number".to_string(),
                });
            }
            (names, then, now)
        }
        Shape::Categories { shares } => {
            let mut counts: BTreeMap<&str, f64> = shares.keys().map(|k| (k.as_str(), 0.0)).collect();
            let (mut missing, mut other) = (0.0, 0.0);
            let keys: Vec<Option<String>> = cells.iter().map(|c| category(field, c)).collect();
            for k in &keys {
                match k {
                    None => missing += 1.0,
                    Some(k) => match counts.get_mut(k.as_str()) {
                        Some(c) => *c += 1.0,
                        None => other += 1.0,
                    },
                }
            }
            let mut names = vec!["missing".to_string()];
            let mut then = vec![p.missing];
            let mut now = vec![missing / n];
            for (k, s) in shares {
                names.push(k.clone());
                then.push(s * (1.0 - p.missing));
                now.push(counts[k.as_str()] / n);
            }
            names.push("other".to_string());
            then.push(0.0);
            now.push(other / n);
            (names, then, now)
        }
    };
    const FLOOR: f64 = 1e-4;
    let psi: f64 = then
        .iter()
        .zip(&now)
        .map(|(&e, &a)| {
            let (e, a) = (e.max(FLOOR), a.max(FLOOR));
            (a - e) * (a / e).ln()
        })
        .sum();
    let psi = if cells.is_empty() { 0.0 } else { (psi * 1e4).round() / 1e4 };
    let level = if psi > DRIFT_PSI {
        "drifted"
    } else if psi > SHIFT_PSI {
        "shifted"
    } else {
        "stable"
    };
    let mut moved: Vec<(String, f64, f64)> = names
        .into_iter()
        .zip(then.iter().zip(&now))
        .map(|(name, (&e, &a))| (name, round3(e), round3(a)))
        .filter(|(_, e, a)| e != a)
        .collect();
    moved.sort_by(|x, y| (y.2 - y.1).abs().total_cmp(&(x.2 - x.1).abs()));
    moved.truncate(3);
    FieldDrift {
        name: p.name.clone(),
        psi,
        level: level.to_string(),
        missing_then: round3(p.missing),
        missing_now: round3(now[0]),
        moved,
    }
}

/// A bin edge for people: three decimals at most, no trailing zeros.
fn short(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    s.to_string()
}

fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}
