//! `POST /train`: a model trained on a dataset's curated table in the
//! background, its progress in the store (`train/{id}.json`, rewritten
//! every second: state, the search's lines, candidates tried and the best
//! so far), the trained file kept beside it (`train/{id}.onnx`) with its
//! held-out evaluation. With a `name` the winner is published at once;
//! without one (the studio's way) a maker looks at the evaluation and
//! publishes it with `POST /train/{id}/publish`. `DELETE /train/{id}`
//! leaves a marker in the store (`train/{id}.cancel`) that the server
//! running the job sees within a second, so cancelling works across
//! replicas. Retraining challengers (`lifecycle`) run as training jobs too.
//!
//! Unlike batch jobs, a training job whose server stops is not restarted:
//! the next server to start marks a job with a stale heartbeat failed, and
//! the maker submits it again (a search is bounded by its time budget).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use object_store::path::Path as StorePath;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::lifecycle::Challenge;
use super::registry::now;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainJob {
    pub id: String,
    pub dataset: String,
    pub target: String,
    /// The model's name in the registry: published when done. `None`: kept
    /// with the job until `POST /train/{id}/publish`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
    pub time_budget_secs: f64,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub categorical: Vec<String>,
    /// queued, running, succeeded, failed, cancelled.
    pub state: String,
    pub lines: Vec<String>,
    pub status: String,
    #[serde(default)]
    pub progress: Option<Progress>,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub error: Option<String>,
    pub owner: String,
    pub created: u64,
    pub heartbeat: u64,
    /// Held-out numbers and chart data (`trainer::evaluation::Evaluation`).
    #[serde(default)]
    pub evaluation: Option<Value>,
    #[serde(default)]
    pub published: Vec<Published>,
    /// A retraining challenger: the model and policy it challenges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenger: Option<Challenge>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Progress {
    pub tried: usize,
    pub total: usize,
    pub seconds_left: f64,
    pub metric: String,
    pub best: Option<Best>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Best {
    pub family: String,
    pub params: String,
    pub score: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Published {
    pub name: String,
    pub version: u64,
}

#[derive(Deserialize)]
pub struct TrainRequest {
    dataset: String,
    target: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    time_budget_secs: Option<f64>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    categorical: Vec<String>,
}

pub fn path(id: &str) -> StorePath {
    StorePath::from_iter(["train", &format!("{id}.json")])
}

fn model_path(id: &str) -> StorePath {
    StorePath::from_iter(["train", &format!("{id}.onnx")])
}

fn cancel_path(id: &str) -> StorePath {
    StorePath::from_iter(["train", &format!("{id}.cancel")])
}

async fn save(state: &AppState, job: &mut TrainJob) -> Result<()> {
    job.heartbeat = now();
    state.store.put(&path(&job.id), serde_json::to_vec(job)?).await
}

pub fn check_budget(budget: f64) -> ApiResult<()> {
    if budget > 0.0 && budget <= 3600.0 {
        Ok(())
    } else {
        Err(ApiError::bad_request("invalid_budget", "time_budget_secs must be more than 0 and at most 3600"))
    }
}

/// A new job record, queued.
pub fn new_job(
    dataset: String,
    target: String,
    time_budget_secs: f64,
    (exclude, categorical): (Vec<String>, Vec<String>),
    owner: &str,
) -> ApiResult<TrainJob> {
    let t = now();
    Ok(TrainJob {
        id: super::registry::random_hex(16)?,
        dataset,
        target,
        name: None,
        description: None,
        alias: None,
        time_budget_secs,
        exclude,
        categorical,
        state: "queued".into(),
        lines: vec![],
        status: String::new(),
        progress: None,
        version: None,
        error: None,
        owner: owner.into(),
        created: t,
        heartbeat: t,
        evaluation: None,
        published: vec![],
        challenger: None,
    })
}

pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    let caller = state.auth.caller(&headers).await?;
    caller.make()?;
    let req: TrainRequest = super::api::json_body(&headers, body, 16 << 10).await?;
    crate::lake::check_dataset_name(&req.dataset).map_err(|e| ApiError::bad_request("invalid_name", e.to_string()))?;
    if let Some(n) = &req.name {
        super::registry::check_name("model", n)?;
    }
    if let Some(a) = &req.alias {
        super::registry::check_alias(a)?;
    }
    let budget = req.time_budget_secs.unwrap_or(30.0);
    check_budget(budget)?;
    if state.lake.meta(&req.dataset).await?.is_none() {
        return Err(ApiError::not_found(format!("there is no dataset {:?}", req.dataset)));
    }
    let mut job = new_job(req.dataset, req.target, budget, (req.exclude, req.categorical), caller.id())?;
    job.name = req.name;
    job.description = req.description;
    job.alias = req.alias;
    start(&state, job.clone()).await?;
    let location = format!("/train/{}", job.id);
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(job)).into_response())
}

/// Saves the queued job and runs it in the background.
pub async fn start(state: &AppState, mut job: TrainJob) -> ApiResult<()> {
    save(state, &mut job).await?;
    let state = state.clone();
    tokio::spawn(async move {
        let outcome = run(&state, &mut job).await;
        let _ = state.store.delete(&cancel_path(&job.id)).await;
        if let Err(e) = outcome {
            let cancelled = matches!(e.downcast_ref::<trainer::TrainError>(), Some(trainer::TrainError::Cancelled));
            job.state = if cancelled { "cancelled" } else { "failed" }.into();
            job.status.clear();
            job.error = (!cancelled).then(|| format!("{e:#}"));
            tracing::info!(job = %job.id, state = %job.state, error = ?job.error, "training job stopped");
            let _ = save(&state, &mut job).await;
        }
    });
    Ok(())
}

/// A challenger's held-out rows, and how many of them its champion learned from.
type Held = (manifest::Table, Option<usize>);

/// What the search reports, shared between its thread and the job's saver.
#[derive(Default)]
struct Live {
    lines: Vec<String>,
    status: String,
    progress: Progress,
}

async fn run(state: &AppState, job: &mut TrainJob) -> Result<()> {
    job.state = "running".into();
    save(state, job).await?;
    let (_, bytes) = state.lake.table_bytes(&job.dataset).await?;
    let dir = crate::lake::table::tempdir("train")?;
    let file = dir.join(format!("{}.parquet", job.dataset));
    std::fs::write(&file, &bytes)?;
    let mut exclude = job.exclude.clone();
    exclude.extend([crate::lake::table::KEY.to_string(), crate::lake::table::HASH.to_string()]);
    let cancel = Arc::new(AtomicBool::new(false));
    let opts = trainer::search::Options {
        target: job.target.clone(),
        task: None,
        metric: None,
        time_budget: Duration::from_secs_f64(job.time_budget_secs),
        exclude,
        seed: 0,
        name: job
            .name
            .clone()
            .or_else(|| job.challenger.as_ref().map(|c| c.model.clone()))
            .unwrap_or_else(|| job.dataset.clone()),
        refit: true,
        categorical: job.categorical.clone(),
        cancel: Some(cancel.clone()),
    };
    let live = Arc::new(Mutex::new(Live::default()));
    let l2 = live.clone();
    // A challenger holds out the rows that came after its champion's training.
    let seen = match &job.challenger {
        Some(c) => super::lifecycle::champion_seen(state, c, &job.dataset).await,
        None => None,
    };
    let holdout_share = job.challenger.as_ref().map(|c| c.holdout_share);
    let started = Instant::now();
    let budget = job.time_budget_secs;
    let mut work = tokio::task::spawn_blocking(move || -> Result<(trainer::search::Trained, Option<Held>)> {
        let mut data = trainer::data::load(&file)?;
        // A challenger learns from all but the latest rows, on which it
        // and the champion are then compared.
        let holdout = holdout_share.map(|share| {
            let (rows, champion_saw) = super::lifecycle::holdout_rows(data.table.len(), share, seen);
            (data.split_off_latest(rows), champion_saw)
        });
        let trained = trainer::search::train(&data, &opts, &mut |p| {
            let Ok(mut s) = l2.lock() else { return };
            match p {
                trainer::search::Progress::Line(l) => s.lines.push(l.to_string()),
                trainer::search::Progress::Status(l) => s.status = l.to_string(),
                trainer::search::Progress::Tried { tried, total, best, metric } => {
                    s.progress.metric = metric.name().into();
                    s.progress.tried = tried;
                    s.progress.total = total;
                    s.progress.best =
                        best.map(|e| Best { family: e.family.into(), params: e.described(), score: e.mean });
                }
            }
        })?;
        Ok((trained, holdout))
    });
    let result = loop {
        tokio::select! {
            done = &mut work => break done.map_err(|e| anyhow!("training stopped: {e}"))?,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                if let Ok(s) = live.lock() {
                    job.lines = s.lines.clone();
                    job.status = s.status.clone();
                    let mut p = s.progress.clone();
                    p.seconds_left = (budget - started.elapsed().as_secs_f64()).max(0.0);
                    job.progress = Some(p);
                }
                if state.store.get(&cancel_path(&job.id)).await?.is_some() {
                    cancel.store(true, Ordering::Relaxed);
                }
                save(state, job).await?;
            }
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(s) = live.lock() {
        job.lines = s.lines.clone();
    }
    let (trained, holdout) = result?;
    if let Some(p) = job.progress.as_mut() {
        p.seconds_left = 0.0;
    }
    state.store.put(&model_path(&job.id), trained.bytes.clone()).await?;
    job.evaluation = Some(serde_json::to_value(&trained.evaluation)?);
    if let Some(name) = job.name.clone() {
        let bytes = renamed(&trained.bytes, &name, job.description.as_deref())?;
        let info = super::registry::Registry::new(state.store.clone())
            .publish(&name, bytes.into(), &job.owner, job.alias.as_deref())
            .await?;
        state.models.forget(&name);
        job.version = Some(info.version);
        job.published.push(Published { name, version: info.version });
    }
    if let (Some(c), Some((holdout, champion_saw))) = (job.challenger.clone(), holdout) {
        let decision = super::lifecycle::decide(state, job, &c, &trained, &holdout, champion_saw).await?;
        job.version = decision.version.filter(|_| decision.promoted);
        if let Some(v) = job.version {
            job.published.push(Published { name: c.model.clone(), version: v });
        }
    }
    job.state = "succeeded".into();
    job.status.clear();
    save(state, job).await?;
    tracing::info!(job = %job.id, version = ?job.version, "training job finished");
    Ok(())
}

/// The trained file under the name it is published as.
pub fn renamed(bytes: &[u8], name: &str, description: Option<&str>) -> Result<Vec<u8>> {
    trainer::onnx::renamed(bytes, name, description).map_err(|e| anyhow!("cannot rename the model: {e}"))
}

async fn load_job(state: &AppState, id: &str) -> ApiResult<TrainJob> {
    let missing = || ApiError::not_found(format!("there is no training job {id:?}"));
    if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let (b, _) = state.store.get(&path(id)).await?.ok_or_else(missing)?;
    serde_json::from_slice(&b).map_err(ApiError::internal)
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<TrainJob>> {
    state.auth.caller(&headers).await?.make()?;
    Ok(Json(load_job(&state, &id).await?))
}

/// `GET /train`: the caller's jobs (an admin's: everyone's), newest first,
/// without their lines and evaluation.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let caller = state.auth.caller(&headers).await?;
    caller.make()?;
    let admin = caller.admin().is_ok();
    let (files, _) = state.store.children(&StorePath::from("train")).await?;
    let mut jobs = Vec::new();
    for f in files {
        let Some(id) = f.strip_suffix(".json") else { continue };
        let Some((b, _)) = state.store.get(&path(id)).await? else { continue };
        let Ok(mut job) = serde_json::from_slice::<TrainJob>(&b) else { continue };
        if admin || job.owner == caller.id() {
            job.lines.clear();
            job.evaluation = None;
            jobs.push(job);
        }
    }
    jobs.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
    Ok(Json(json!({ "jobs": jobs })))
}

fn finished(job: &TrainJob) -> bool {
    matches!(job.state.as_str(), "succeeded" | "failed" | "cancelled")
}

/// `DELETE /train/{id}`: asks the server running the job to stop it.
pub async fn cancel(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Response> {
    state.auth.caller(&headers).await?.make()?;
    let job = load_job(&state, &id).await?;
    if finished(&job) {
        return Err(ApiError::conflict(format!("training job {id} has already {}", job.state)));
    }
    state.store.put(&cancel_path(&id), "cancel").await?;
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}

#[derive(Deserialize)]
pub struct PublishRequest {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    alias: Option<String>,
}

/// `POST /train/{id}/publish`: the job's model into the registry.
pub async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> ApiResult<Response> {
    let caller = state.auth.caller(&headers).await?;
    caller.make()?;
    let req: PublishRequest = super::api::json_body(&headers, body, 16 << 10).await?;
    super::registry::check_name("model", &req.name)?;
    if let Some(a) = &req.alias {
        super::registry::check_alias(a)?;
    }
    let mut job = load_job(&state, &id).await?;
    if job.state != "succeeded" {
        return Err(ApiError::conflict(format!(
            "training job {id} is {}: only a job that succeeded has a model to publish",
            job.state
        )));
    }
    let (bytes, _) = state
        .store
        .get(&model_path(&id))
        .await?
        .ok_or_else(|| ApiError::conflict(format!("training job {id} kept no model")))?;
    let description = req.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let bytes = renamed(&bytes, &req.name, description).map_err(ApiError::internal)?;
    let info = super::registry::Registry::new(state.store.clone())
        .publish(&req.name, bytes.into(), caller.id(), req.alias.as_deref())
        .await?;
    state.models.forget(&req.name);
    // Record it on the job (best effort: a concurrent publish may race this).
    job.published.push(Published { name: req.name.clone(), version: info.version });
    let _ = state.store.put(&path(&id), serde_json::to_vec(&job).map_err(ApiError::internal)?).await;
    tracing::info!(job = %id, model = %req.name, version = info.version, "trained model published");
    let mut out = serde_json::to_value(&info).map_err(ApiError::internal)?;
    out["name"] = json!(req.name);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// At start-up: jobs whose server stopped are marked failed.
pub async fn sweep(state: &AppState, stale: Duration) -> Result<()> {
    let (files, _) = state.store.children(&StorePath::from("train")).await?;
    for f in files {
        let Some(id) = f.strip_suffix(".json") else { continue };
        let Some((b, _)) = state.store.get(&path(id)).await? else { continue };
        let Ok(mut job) = serde_json::from_slice::<TrainJob>(&b) else { continue };
        if matches!(job.state.as_str(), "queued" | "running") && now().saturating_sub(job.heartbeat) >= stale.as_secs()
        {
            job.state = "failed".into();
            job.error = Some("its server stopped while training; submit it again".into());
            save(state, &mut job).await?;
        }
    }
    Ok(())
}
