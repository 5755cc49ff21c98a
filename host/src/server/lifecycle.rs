//! Retraining: a policy per model says on which dataset a challenger is
//! trained, when (every so many seconds, when the inputs drift, or on
//! `POST /models/{name}/retrain`) and by how much it must beat the champion
//! (the version the policy's alias points at) to replace it. Both are
//! scored on the same held-out rows: the latest rows of the dataset, which
//! the challenger did not learn from. Every decision, promotion or not, is
//! kept with its numbers (`lifecycle/{name}/decisions/`), and
//! `POST /models/{name}/rollback` moves the alias back to any version,
//! logged the same way.
//!
//! A server checks the policies every `policy_check` (`--policy-check`);
//! a replica claims a run by a conditional write of the model's run state,
//! so two replicas never train the same challenger.

use std::time::Duration;

use anyhow::{Result, anyhow};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use manifest::Table;
use object_store::path::Path as StorePath;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::registry::{Registry, VersionRef, now};
use super::train_jobs::TrainJob;

fn default_alias() -> String {
    "prod".into()
}
fn default_margin() -> f64 {
    0.02
}
fn default_budget() -> f64 {
    30.0
}
fn default_holdout() -> f64 {
    0.2
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub dataset: String,
    pub target: String,
    /// The alias apps follow; the champion is the version it points at
    /// (the latest version while it points nowhere).
    #[serde(default = "default_alias")]
    pub alias: String,
    /// Train a challenger this often (seconds); `None`: not on a schedule.
    #[serde(default)]
    pub every_secs: Option<u64>,
    /// Train a challenger when the champion's inputs drift and the dataset
    /// has changed since the last challenger.
    #[serde(default)]
    pub on_drift: bool,
    /// How much lower the challenger's error must be: 0.02 is 2% lower.
    #[serde(default = "default_margin")]
    pub margin: f64,
    #[serde(default = "default_budget")]
    pub time_budget_secs: f64,
    /// The share of the dataset's latest rows held out for the comparison.
    #[serde(default = "default_holdout")]
    pub holdout_share: f64,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub categorical: Vec<String>,
}

/// What a challenger job carries: whom it challenges, and on what terms.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Challenge {
    pub model: String,
    pub alias: String,
    pub trigger: String,
    pub margin: f64,
    pub holdout_share: f64,
    pub by: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Side {
    pub version: Option<u64>,
    /// The error on the held-out rows (`metric`); `None`: it could not predict them.
    pub score: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Decision {
    pub id: String,
    pub at: u64,
    /// manual, schedule, drift, rollback.
    pub trigger: String,
    pub alias: String,
    /// rmse (regression) or error_rate (classification); lower is better.
    pub metric: String,
    pub margin: f64,
    pub champion: Option<Side>,
    pub challenger: Option<Side>,
    /// Held-out rows both were scored on (those both could predict).
    #[serde(default)]
    pub rows: usize,
    pub promoted: bool,
    /// The version the alias points at after the decision.
    pub version: Option<u64>,
    pub reason: String,
    pub by: String,
    /// The challenger's training job.
    #[serde(default)]
    pub job: Option<String>,
}

/// Where the run of the next challenger is claimed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct RunState {
    last_run: u64,
    /// The dataset's state (ingests and events) the last challenger saw.
    last_data: String,
    job: Option<String>,
}

fn at(name: &str, rest: &[&str]) -> StorePath {
    let mut parts = vec!["lifecycle", name];
    parts.extend(rest);
    StorePath::from_iter(parts)
}

impl Policy {
    fn check(&self) -> ApiResult<()> {
        crate::lake::check_dataset_name(&self.dataset)
            .map_err(|e| ApiError::bad_request("invalid_name", e.to_string()))?;
        super::registry::check_alias(&self.alias)?;
        let bad = |m: &str| Err(ApiError::bad_request("invalid_policy", m.to_string()));
        if !(0.0..1.0).contains(&self.margin) {
            return bad("margin must be at least 0 and less than 1 (0.02 asks for a 2% lower error)");
        }
        if !(self.holdout_share > 0.0 && self.holdout_share <= 0.5) {
            return bad("holdout_share must be more than 0 and at most 0.5");
        }
        if self.every_secs == Some(0) {
            return bad("every_secs must be at least 1");
        }
        super::train_jobs::check_budget(self.time_budget_secs)
    }
}

async fn policy_of(state: &AppState, name: &str) -> Result<Option<Policy>> {
    match state.store.get(&at(name, &["policy.json"])).await? {
        Some((b, _)) => Ok(Some(serde_json::from_slice(&b)?)),
        None => Ok(None),
    }
}

/// A model the caller may manage: it exists and the caller is a maker.
async fn managed(state: &AppState, headers: &HeaderMap, name: &str) -> ApiResult<super::auth::Caller> {
    let caller = state.auth.caller(headers).await?;
    caller.make()?;
    super::registry::check_name("model", name)?;
    if Registry::new(state.store.clone()).entry(name).await?.is_none() {
        return Err(ApiError::not_found(format!("there is no model {name:?}")));
    }
    Ok(caller)
}

pub async fn get_policy(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Policy>> {
    managed(&state, &headers, &name).await?;
    let policy = policy_of(&state, &name).await?;
    Ok(Json(policy.ok_or_else(|| ApiError::not_found(format!("{name} has no retraining policy")))?))
}

pub async fn put_policy(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> ApiResult<Json<Policy>> {
    managed(&state, &headers, &name).await?;
    let policy: Policy = super::api::json_body(&headers, body, 16 << 10).await?;
    policy.check()?;
    if state.lake.meta(&policy.dataset).await?.is_none() {
        return Err(ApiError::not_found(format!("there is no dataset {:?}", policy.dataset)));
    }
    state.store.put(&at(&name, &["policy.json"]), serde_json::to_vec(&policy).map_err(ApiError::internal)?).await?;
    tracing::info!(model = %name, ?policy, "retraining policy set");
    Ok(Json(policy))
}

pub async fn retrain(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    let caller = managed(&state, &headers, &name).await?;
    let policy = policy_of(&state, &name)
        .await?
        .ok_or_else(|| ApiError::conflict(format!("{name} has no retraining policy: set one first")))?;
    let job = challenge(&state, &name, &policy, "manual", caller.id()).await?;
    let run =
        RunState { last_run: now(), last_data: data_state(&state, &policy.dataset).await?, job: Some(job.clone()) };
    state.store.put(&at(&name, &["state.json"]), serde_json::to_vec(&run).map_err(ApiError::internal)?).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job, "location": format!("/train/{job}") }))).into_response())
}

/// Starts a challenger's training job; returns its id.
async fn challenge(state: &AppState, name: &str, policy: &Policy, trigger: &str, by: &str) -> ApiResult<String> {
    let columns = (policy.exclude.clone(), policy.categorical.clone());
    let mut job = super::train_jobs::new_job(
        policy.dataset.clone(),
        policy.target.clone(),
        policy.time_budget_secs,
        columns,
        by,
    )?;
    job.challenger = Some(Challenge {
        model: name.to_string(),
        alias: policy.alias.clone(),
        trigger: trigger.to_string(),
        margin: policy.margin,
        holdout_share: policy.holdout_share,
        by: by.to_string(),
    });
    let id = job.id.clone();
    super::train_jobs::start(state, job).await?;
    tracing::info!(model = %name, job = %id, trigger, "challenger training started");
    Ok(id)
}

async fn data_state(state: &AppState, dataset: &str) -> Result<String> {
    let (info, _) = state.lake.table_bytes(dataset).await?;
    Ok(format!("{}/{}", info.ingest_seq, info.events_through))
}

/// Each row's error for a model file: the squared error for numbers, 0 or
/// 1 for a wrong label; `None` for a row without a target value or one the
/// model refuses (a category it never saw). Also the metric's name.
fn row_errors(bytes: &[u8], rows: &Table, target: &str) -> Result<(&'static str, Vec<Option<f64>>)> {
    let model = runtime_wasm::Model::load(bytes)?;
    let m = model.manifest().ok_or_else(|| anyhow!("the model has no manifest"))?;
    let output = m.signature.outputs.first().ok_or_else(|| anyhow!("the model has no outputs"))?.name.clone();
    let regression = m.task == manifest::Task::Regression;
    let t = rows.column(target).ok_or_else(|| anyhow!("the held-out rows have no column {target:?}"))?;
    // All rows at once; row by row when some are refused.
    let predicted: Vec<Option<serde_json::Map<String, Value>>> = match model.predict(rows) {
        Ok(p) => p.json_rows().into_iter().map(Some).collect(),
        Err(_) => (0..rows.len())
            .map(|r| {
                let mut one = Table::new(rows.columns().to_vec());
                one.push_row(rows.row(r).to_vec()).ok()?;
                model.predict(&one).ok().and_then(|p| p.json_rows().into_iter().next())
            })
            .collect(),
    };
    let errors = predicted
        .iter()
        .enumerate()
        .map(|(r, p)| {
            let (actual, p) = (&rows.row(r)[t], p.as_ref()?);
            if actual.is_missing() {
                return None;
            }
            Some(if regression {
                (actual.as_f64()? - p.get(&output)?.as_f64()?).powi(2)
            } else {
                let label = match p.get(&output)? {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                f64::from(u8::from(label != actual.to_string()))
            })
        })
        .collect();
    Ok((if regression { "rmse" } else { "error_rate" }, errors))
}

/// The metric over the rows where every error is known: the root mean of
/// squared errors, or the mean of wrong labels. `None`: no such row.
fn score(metric: &str, errors: &[Option<f64>], common: &[usize]) -> Option<f64> {
    let v: Vec<f64> = common.iter().filter_map(|&i| errors[i]).collect();
    if v.is_empty() {
        return None;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    Some(if metric == "rmse" { mean.sqrt() } else { mean })
}

/// How many of a dataset's latest rows (of `n`) a challenger holds out:
/// every row that came after the champion learned from `seen` rows of this
/// dataset, and at least `share` of them. Also how many of those the
/// champion learned from (`None`: unknown, it was trained elsewhere).
pub fn holdout_rows(n: usize, share: f64, seen: Option<u64>) -> (usize, Option<usize>) {
    let by_share = (n as f64 * share).round() as usize;
    match seen {
        Some(s) if (s as usize) < n => {
            let new = n - s as usize;
            let held = new.max(by_share);
            (held, Some(held - new))
        }
        Some(_) => (by_share, Some(by_share)),
        None => (by_share, None),
    }
}

/// How many rows of `dataset` the champion of `c` learned from, when it
/// was trained on that dataset (by a training job).
pub async fn champion_seen(state: &AppState, c: &Challenge, dataset: &str) -> Option<u64> {
    let l = match state.models.get(&c.model, &VersionRef::Alias(c.alias.clone())).await {
        Ok(l) => l,
        Err(_) => state.models.get(&c.model, &VersionRef::Alias("latest".into())).await.ok()?,
    };
    let fp = l.manifest.training_data.as_ref()?;
    (fp.source == format!("{dataset}.parquet")).then_some(fp.rows)
}

/// After a challenger's training: score champion and challenger on the
/// held-out rows, promote the challenger if it wins by the margin, and log
/// the decision.
pub async fn decide(
    state: &AppState,
    job: &TrainJob,
    c: &Challenge,
    trained: &trainer::search::Trained,
    holdout: &Table,
    champion_saw: Option<usize>,
) -> Result<Decision> {
    let registry = Registry::new(state.store.clone());
    let champion = match registry.resolve(&c.model, &VersionRef::Alias(c.alias.clone())).await? {
        Some(v) => Some(v),
        None => registry.resolve(&c.model, &VersionRef::Alias("latest".into())).await?,
    };
    let champion_bytes = match champion {
        Some(v) => registry.model_bytes(&c.model, v).await?,
        None => None,
    };
    let challenger_bytes = super::train_jobs::renamed(&trained.bytes, &c.model, None)?;
    let (rows, target) = (holdout.clone(), job.target.clone());
    let cb = challenger_bytes.clone();
    let (champ, chall) = tokio::task::spawn_blocking(move || {
        let champ = champion_bytes.map(|b| row_errors(&b, &rows, &target));
        (champ, row_errors(&cb, &rows, &target))
    })
    .await?;
    let (metric, chall) = chall?;
    let champ = match champ {
        Some(Ok((_, e))) => Some(e),
        Some(Err(e)) => {
            tracing::warn!(model = %c.model, error = %format!("{e:#}"), "the champion cannot be scored");
            None
        }
        None => None,
    };
    // Both are scored on the rows both could predict.
    let common: Vec<usize> =
        (0..chall.len()).filter(|&i| chall[i].is_some() && champ.as_ref().is_none_or(|c| c[i].is_some())).collect();
    let refused = |e: &[Option<f64>]| (0..holdout.len()).filter(|&i| e[i].is_none()).count();
    let challenger_score = score(metric, &chall, &common)
        .ok_or_else(|| anyhow!("the challenger could not predict any of the {} held-out rows", holdout.len()))?;
    let champion_score = champ.as_ref().and_then(|e| score(metric, e, &common));
    let mut notes = Vec::new();
    for (who, e) in [("challenger", Some(&chall)), ("champion", champ.as_ref())] {
        if let Some(e) = e
            && refused(e) > 0
        {
            notes.push(format!("the {who} could not predict {} of the {} held-out rows", refused(e), holdout.len()));
        }
    }
    match champion_saw {
        Some(0) => {}
        Some(k) => notes.push(format!("the champion learned from {k} of the held-out rows, which favours it")),
        None => notes.push("the champion was trained on other data; it may have seen some held-out rows".into()),
    }
    let metric = metric.to_string();
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let (promoted, reason) = match champion_score {
        None if champion.is_none() => (true, "there was no champion".to_string()),
        None => (true, format!("the champion (version {}) cannot predict the held-out rows", champion.unwrap_or(0))),
        Some(old) => {
            let gain = if old > 0.0 { (old - challenger_score) / old } else { 0.0 };
            let words = if gain >= 0.0 { format!("{} lower", pct(gain)) } else { format!("{} higher", pct(-gain)) };
            let promoted = old > 0.0 && challenger_score <= old * (1.0 - c.margin) && gain > 0.0;
            let verdict = if promoted { "promoted" } else { "kept the champion" };
            (
                promoted,
                format!(
                    "the challenger's {metric} {:.4} is {words} than the champion's {old:.4} (margin {}): {verdict}",
                    challenger_score,
                    pct(c.margin)
                ),
            )
        }
    };
    let reason = if notes.is_empty() { reason } else { format!("{reason} ({})", notes.join("; ")) };
    let version = if promoted {
        let info = registry.publish(&c.model, challenger_bytes.into(), &c.by, Some(&c.alias)).await?;
        state.models.forget(&c.model);
        Some(info.version)
    } else {
        champion
    };
    let decision = Decision {
        id: super::registry::random_hex(8)?,
        at: now(),
        trigger: c.trigger.clone(),
        alias: c.alias.clone(),
        metric,
        margin: c.margin,
        champion: champion.map(|v| Side { version: Some(v), score: champion_score }),
        challenger: Some(Side { version: version.filter(|_| promoted), score: Some(challenger_score) }),
        rows: common.len(),
        promoted,
        version,
        reason,
        by: c.by.clone(),
        job: Some(job.id.clone()),
    };
    log(state, &c.model, &decision).await?;
    tracing::info!(model = %c.model, promoted, reason = %decision.reason, "retraining decision");
    Ok(decision)
}

async fn log(state: &AppState, name: &str, d: &Decision) -> Result<()> {
    let file = format!("{:012}-{}.json", d.at, d.id);
    state.store.put(&at(name, &["decisions", &file]), serde_json::to_vec(d)?).await?;
    state.metrics.decision(name, &d.trigger, d.promoted);
    Ok(())
}

pub async fn decisions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    managed(&state, &headers, &name).await?;
    let (files, _) = state.store.children(&at(&name, &["decisions"])).await?;
    let mut out: Vec<Decision> = Vec::new();
    for f in files {
        if let Some((b, _)) = state.store.get(&at(&name, &["decisions", &f])).await?
            && let Ok(d) = serde_json::from_slice(&b)
        {
            out.push(d);
        }
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    Ok(Json(json!({ "decisions": out })))
}

#[derive(Deserialize)]
pub struct Rollback {
    version: u64,
    #[serde(default)]
    alias: Option<String>,
}

/// `POST /models/{name}/rollback`: the alias back to an earlier version.
pub async fn rollback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> ApiResult<Json<Decision>> {
    let caller = managed(&state, &headers, &name).await?;
    let req: Rollback = super::api::json_body(&headers, body, 4096).await?;
    let policy = policy_of(&state, &name).await?;
    let alias = req.alias.or_else(|| policy.as_ref().map(|p| p.alias.clone())).unwrap_or_else(default_alias);
    super::registry::check_alias(&alias)?;
    let registry = Registry::new(state.store.clone());
    // What was served before: the alias's version, or the latest while it named none.
    let before = match registry.resolve(&name, &VersionRef::Alias(alias.clone())).await? {
        Some(v) => Some(v),
        None => registry.resolve(&name, &VersionRef::Alias("latest".into())).await?,
    };
    if !registry.set_alias(&name, &alias, req.version).await? {
        return Err(ApiError::not_found(format!("{name} has no version {}", req.version)));
    }
    state.models.forget(&name);
    let decision = Decision {
        id: super::registry::random_hex(8)?,
        at: now(),
        trigger: "rollback".into(),
        alias: alias.clone(),
        metric: String::new(),
        margin: 0.0,
        champion: before.map(|v| Side { version: Some(v), score: None }),
        challenger: None,
        rows: 0,
        promoted: true,
        version: Some(req.version),
        reason: match before {
            Some(v) => format!("{alias} moved from version {v} to version {}", req.version),
            None => format!("{alias} set to version {}", req.version),
        },
        by: caller.id().to_string(),
        job: None,
    };
    log(&state, &name, &decision).await?;
    tracing::info!(model = %name, alias, version = req.version, "rolled back");
    Ok(Json(decision))
}

/// Checks every policy once: trains a challenger for each model that is
/// due (schedule) or whose inputs drifted on data it has not trained on.
pub async fn check_policies(state: &AppState) -> Result<()> {
    let (_, models) = state.store.children(&StorePath::from("lifecycle")).await?;
    for name in models {
        let Some(policy) = policy_of(state, &name).await? else { continue };
        let state_path = at(&name, &["state.json"]);
        let (run, etag) = match state.store.get(&state_path).await? {
            Some((b, etag)) => (serde_json::from_slice::<RunState>(&b).unwrap_or_default(), etag),
            None => (RunState::default(), None),
        };
        if let Some(id) = &run.job
            && let Some((b, _)) = state.store.get(&super::train_jobs::path(id)).await?
            && let Ok(j) = serde_json::from_slice::<TrainJob>(&b)
            && matches!(j.state.as_str(), "queued" | "running")
        {
            continue;
        }
        let data = data_state(state, &policy.dataset).await?;
        let due = policy.every_secs.is_some_and(|every| now().saturating_sub(run.last_run) >= every);
        let trigger = if due {
            Some("schedule")
        } else if policy.on_drift && data != run.last_data && drifted(state, &name, &policy).await? {
            Some("drift")
        } else {
            None
        };
        let Some(trigger) = trigger else { continue };
        // Claim the run: only one replica's conditional write succeeds.
        let claim = RunState { last_run: now(), last_data: data, job: None };
        let bytes = serde_json::to_vec(&claim)?;
        let claimed = match etag {
            Some(e) => state.store.replace(&state_path, Some(e), bytes).await?,
            None => matches!(state.store.create(&state_path, bytes).await?, super::store::Created::Yes),
        };
        if !claimed {
            continue;
        }
        let job = challenge(state, &name, &policy, trigger, "policy").await.map_err(|e| anyhow!("{}", e.message))?;
        let run = RunState { job: Some(job), ..claim };
        state.store.put(&state_path, serde_json::to_vec(&run)?).await?;
    }
    Ok(())
}

/// Whether the champion's inputs drifted: in the recent prediction
/// requests when there are enough of them, else in the dataset.
async fn drifted(state: &AppState, name: &str, policy: &Policy) -> Result<bool> {
    let l = match state.models.get(name, &VersionRef::Alias(policy.alias.clone())).await {
        Ok(l) => l,
        Err(_) => {
            state.models.get(name, &VersionRef::Alias("latest".into())).await.map_err(|e| anyhow!("{}", e.message))?
        }
    };
    let recent = state.recent.table(name)?;
    let table = if recent.len() >= manifest::drift::MIN_ROWS {
        recent
    } else {
        super::drift::dataset_table(state, &policy.dataset).await.map_err(|e| anyhow!("{}", e.message))?
    };
    let Some(report) = manifest::drift::table_drift(&l.manifest, &table) else { return Ok(false) };
    let psi: Vec<(String, f64)> = report.fields.iter().map(|f| (f.name.clone(), f.psi)).collect();
    state.metrics.drift(name, report.drifted, &psi);
    Ok(report.drifted)
}

/// Checks the policies every `every`, for as long as the server runs.
pub async fn scheduler(state: AppState, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = check_policies(&state).await {
            tracing::warn!(error = %format!("{e:#}"), "checking the retraining policies failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::holdout_rows;

    #[test]
    fn the_holdout_is_the_rows_the_champion_did_not_see_and_at_least_the_share() {
        // 100 new rows after the champion's 400: all of them, none seen.
        assert_eq!(holdout_rows(500, 0.1, Some(400)), (100, Some(0)));
        // 5 new rows: the share (50), of which the champion saw 45.
        assert_eq!(holdout_rows(500, 0.1, Some(495)), (50, Some(45)));
        // Nothing new: the share, all seen; trained elsewhere: unknown.
        assert_eq!(holdout_rows(500, 0.1, Some(500)), (50, Some(50)));
        assert_eq!(holdout_rows(500, 0.1, None), (50, None));
    }
}
