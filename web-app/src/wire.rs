//! The studio's side of the server's JSON (see the studio HTTP contract):
//! datasets' schemas, training jobs, their evaluation, retraining policies
//! and decisions, read leniently (missing fields take defaults), and the
//! words the pages show for them. Pure, tested natively.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::text;

/// The dataset name a file suggests: its stem, lower-cased, characters
/// other than letters, digits, `-`, `_` and `.` replaced by `-`
/// (`Cars 93.csv` → `cars-93`).
pub fn dataset_name(file: &str) -> String {
    let file = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = match file.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file,
    };
    let name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let name = name.trim_matches(['-', '.']).to_string();
    if name.is_empty() { "dataset".into() } else { name }
}

/// The Content-Type to send a file with, from its extension; None for a
/// kind of file the lake does not take.
pub fn content_type(file: &str) -> Option<&'static str> {
    let ext = file.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "csv" => "text/csv",
        "jsonl" | "ndjson" => "application/x-ndjson",
        "json" => "application/json",
        "parquet" => "application/vnd.apache.parquet",
        _ => return None,
    })
}

/// A column of a dataset's inferred schema.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Column {
    pub name: String,
    #[serde(default)]
    pub kind: Value,
    #[serde(default)]
    pub missing: f64,
    #[serde(default)]
    pub rows: f64,
    #[serde(default)]
    pub distinct: f64,
    #[serde(default)]
    pub role: Value,
    #[serde(default)]
    pub note: Option<String>,
}

/// What the trainer does with a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    Feature,
    Target,
    Excluded(String),
}

impl Column {
    /// `numeric`, `categorical`, `boolean` or `text`.
    pub fn kind(&self) -> &str {
        self.kind["type"].as_str().unwrap_or("unknown")
    }

    pub fn role(&self) -> Role {
        match &self.role {
            Value::String(s) if s == "target" => Role::Target,
            Value::Object(o) => Role::Excluded(o.get("excluded").and_then(Value::as_str).unwrap_or("").to_string()),
            _ => Role::Feature,
        }
    }

    /// The type in words: `number 7.4 to 61.9`, `whole number 1 to 6`,
    /// `category (6)`, `yes/no`, `text`.
    pub fn kind_words(&self) -> String {
        let k = &self.kind;
        match self.kind() {
            "numeric" => {
                let what = if k["integer"].as_bool() == Some(true) { "whole number" } else { "number" };
                match (k["min"].as_f64(), k["max"].as_f64()) {
                    (Some(lo), Some(hi)) => format!("{what} {} to {}", text::value(lo), text::value(hi)),
                    _ => what.to_string(),
                }
            }
            "categorical" => {
                let n = k["categories"].as_array().map_or(0, Vec::len);
                format!("category ({n})")
            }
            "boolean" => "yes/no".into(),
            "text" => "text".into(),
            other => other.to_string(),
        }
    }

    /// Missing cells as a share of the rows: `0%`, `12.5%`.
    pub fn missing_words(&self) -> String {
        if self.rows > 0.0 { text::percent(self.missing / self.rows) } else { "–".into() }
    }
}

/// A dataset's inferred schema for a target.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Schema {
    pub columns: Vec<Column>,
    pub target: String,
    #[serde(default)]
    pub task: String,
    #[serde(default)]
    pub task_reason: String,
    #[serde(default)]
    pub rows: f64,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The best candidate so far.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Best {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub params: String,
    #[serde(default)]
    pub score: f64,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Progress {
    #[serde(default)]
    pub tried: f64,
    #[serde(default)]
    pub total: f64,
    #[serde(default)]
    pub seconds_left: Option<f64>,
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub best: Option<Best>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Published {
    pub name: String,
    #[serde(default)]
    pub version: u64,
}

/// A training job.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Job {
    pub id: String,
    #[serde(default)]
    pub dataset: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub lines: Vec<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub progress: Option<Progress>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub created: f64,
    #[serde(default)]
    pub time_budget_secs: Option<f64>,
    #[serde(default)]
    pub evaluation: Option<Evaluation>,
    #[serde(default)]
    pub published: Vec<Published>,
    /// Set for a challenger trained by a retraining policy: the model it challenges.
    #[serde(default)]
    pub challenger: Option<Challenger>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Challenger {
    pub model: String,
    #[serde(default)]
    pub alias: Option<String>,
}

impl Job {
    pub fn finished(&self) -> bool {
        !matches!(self.state.as_str(), "queued" | "running")
    }

    /// The share of the time budget spent, 0 to 1 (1 once finished).
    pub fn spent(&self) -> f64 {
        if self.state == "succeeded" {
            return 1.0;
        }
        match (self.time_budget_secs, self.progress.as_ref().and_then(|p| p.seconds_left)) {
            (Some(b), Some(left)) if b > 0.0 => (1.0 - left / b).clamp(0.0, 1.0),
            _ => 0.0,
        }
    }

    /// `candidates tried 7 of 18`.
    pub fn tried_words(&self) -> String {
        match &self.progress {
            Some(p) if p.total > 0.0 => {
                format!("candidates tried {} of {}", text::number(p.tried, 0), text::number(p.total, 0))
            }
            Some(p) => format!("candidates tried {}", text::number(p.tried, 0)),
            None => "no candidate tried yet".into(),
        }
    }

    /// `best so far: gbdt rmse 2.93`.
    pub fn best_words(&self) -> Option<String> {
        let p = self.progress.as_ref()?;
        let b = p.best.as_ref()?;
        let metric = if p.metric.is_empty() { "score" } else { &p.metric };
        Some(format!("best so far: {} {metric} {}", b.family, text::value(b.score)))
    }

    /// `12 s left`.
    pub fn left_words(&self) -> Option<String> {
        let left = self.progress.as_ref()?.seconds_left?;
        if self.finished() {
            return None;
        }
        Some(format!("{} s left", text::number(left.max(0.0).ceil(), 0)))
    }

    /// The state in words for lists.
    pub fn state_words(&self) -> &str {
        match self.state.as_str() {
            "queued" => "waiting to start",
            "running" => "training",
            "succeeded" => "done",
            "failed" => "failed",
            "cancelled" => "cancelled",
            s => s,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Candidate {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub params: String,
    #[serde(default)]
    pub score: f64,
    #[serde(default)]
    pub std: Option<f64>,
    #[serde(default)]
    pub fit_seconds: Option<f64>,
    #[serde(default)]
    pub winner: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Importance {
    pub field: String,
    pub share: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RocCurve {
    pub class: String,
    #[serde(default)]
    pub auc: f64,
    #[serde(default)]
    pub points: Vec<(f64, f64)>,
}

/// How the winner did on held-out rows.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Evaluation {
    #[serde(default)]
    pub task: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub higher_is_better: bool,
    #[serde(default)]
    pub rows: f64,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub leaderboard: Vec<Candidate>,
    #[serde(default)]
    pub importance: Vec<Importance>,
    #[serde(default)]
    pub points: Vec<(f64, f64)>,
    #[serde(default)]
    pub mae: Option<f64>,
    #[serde(default)]
    pub rmse: Option<f64>,
    #[serde(default)]
    pub r2: Option<f64>,
    #[serde(default)]
    pub classes: Vec<String>,
    #[serde(default)]
    pub confusion: Vec<Vec<f64>>,
    #[serde(default)]
    pub accuracy: Option<f64>,
    #[serde(default)]
    pub roc: Vec<RocCurve>,
}

impl Evaluation {
    pub fn is_classification(&self) -> bool {
        self.task.contains("classification") || !self.classes.is_empty()
    }

    /// The headline numbers: `MAE 2.1 · RMSE 2.9 · R² 0.87` or `accuracy 96.7%`.
    pub fn headline(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = self.mae {
            parts.push(format!("MAE {}", text::value(v)));
        }
        if let Some(v) = self.rmse {
            parts.push(format!("RMSE {}", text::value(v)));
        }
        if let Some(v) = self.r2 {
            parts.push(format!("R² {}", text::number(v, 3)));
        }
        if let Some(v) = self.accuracy {
            parts.push(format!("accuracy {}", text::percent(v)));
        }
        if self.rows > 0.0 {
            parts.push(format!("{} held-out rows", text::number(self.rows, 0)));
        }
        parts.join(" · ")
    }
}

/// A model's retraining policy (`GET`/`PUT /models/{name}/policy`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    pub dataset: String,
    pub target: String,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub every_secs: Option<u64>,
    #[serde(default)]
    pub on_drift: bool,
    #[serde(default)]
    pub margin: f64,
    #[serde(default = "thirty")]
    pub time_budget_secs: f64,
    #[serde(default)]
    pub holdout_share: f64,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub categorical: Vec<String>,
}

fn thirty() -> f64 {
    30.0
}

/// One version's score in a decision.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Scored {
    /// None for a challenger that was not published (it lost).
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub score: Option<f64>,
}

/// A retraining or rollback decision.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Decision {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub at: f64,
    #[serde(default)]
    pub trigger: String,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub metric: String,
    #[serde(default)]
    pub champion: Option<Scored>,
    #[serde(default)]
    pub challenger: Option<Scored>,
    #[serde(default)]
    pub promoted: bool,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub reason: String,
}

/// A version and its score in a decision: `v2 (rmse 3.1)`.
pub fn scored_words(s: &Option<Scored>, metric: &str) -> String {
    let Some(s) = s else { return "–".into() };
    let who = match s.version {
        Some(v) => format!("v{v}"),
        None => "not published".into(),
    };
    match s.score {
        Some(v) => format!("{who} ({metric} {})", text::value(v)),
        None => who,
    }
}

/// A comma-separated list typed by a person, as names (`a, b,,c` → a, b, c).
pub fn names(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// A cell of a data preview as text (missing cells are empty).
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => text::value(x),
            _ => n.to_string(),
        },
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_files_name_suggests_a_dataset_name_and_content_type() {
        assert_eq!(dataset_name("cars93.csv"), "cars93");
        assert_eq!(dataset_name("C:\\data\\Cars 93 (2024).CSV"), "cars-93--2024");
        assert_eq!(dataset_name("events.v2.jsonl"), "events.v2");
        assert_eq!(dataset_name("ünïcode.parquet"), "n-code");
        assert_eq!(dataset_name(".csv"), "csv");
        assert_eq!(dataset_name("!!!.csv"), "dataset");
        assert_eq!(content_type("cars93.csv"), Some("text/csv"));
        assert_eq!(content_type("x.JSONL"), Some("application/x-ndjson"));
        assert_eq!(content_type("x.json"), Some("application/json"));
        assert_eq!(content_type("x.parquet"), Some("application/vnd.apache.parquet"));
        assert_eq!(content_type("x.xlsx"), None);
        assert_eq!(content_type("noext"), None);
    }

    #[test]
    fn the_contracts_schema_reads_with_roles_and_words() {
        let s: Schema = serde_json::from_value(json!({"columns": [
            {"name": "Price", "kind": {"type": "numeric", "min": 7.4, "max": 61.9, "median": 17.7, "integer": false},
             "missing": 0, "rows": 93, "distinct": 81, "role": "target", "note": null},
            {"name": "Make", "kind": {"type": "text"}, "missing": 0, "rows": 93, "distinct": 93,
             "role": {"excluded": "an identifier: every value differs"}, "note": "..."},
            {"name": "Type", "kind": {"type": "categorical", "categories": ["Small", "Midsize"], "counts": [21, 22]},
             "missing": 3, "rows": 93, "distinct": 6, "role": "feature", "note": null},
            {"name": "Cylinders", "kind": {"type": "numeric", "min": 3, "max": 8, "median": 4, "integer": true},
             "missing": 0, "rows": 93, "distinct": 5, "role": "feature", "note": null},
            {"name": "AirBags", "kind": {"type": "boolean"}, "role": "feature"}],
            "target": "Price", "task": "regression", "task_reason": "…", "rows": 93, "dropped": 0,
            "dropped_rows": [], "warnings": ["`Min.Price` looks like a leak"]}))
        .unwrap();
        let c = |n: &str| s.columns.iter().find(|c| c.name == n).unwrap();
        assert_eq!(c("Price").role(), Role::Target);
        assert_eq!(c("Make").role(), Role::Excluded("an identifier: every value differs".into()));
        assert_eq!(c("Type").role(), Role::Feature);
        assert_eq!(c("Price").kind_words(), "number 7.4 to 61.9");
        assert_eq!(c("Cylinders").kind_words(), "whole number 3 to 8");
        assert_eq!(c("Type").kind_words(), "category (2)");
        assert_eq!(c("AirBags").kind_words(), "yes/no");
        assert_eq!(c("Type").missing_words(), "3.2%");
        assert_eq!(c("AirBags").missing_words(), "–");
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn a_running_job_says_how_far_it_is() {
        let j: Job = serde_json::from_value(json!({"id": "ab", "dataset": "cars", "target": "Price", "name": null,
            "state": "running", "lines": ["a"], "status": "trying gbdt", "time_budget_secs": 20,
            "progress": {"tried": 7, "total": 18, "seconds_left": 12.5, "metric": "rmse",
                         "best": {"family": "gbdt", "params": "…", "score": 2.93}},
            "error": null, "created": 1764870000, "heartbeat": 1764870012, "evaluation": null, "published": []}))
        .unwrap();
        assert!(!j.finished());
        assert_eq!(j.tried_words(), "candidates tried 7 of 18");
        assert_eq!(j.best_words().as_deref(), Some("best so far: gbdt rmse 2.93"));
        assert_eq!(j.left_words().as_deref(), Some("13 s left"));
        assert!((j.spent() - 0.375).abs() < 1e-9);
        let q: Job = serde_json::from_value(json!({"id": "x", "state": "queued", "progress": null})).unwrap();
        assert_eq!((q.tried_words().as_str(), q.best_words(), q.spent()), ("no candidate tried yet", None, 0.0));
        let done: Job = serde_json::from_value(json!({"id": "x", "state": "succeeded"})).unwrap();
        assert!(done.finished());
        assert_eq!(done.spent(), 1.0);
        // A cancelled run's bar stays where it stopped; no metric yet reads as a score.
        let done: Job = serde_json::from_value(json!({"id": "x", "state": "cancelled", "time_budget_secs": 10,
            "progress": {"tried": 3, "total": 9, "seconds_left": 6, "metric": "", "best": {"family": "ridge", "score": 4.87}}}))
        .unwrap();
        assert!(done.finished());
        assert!((done.spent() - 0.4).abs() < 1e-9);
        assert_eq!(done.best_words().as_deref(), Some("best so far: ridge score 4.87"));
        assert_eq!(done.left_words(), None);
        assert_eq!(done.state_words(), "cancelled");
    }

    #[test]
    fn evaluations_of_both_tasks_read() {
        let r: Evaluation = serde_json::from_value(json!({"task": "regression", "target": "Price", "metric": "rmse",
            "higher_is_better": false, "rows": 93, "summary": "Typical error: ±2.1 Price",
            "leaderboard": [{"family": "gbdt", "params": "…", "score": 2.9, "std": 0.4, "fit_seconds": 0.3, "winner": true}],
            "importance": [{"field": "Horsepower", "share": 0.41}],
            "points": [[15.9, 16.2], [33.9, 30.1]], "mae": 2.1, "rmse": 2.9, "r2": 0.87}))
        .unwrap();
        assert!(!r.is_classification());
        assert_eq!(r.points[1], (33.9, 30.1));
        assert_eq!(r.headline(), "MAE 2.1 · RMSE 2.9 · R² 0.87 · 93 held-out rows");
        let c: Evaluation = serde_json::from_value(json!({"task": "classification", "metric": "log_loss",
            "classes": ["a", "b"], "confusion": [[5, 1], [0, 4]], "accuracy": 0.9,
            "roc": [{"class": "b", "auc": 0.95, "points": [[0, 0], [0.2, 0.9], [1, 1]]}]}))
        .unwrap();
        assert!(c.is_classification());
        assert_eq!(c.confusion[0], vec![5.0, 1.0]);
        assert_eq!(c.roc[0].points.len(), 3);
        assert_eq!(c.headline(), "accuracy 90%");
    }

    #[test]
    fn policies_and_decisions_read_and_write() {
        let p = Policy {
            dataset: "cars".into(),
            target: "Price".into(),
            alias: Some("prod".into()),
            every_secs: None,
            on_drift: true,
            margin: 0.02,
            time_budget_secs: 30.0,
            holdout_share: 0.2,
            exclude: names("Min.Price, Max.Price,"),
            categorical: vec![],
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["exclude"], json!(["Min.Price", "Max.Price"]));
        assert_eq!(v["every_secs"], Value::Null);
        assert_eq!(serde_json::from_value::<Policy>(v).unwrap(), p);
        let d: Decision = serde_json::from_value(json!({"id": "d1", "at": 1764870000, "trigger": "manual",
            "alias": "prod", "metric": "rmse", "margin": 0.02, "champion": {"version": 2, "score": 3.1},
            "challenger": {"version": 3, "score": 2.7}, "promoted": true, "version": 3,
            "reason": "the challenger's rmse 2.70 is 13% better", "by": "tok_x"}))
        .unwrap();
        assert_eq!(scored_words(&d.champion, &d.metric), "v2 (rmse 3.1)");
        assert_eq!(scored_words(&None, "rmse"), "–");
        assert!(d.promoted);
        // A challenger that lost was never published: no version.
        let lost: Decision = serde_json::from_value(json!({"trigger": "manual", "metric": "rmse",
            "champion": {"version": 1, "score": 2.51}, "challenger": {"version": null, "score": 4.9},
            "rows": 17, "promoted": false, "version": 1, "reason": "kept the champion", "job": "abc"}))
        .unwrap();
        assert_eq!(scored_words(&lost.challenger, &lost.metric), "not published (rmse 4.9)");
    }

    #[test]
    fn cells_read_as_text() {
        assert_eq!(cell(&json!(null)), "");
        assert_eq!(cell(&json!(15.9)), "15.9");
        assert_eq!(cell(&json!(200)), "200");
        assert_eq!(cell(&json!("Acura")), "Acura");
        assert_eq!(cell(&json!(true)), "yes");
    }
}
