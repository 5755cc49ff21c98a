//! Work the edge forwards to the cloud: a batch too big to predict here
//! (its estimated cost is over the local budget) or for a model the edge
//! does not hold.
//!
//! A forwarded batch is written to the outbox folder (`{id}.body`, then its
//! record `{id}.json`, each atomically and flushed to disk) before the
//! caller gets its job id, so an acknowledged batch survives a crash. A
//! sender delivers queued batches in the order they came, as submissions to
//! the cloud's batch endpoint with `Idempotency-Key: {id}`: the cloud
//! answers a repeated key with the job it already made, so a batch sent
//! again after a crash (between the cloud's answer and the edge recording
//! it) is never run twice. While the cloud is unreachable the sender backs
//! off (1 s doubling to 30 s, cut short when the model sync reaches the
//! cloud again) and keeps the order; a batch the cloud refuses
//! (4xx: an unknown model, a token without access) is marked refused with
//! the cloud's message and not retried.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::sync::Cloud;
use crate::http::metrics::Metrics;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForwardState {
    /// On the edge's disk, waiting for the cloud.
    Queued,
    /// The cloud accepted it as `cloud_job`.
    Forwarded,
    /// The cloud refused it (see `error`).
    Refused,
}

/// One forwarded batch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Forward {
    pub id: String,
    pub model: String,
    pub version: Option<u64>,
    /// The body's media type, as the caller sent it.
    pub content_type: String,
    /// The result's format (`csv`, `jsonl`, `parquet`), when asked.
    pub output: Option<String>,
    pub rows: u64,
    pub bytes: u64,
    /// Why it went to the cloud, in words.
    pub reason: String,
    pub state: ForwardState,
    pub cloud_job: Option<String>,
    pub error: Option<String>,
    /// Delivery attempts that did not reach the cloud.
    pub attempts: u32,
    /// Milliseconds since the Unix epoch.
    pub created: u64,
    pub forwarded: Option<u64>,
}

/// What [`Outbox::enqueue`] is given.
pub struct Batch {
    pub model: String,
    pub version: Option<u64>,
    pub content_type: String,
    pub output: Option<String>,
    pub rows: u64,
    pub reason: String,
}

pub struct Outbox {
    dir: PathBuf,
    pub cloud: Arc<Cloud>,
    metrics: Arc<Metrics>,
    wake: tokio::sync::Notify,
    /// One writer of records at a time (the sender and the handlers).
    records: std::sync::Mutex<()>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Edge job ids: 32 hex digits.
pub fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())
}

impl Outbox {
    /// Opens the outbox folder; leftovers of a crash (a body whose record
    /// was never written, so its caller got no id; temporary files) go.
    pub fn open(dir: &Path, cloud: Arc<Cloud>, metrics: Arc<Metrics>) -> Result<Outbox> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for e in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let orphan = name.strip_suffix(".body").is_some_and(|id| !dir.join(format!("{id}.json")).exists());
            if orphan || name.starts_with('.') {
                let _ = std::fs::remove_file(e.path());
            }
        }
        Ok(Outbox { dir: dir.to_path_buf(), cloud, metrics, wake: Default::default(), records: Default::default() })
    }

    fn record_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn body_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.body"))
    }

    fn write(&self, f: &Forward) -> Result<()> {
        let _guard = self.records.lock().unwrap_or_else(|p| p.into_inner());
        crate::files::write_atomically(&self.record_path(&f.id), &serde_json::to_vec_pretty(f)?)
    }

    /// Puts a batch on disk; once this returns, it will reach the cloud.
    pub fn enqueue(&self, batch: Batch, body: &[u8]) -> Result<Forward> {
        let id = crate::http::random_hex(16)?;
        crate::files::write_atomically(&self.body_path(&id), body)?;
        let f = Forward {
            id,
            model: batch.model,
            version: batch.version,
            content_type: batch.content_type,
            output: batch.output,
            rows: batch.rows,
            bytes: body.len() as u64,
            reason: batch.reason,
            state: ForwardState::Queued,
            cloud_job: None,
            error: None,
            attempts: 0,
            created: now_ms(),
            forwarded: None,
        };
        if let Err(e) = self.write(&f) {
            let _ = std::fs::remove_file(self.body_path(&f.id));
            return Err(e);
        }
        self.wake.notify_one();
        Ok(f)
    }

    pub fn get(&self, id: &str) -> Result<Option<Forward>> {
        if !valid_id(id) {
            return Ok(None);
        }
        match std::fs::read(self.record_path(id)) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).with_context(|| format!("edge job {id}"))?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow!("reading edge job {id}: {e}")),
        }
    }

    /// Every record, oldest first.
    pub fn list(&self) -> Result<Vec<Forward>> {
        let mut all = Vec::new();
        for e in std::fs::read_dir(&self.dir)?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".json").filter(|id| valid_id(id))
                && let Some(f) = self.get(id)?
            {
                all.push(f);
            }
        }
        all.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        Ok(all)
    }

    /// Delivers what is queued, oldest first; stops at the first batch the
    /// cloud cannot take now (it is down), so the order is kept.
    async fn deliver(&self) -> Result<bool> {
        let queued: Vec<Forward> = self.list()?.into_iter().filter(|f| f.state == ForwardState::Queued).collect();
        for mut f in queued {
            let body = match std::fs::read(self.body_path(&f.id)) {
                Ok(b) => b,
                Err(e) => {
                    f.state = ForwardState::Refused;
                    f.error = Some(format!("the queued rows could not be read: {e}"));
                    self.write(&f)?;
                    self.metrics.forwarded("refused");
                    continue;
                }
            };
            match self.cloud.submit_batch(&f, body).await {
                Ok(Submitted::Accepted(job)) => {
                    f.state = ForwardState::Forwarded;
                    f.cloud_job = job["id"].as_str().map(str::to_string);
                    f.forwarded = Some(now_ms());
                    f.error = None;
                    self.write(&f)?;
                    let _ = std::fs::remove_file(self.body_path(&f.id));
                    self.metrics.forwarded("forwarded");
                    tracing::info!(job = %f.id, cloud_job = ?f.cloud_job, rows = f.rows, "forwarded to the cloud");
                }
                Ok(Submitted::Refused(message)) => {
                    f.state = ForwardState::Refused;
                    f.error = Some(message);
                    self.write(&f)?;
                    let _ = std::fs::remove_file(self.body_path(&f.id));
                    self.metrics.forwarded("refused");
                    tracing::warn!(job = %f.id, "the cloud refused a forwarded batch: {:?}", f.error);
                }
                Err(e) => {
                    f.attempts += 1;
                    f.error = Some(format!("{e:#}"));
                    self.write(&f)?;
                    tracing::warn!(job = %f.id, "the cloud is not reachable, the batch stays queued: {e:#}");
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// The sender: delivers at start, whenever a batch is queued, and again
    /// with backoff while the cloud is unreachable.
    pub async fn run(self: Arc<Self>) {
        let mut backoff = Duration::from_secs(1);
        loop {
            let delivered = match self.deliver().await {
                Ok(all) => all,
                Err(e) => {
                    tracing::error!("the outbox could not be read or written: {e:#}");
                    false
                }
            };
            if delivered {
                backoff = Duration::from_secs(1);
                self.wake.notified().await;
            } else {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = self.cloud.back.notified() => {}
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        }
    }

    /// What `GET /jobs/{id}` answers: the edge's record, with the cloud's
    /// job (its state and progress) when it was forwarded and the cloud
    /// answers.
    pub async fn view(&self, f: &Forward) -> Value {
        let mut v = json!({
            "id": f.id, "model": f.model, "version": f.version, "state": f.state, "rows": f.rows,
            "bytes": f.bytes, "reason": f.reason, "created": f.created, "forwarded": f.forwarded,
            "attempts": f.attempts, "error": f.error, "cloud_job": f.cloud_job,
        });
        if let Some(job) = &f.cloud_job {
            match self.cloud.get_json(&format!("/jobs/{job}")).await {
                Ok(cloud) => {
                    if cloud["state"] == "succeeded" {
                        v["result"] = json!(format!("/jobs/{}/result", f.id));
                    }
                    v["cloud"] = cloud;
                }
                Err(e) => v["cloud_error"] = json!(format!("{e:#}")),
            }
        }
        v
    }
}

/// The cloud's answer to a batch submission.
pub enum Submitted {
    Accepted(Value),
    /// A refusal that a retry would not change, with the cloud's message.
    Refused(String),
}
