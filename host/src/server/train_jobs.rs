//! `POST /train`: a model trained on a dataset's curated table in the
//! background, its progress in the store (`train/{id}.json`, rewritten
//! every second: state, the search's lines, the live status), the winner
//! published to the registry under the asked name (and alias).
//!
//! Unlike batch jobs, a training job whose server stops is not restarted:
//! the next server to start marks a job with a stale heartbeat failed, and
//! the maker submits it again (a search is bounded by its time budget).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Result, anyhow};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use object_store::path::Path as StorePath;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::registry::now;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainJob {
    pub id: String,
    pub dataset: String,
    pub target: String,
    /// The model's name in the registry.
    pub name: String,
    #[serde(default)]
    pub alias: Option<String>,
    pub time_budget_secs: f64,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// queued, running, succeeded, failed.
    pub state: String,
    pub lines: Vec<String>,
    pub status: String,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub error: Option<String>,
    pub owner: String,
    pub created: u64,
    pub heartbeat: u64,
}

#[derive(Deserialize)]
pub struct TrainRequest {
    dataset: String,
    target: String,
    name: String,
    #[serde(default)]
    alias: Option<String>,
    #[serde(default)]
    time_budget_secs: Option<f64>,
    #[serde(default)]
    exclude: Vec<String>,
}

fn path(id: &str) -> StorePath {
    StorePath::from_iter(["train", &format!("{id}.json")])
}

async fn save(state: &AppState, job: &mut TrainJob) -> Result<()> {
    job.heartbeat = now();
    state.store.put(&path(&job.id), serde_json::to_vec(job)?).await
}

pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    let caller = state.auth.caller(&headers).await?;
    caller.make()?;
    let req: TrainRequest = super::api::json_body(&headers, body, 16 << 10).await?;
    crate::lake::check_dataset_name(&req.dataset).map_err(|e| ApiError::bad_request("invalid_name", e.to_string()))?;
    super::registry::check_name("model", &req.name)?;
    if let Some(a) = &req.alias {
        super::registry::check_alias(a)?;
    }
    let budget = req.time_budget_secs.unwrap_or(30.0);
    if !(budget > 0.0 && budget <= 3600.0) {
        return Err(ApiError::bad_request("invalid_budget", "time_budget_secs must be more than 0 and at most 3600"));
    }
    if state.lake.meta(&req.dataset).await?.is_none() {
        return Err(ApiError::not_found(format!("there is no dataset {:?}", req.dataset)));
    }
    let t = now();
    let mut job = TrainJob {
        id: super::registry::random_hex(16)?,
        dataset: req.dataset,
        target: req.target,
        name: req.name,
        alias: req.alias,
        time_budget_secs: budget,
        exclude: req.exclude,
        state: "queued".into(),
        lines: vec![],
        status: String::new(),
        version: None,
        error: None,
        owner: caller.id().into(),
        created: t,
        heartbeat: t,
    };
    save(&state, &mut job).await?;
    let (s2, mut j2) = (state.clone(), job.clone());
    tokio::spawn(async move {
        if let Err(e) = run(&s2, &mut j2).await {
            j2.state = "failed".into();
            j2.error = Some(format!("{e:#}"));
            let _ = save(&s2, &mut j2).await;
        }
    });
    let location = format!("/train/{}", job.id);
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(job)).into_response())
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
    let opts = trainer::search::Options {
        target: job.target.clone(),
        task: None,
        metric: None,
        time_budget: Duration::from_secs_f64(job.time_budget_secs),
        exclude,
        seed: 0,
        name: job.name.clone(),
        refit: true,
    };
    let shared = Arc::new(Mutex::new((Vec::<String>::new(), String::new())));
    let s2 = shared.clone();
    let mut work = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
        let data = trainer::data::load(&file)?;
        let trained = trainer::search::train(&data, &opts, &mut |p| {
            if let Ok(mut s) = s2.lock() {
                match p {
                    trainer::search::Progress::Line(l) => s.0.push(l.to_string()),
                    trainer::search::Progress::Status(l) => s.1 = l.to_string(),
                }
            }
        })?;
        Ok(trained.bytes)
    });
    let result = loop {
        tokio::select! {
            done = &mut work => break done.map_err(|e| anyhow!("training stopped: {e}"))?,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                if let Ok(s) = shared.lock() {
                    job.lines = s.0.clone();
                    job.status = s.1.clone();
                }
                save(state, job).await?;
            }
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(s) = shared.lock() {
        job.lines = s.0.clone();
    }
    let model = result?;
    let info = super::registry::Registry::new(state.store.clone())
        .publish(&job.name, model.into(), &job.owner, job.alias.as_deref())
        .await?;
    state.models.forget(&job.name);
    job.version = Some(info.version);
    job.state = "succeeded".into();
    job.status.clear();
    save(state, job).await?;
    tracing::info!(job = %job.id, model = %job.name, version = info.version, "training job finished");
    Ok(())
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<TrainJob>> {
    state.auth.caller(&headers).await?.make()?;
    if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::not_found(format!("there is no training job {id:?}")));
    }
    let (b, _) = state
        .store
        .get(&path(&id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no training job {id:?}")))?;
    Ok(Json(serde_json::from_slice(&b).map_err(ApiError::internal)?))
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
