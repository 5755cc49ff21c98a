//! Batch jobs: a big file predicted in the background with ONNX Runtime
//! ([`crate::batch`] streams it in chunks), kept in the store:
//!
//! ```text
//! jobs/{id}/job.json       the record: state, progress, heartbeat
//! jobs/{id}/input.{ext}    the uploaded (or referenced) rows
//! jobs/{id}/result.{ext}   the input rows with the outputs appended
//! jobs/{id}/errors.csv     rows that could not be predicted: row,field,reason
//! ```
//!
//! A running job's server rewrites its record every second (the
//! heartbeat). A job whose heartbeat is older than the stale time (its
//! server died) is started again from the beginning by any server, at
//! start-up and on a periodic sweep, up to [`MAX_ATTEMPTS`] times, then
//! marked failed. The result is uploaded before the record says
//! `succeeded`, so a job is never reported done without its file, and a
//! rerun overwrites nothing a reader could have seen half-written.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use object_store::path::Path as StorePath;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::api::{Rows, readable_model, rows_kind};
use super::auth::{Caller, Role};
use super::error::{ApiError, ApiResult};
use super::registry::now;
use crate::batch::{self, BatchFormat, BatchOptions, Predictor};

/// Runs of one job before it is given up.
pub const MAX_ATTEMPTS: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    fn finished(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed | JobState::Cancelled)
    }
    fn name(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub model: String,
    /// The version was fixed when the job was submitted.
    pub version: u64,
    pub state: JobState,
    pub input_format: String,
    pub output_format: String,
    /// `onnxruntime`, or `runtime` when ONNX Runtime is not installed.
    #[serde(default)]
    pub engine: Option<String>,
    pub rows_done: u64,
    pub rows_failed: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The token id that submitted it.
    pub owner: String,
    pub attempts: u32,
    pub created: u64,
    pub updated: u64,
    pub heartbeat: u64,
}

fn job_path(id: &str, file: &str) -> StorePath {
    StorePath::from_iter(["jobs", id, file])
}

fn format_of(name: &str) -> Result<BatchFormat> {
    BatchFormat::from_name(name).ok_or_else(|| anyhow!("unknown format {name}"))
}

/// The job runner of one server: at most `slots` jobs at once.
pub struct Jobs {
    slots: tokio::sync::Semaphore,
    /// Jobs running here, with their cancel flags.
    running: Mutex<std::collections::HashMap<String, Arc<AtomicBool>>>,
    pub stale_after: Duration,
    pub scratch: std::path::PathBuf,
}

impl Jobs {
    pub fn new(stale_after: Duration) -> Jobs {
        let scratch = std::env::temp_dir().join(format!("citizen-jobs-{}", std::process::id()));
        Jobs { slots: tokio::sync::Semaphore::new(1), running: Mutex::default(), stale_after, scratch }
    }
}

async fn load(state: &AppState, id: &str) -> Result<Option<(JobRecord, Option<String>)>> {
    match state.store.get(&job_path(id, "job.json")).await? {
        Some((bytes, etag)) => Ok(Some((serde_json::from_slice(&bytes).context("a job record is corrupt")?, etag))),
        None => Ok(None),
    }
}

async fn save(state: &AppState, job: &mut JobRecord) -> Result<()> {
    job.updated = now();
    state.store.put(&job_path(&job.id, "job.json"), serde_json::to_vec(job)?).await
}

fn check_id(id: &str) -> ApiResult<()> {
    if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("there is no job {id:?}")))
    }
}

/// Who may see a job: its owner, or a maker or admin; either way only if
/// the token may read the job's model.
fn may_see(caller: &Caller, job: &JobRecord) -> bool {
    caller.can_read(&job.model) && (job.owner == caller.id() || caller.0.role != Role::Reader)
}

/// The job, if the caller may see it ([`may_see`]).
async fn visible(state: &AppState, caller: &Caller, id: &str) -> ApiResult<(JobRecord, Option<String>)> {
    check_id(id)?;
    let (job, etag) = load(state, id).await?.ok_or_else(|| ApiError::not_found(format!("there is no job {id:?}")))?;
    if !may_see(caller, &job) {
        if job.owner != caller.id() {
            return Err(ApiError::forbidden("this job was submitted with another token"));
        }
        caller.read(&job.model)?;
    }
    Ok((job, etag))
}

#[derive(Deserialize)]
pub struct SubmitQuery {
    /// Output format: csv, jsonl or parquet (default: the input's).
    output: Option<String>,
}

#[derive(Deserialize)]
struct StoreInput {
    path: String,
}

pub async fn submit_latest(
    state: State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    q: Query<SubmitQuery>,
    body: Body,
) -> ApiResult<Response> {
    submit(state, headers, name, None, q, body).await
}

pub async fn submit_version(
    state: State<AppState>,
    headers: HeaderMap,
    Path((name, version)): Path<(String, String)>,
    q: Query<SubmitQuery>,
    body: Body,
) -> ApiResult<Response> {
    submit(state, headers, name, Some(version), q, body).await
}

/// Streams a request body to a local file, up to `limit` bytes.
pub async fn spool(body: Body, file: &std::path::Path, limit: u64) -> ApiResult<u64> {
    use tokio::io::AsyncWriteExt;
    let mut out = tokio::fs::File::create(file).await.map_err(ApiError::internal)?;
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("unreadable_body", format!("reading the upload: {e}")))?;
        total += chunk.len() as u64;
        if total > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the upload is larger than the batch limit of {limit} bytes"),
            ));
        }
        out.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    out.flush().await.map_err(ApiError::internal)?;
    Ok(total)
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    name: String,
    version: Option<String>,
    Query(q): Query<SubmitQuery>,
    body: Body,
) -> ApiResult<Response> {
    let (caller, loaded) = readable_model(&state, &headers, &name, version.as_deref()).await?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let key = idempotency_key(&headers)?;
    let id = match &key {
        Some(k) => keyed_id(caller.id(), k),
        None => super::registry::random_hex(16)?,
    };
    if key.is_some()
        && let Some((job, _)) = load(&state, &id).await?
    {
        return resubmitted(job, &loaded.name);
    }
    tokio::fs::create_dir_all(&state.jobs.scratch).await.map_err(ApiError::internal)?;
    let local = state.jobs.scratch.join(format!("{id}.upload"));
    let result = async {
        let (format, size) = if matches!(rows_kind(&headers), Ok(Rows::Json)) {
            // A file already in the store: only under datasets/ or uploads/.
            caller.make()?;
            let req: StoreInput = serde_json::from_slice(&super::api::read_body(body, 64 << 10).await?)
                .map_err(|e| ApiError::bad_request("invalid_json", format!("send {{\"path\": \"datasets/...\"}}: {e}")))?;
            let path = StorePath::parse(&req.path)
                .ok()
                .filter(|p| p.as_ref().starts_with("datasets/") || p.as_ref().starts_with("uploads/"))
                .filter(|_| !req.path.contains(".."))
                .ok_or_else(|| ApiError::bad_request("invalid_path", "a batch may read files under datasets/ or uploads/ of the store"))?;
            let format = BatchFormat::from_path(std::path::Path::new(&req.path)).ok_or_else(|| {
                ApiError::bad_request("invalid_path", "the file must end in .csv, .jsonl, .ndjson or .parquet")
            })?;
            if !state.store.get_file(&path, &local).await? {
                return Err(ApiError::not_found(format!("there is no file {:?} in the store", req.path)));
            }
            (format, tokio::fs::metadata(&local).await.map_err(ApiError::internal)?.len())
        } else {
            let format = BatchFormat::from_content_type(ct).ok_or_else(|| {
                ApiError::unsupported_media(format!(
                    "send the rows as text/csv, application/x-ndjson or application/vnd.apache.parquet (or application/json {{\"path\": ...}}), not {ct:?}"
                ))
            })?;
            (format, spool(body, &local, state.config.max_batch_bytes).await?)
        };
        let output = match &q.output {
            None => format,
            Some(o) => BatchFormat::from_name(o)
                .ok_or_else(|| ApiError::bad_request("invalid_format", format!("unknown output format {o:?}: csv, jsonl or parquet")))?,
        };
        state.store.put_file(&job_path(&id, &format!("input.{}", format.extension())), &local).await?;
        let t = now();
        let mut job = JobRecord {
            id: id.clone(),
            model: loaded.name.clone(),
            version: loaded.version,
            state: JobState::Queued,
            input_format: format.extension().into(),
            output_format: output.extension().into(),
            engine: None,
            rows_done: 0,
            rows_failed: 0,
            bytes_done: 0,
            bytes_total: size,
            error: None,
            owner: caller.id().to_string(),
            attempts: 0,
            created: t,
            updated: t,
            heartbeat: t,
        };
        if key.is_some() {
            // Two submissions with one key at once: the first record wins.
            let record = serde_json::to_vec(&job).map_err(ApiError::internal)?;
            if let super::store::Created::AlreadyExists = state.store.create(&job_path(&id, "job.json"), record).await? {
                let (existing, _) = load(&state, &id).await?.ok_or_else(|| ApiError::internal("a job record vanished"))?;
                return Ok((existing, false));
            }
        } else {
            save(&state, &mut job).await?;
        }
        Ok::<_, ApiError>((job, true))
    }
    .await;
    let _ = tokio::fs::remove_file(&local).await;
    let (job, new) = result?;
    if !new {
        return resubmitted(job, &loaded.name);
    }
    tracing::info!(job = %job.id, model = %job.model, version = job.version, bytes = job.bytes_total, "batch job queued");
    spawn(state.clone(), job.id.clone());
    let location = format!("/jobs/{}", job.id);
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(job)).into_response())
}

/// The answer to a keyed submission whose job already exists (a client
/// retrying after a lost answer): that job, or 409 when the key was used for
/// another model.
fn resubmitted(job: JobRecord, model: &str) -> ApiResult<Response> {
    if job.model != model {
        return Err(ApiError::conflict(format!(
            "this Idempotency-Key was used for job {} of model {}; use a new key for another submission",
            job.id, job.model
        )));
    }
    let location = format!("/jobs/{}", job.id);
    Ok((StatusCode::OK, [(header::LOCATION, location)], Json(job)).into_response())
}

/// The `Idempotency-Key` of a submission, if any: 1 to 128 letters, digits,
/// `-` or `_`. A client that retries with the same key gets the same job.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    let key = v.to_str().unwrap_or("");
    if key.is_empty() || key.len() > 128 || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')) {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "the Idempotency-Key header must be 1 to 128 letters, digits, `-` or `_`",
        ));
    }
    Ok(Some(key.to_string()))
}

/// A keyed submission's job id: the same for the same token and key, so a
/// retried submission finds its job instead of making a second one.
fn keyed_id(owner: &str, key: &str) -> String {
    use sha2::Digest as _;
    crate::http::hex(&sha2::Sha256::digest(format!("citizen-job\0{owner}\0{key}").as_bytes())[..16])
}

/// Starts a job's run in the background (it waits for a free slot). The
/// job counts as held by this server from now on, so the sweep leaves it be.
pub fn spawn(state: AppState, id: String) {
    let cancel = Arc::new(AtomicBool::new(false));
    match state.jobs.running.lock() {
        Ok(mut running) => {
            if running.contains_key(&id) {
                return;
            }
            running.insert(id.clone(), cancel.clone());
        }
        Err(_) => return,
    }
    tokio::spawn(async move {
        if let Err(e) = run(&state, &id, cancel).await {
            tracing::error!(job = %id, "batch job failed: {e:#}");
        }
        if let Ok(mut running) = state.jobs.running.lock() {
            running.remove(&id);
        }
    });
}

async fn run(state: &AppState, id: &str, cancel: Arc<AtomicBool>) -> Result<()> {
    // Waiting for a slot, the job's heartbeat goes on, so no other server takes it.
    let _slot = loop {
        tokio::select! {
            slot = state.jobs.slots.acquire() => break slot?,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                let Some((mut job, _)) = load(state, id).await? else { return Ok(()) };
                if job.state.finished() {
                    return Ok(());
                }
                job.heartbeat = now();
                save(state, &mut job).await?;
            }
        }
    };
    let Some((mut job, _)) = load(state, id).await? else { return Ok(()) };
    if job.state.finished() {
        return Ok(());
    }
    job.state = JobState::Running;
    job.attempts += 1;
    job.heartbeat = now();
    job.error = None;
    save(state, &mut job).await?;
    let outcome = execute(state, &mut job, cancel.clone()).await;
    // A cancel from another server shows in the stored record.
    let cancelled_elsewhere = load(state, id).await?.is_some_and(|(j, _)| j.state == JobState::Cancelled);
    match outcome {
        Ok(summary) => {
            job.rows_done = summary.rows_done;
            job.rows_failed = summary.rows_failed;
            job.bytes_done = job.bytes_total;
            job.state = JobState::Succeeded;
        }
        Err(_) if cancel.load(Ordering::Relaxed) || cancelled_elsewhere => {
            job.state = JobState::Cancelled;
        }
        Err(e) => {
            job.state = JobState::Failed;
            job.error = Some(format!("{e:#}"));
        }
    }
    job.heartbeat = now();
    save(state, &mut job).await?;
    state.metrics.job_finished(job.state.name());
    if job.state == JobState::Succeeded {
        state.metrics.rows(&job.model, job.rows_done as usize);
    }
    tracing::info!(job = %id, state = job.state.name(), rows = job.rows_done, failed = job.rows_failed, "batch job finished");
    Ok(())
}

async fn execute(state: &AppState, job: &mut JobRecord, cancel: Arc<AtomicBool>) -> Result<batch::Summary> {
    let loaded = state
        .models
        .get(&job.model, &super::registry::VersionRef::Number(job.version))
        .await
        .map_err(|e| anyhow!("{}", e.message))?;
    let (predictor, engine): (Arc<dyn Predictor + Send>, &str) = match loaded.ort().await {
        Ok(ort) => (ort, "onnxruntime"),
        Err(e) => {
            tracing::warn!(job = %job.id, "ONNX Runtime unavailable ({e:#}); the batch runs on the runtime");
            (Arc::new(loaded.model.clone()), "runtime")
        }
    };
    job.engine = Some(engine.into());
    let input_format = format_of(&job.input_format)?;
    let output_format = format_of(&job.output_format)?;
    let dir = state.jobs.scratch.join(&job.id);
    tokio::fs::create_dir_all(&dir).await?;
    let input = dir.join(format!("input.{}", input_format.extension()));
    let output = dir.join(format!("result.{}", output_format.extension()));
    let errors = dir.join("errors.csv");
    let result = async {
        if !state.store.get_file(&job_path(&job.id, &format!("input.{}", input_format.extension())), &input).await? {
            return Err(anyhow!("the job's input file is gone from the store"));
        }
        let progress = Arc::new(Mutex::new(batch::Progress::default()));
        let (p2, c2, i2, o2, e2) = (progress.clone(), cancel.clone(), input.clone(), output.clone(), errors.clone());
        let id = job.id.clone();
        let mut work = tokio::task::spawn_blocking(move || {
            let opts = BatchOptions {
                output: output_format,
                input_name: Some("the job's input".into()),
                errors_name: Some(format!("/jobs/{id}/errors")),
                ..Default::default()
            };
            batch::run_batch(predictor.as_ref(), &i2, input_format, &o2, &e2, &opts, &mut |p| {
                if let Ok(mut shared) = p2.lock() {
                    *shared = *p;
                }
                if c2.load(Ordering::Relaxed) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
            })
        });
        // The heartbeat: progress to the store every second; a cancel
        // written by another server stops the run.
        let summary = loop {
            tokio::select! {
                done = &mut work => break done.map_err(|e| anyhow!("the batch stopped: {e}"))??,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    if let Ok(p) = progress.lock() {
                        (job.rows_done, job.rows_failed, job.bytes_done) = (p.rows_done, p.rows_failed, p.bytes_done);
                    }
                    if load(state, &job.id).await.ok().flatten().is_some_and(|(j, _)| j.state == JobState::Cancelled) {
                        cancel.store(true, Ordering::Relaxed);
                    }
                    job.heartbeat = now();
                    save(state, job).await?;
                }
            }
        };
        state.store.put_file(&job_path(&job.id, "errors.csv"), &errors).await?;
        state.store.put_file(&job_path(&job.id, &format!("result.{}", output_format.extension())), &output).await?;
        Ok(summary)
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    result
}

/// Picks up jobs whose server stopped: at start-up, then every few seconds.
pub async fn recover(state: AppState) {
    loop {
        if let Err(e) = sweep(&state).await {
            tracing::warn!("looking for abandoned batch jobs: {e:#}");
        }
        tokio::time::sleep(state.jobs.stale_after.max(Duration::from_secs(1)) / 2).await;
    }
}

async fn sweep(state: &AppState) -> Result<()> {
    let (_, ids) = state.store.children(&StorePath::from("jobs")).await?;
    let stale = state.jobs.stale_after.as_secs();
    for id in ids {
        if state.jobs.running.lock().map_err(|_| anyhow!("poisoned"))?.contains_key(&id) {
            continue;
        }
        let Some((mut job, etag)) = load(state, &id).await? else { continue };
        if job.state.finished() || now().saturating_sub(job.heartbeat) < stale {
            continue;
        }
        // Claim it (conditionally where the store can), so one server restarts it.
        job.heartbeat = now();
        if job.attempts >= MAX_ATTEMPTS {
            job.state = JobState::Failed;
            job.error = Some(format!("its server stopped {} times while running it; not tried again", job.attempts));
        } else {
            job.state = JobState::Queued;
        }
        job.updated = now();
        if !state.store.replace(&job_path(&id, "job.json"), etag, serde_json::to_vec(&job)?).await? {
            continue;
        }
        tracing::warn!(job = %id, attempts = job.attempts, state = job.state.name(), "batch job abandoned by its server");
        if job.state == JobState::Queued {
            spawn(state.clone(), id);
        }
    }
    Ok(())
}

pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let caller = state.auth.caller(&headers).await?;
    let (_, ids) = state.store.children(&StorePath::from("jobs")).await?;
    let mut jobs = Vec::new();
    for id in ids {
        if let Some((job, _)) = load(&state, &id).await?
            && may_see(&caller, &job)
        {
            jobs.push(job);
        }
    }
    jobs.sort_by_key(|j| std::cmp::Reverse(j.created));
    Ok(Json(json!({ "jobs": jobs })))
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<JobRecord>> {
    let caller = state.auth.caller(&headers).await?;
    Ok(Json(visible(&state, &caller, &id).await?.0))
}

async fn file(state: AppState, headers: HeaderMap, id: String, errors: bool) -> ApiResult<Response> {
    let caller = state.auth.caller(&headers).await?;
    let (job, _) = visible(&state, &caller, &id).await?;
    if job.state != JobState::Succeeded {
        return Err(ApiError::conflict(format!(
            "job {id} is {}: its files come when it has succeeded",
            job.state.name()
        )));
    }
    let (name, ct) = if errors {
        ("errors.csv".to_string(), "text/csv")
    } else {
        let f = format_of(&job.output_format)?;
        (format!("result.{}", f.extension()), f.content_type())
    };
    let (size, stream) = state
        .store
        .get_stream(&job_path(&id, &name))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {id} has no {name}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (header::CONTENT_LENGTH, size.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}-{id}-{name}\"", job.model)),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

pub async fn result(State(s): State<AppState>, h: HeaderMap, Path(id): Path<String>) -> ApiResult<Response> {
    file(s, h, id, false).await
}

pub async fn errors(State(s): State<AppState>, h: HeaderMap, Path(id): Path<String>) -> ApiResult<Response> {
    file(s, h, id, true).await
}

/// Cancels a job that has not finished; deletes one that has.
pub async fn cancel(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> ApiResult<Response> {
    let caller = state.auth.caller(&headers).await?;
    let (mut job, _) = visible(&state, &caller, &id).await?;
    if job.state.finished() {
        for f in
            ["job.json", "errors.csv", &format!("input.{}", job.input_format), &format!("result.{}", job.output_format)]
        {
            state.store.delete(&job_path(&id, f)).await?;
        }
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if let Some(flag) = state.jobs.running.lock().map_err(ApiError::internal)?.get(&id) {
        flag.store(true, Ordering::Relaxed);
    }
    job.state = JobState::Cancelled;
    save(&state, &mut job).await?;
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}
