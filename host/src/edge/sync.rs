//! Models synced from a `citizen serve` registry.
//!
//! Each synced model follows `NAME` (its latest version) or `NAME:ALIAS`.
//! A sync reads the model's entry, and when the version it points at is not
//! the one held, reads the version's publication record (its sha256), pulls
//! the file with `If-None-Match` (the held file's ETag), checks the bytes
//! against the record, loads them into a fresh module instance and only
//! then swaps them in. The file is kept in the data folder
//! (`{name}.v{version}.onnx` and `{name}.json` naming it, both written
//! atomically), so a restart serves the last good version without the
//! cloud.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

use super::outbox::{Forward, Submitted};
use super::{Edge, sha256_hex};

/// A model followed from the cloud.
#[derive(Clone, Debug)]
pub struct Follow {
    pub name: String,
    pub alias: Option<String>,
}

impl Follow {
    /// `NAME` or `NAME:ALIAS`.
    pub fn parse(spec: &str) -> Result<Follow> {
        let (name, alias) = match spec.split_once(':') {
            Some((n, a)) => (n, Some(a.to_string())),
            None => (spec, None),
        };
        crate::http::check_name("model", name).map_err(|e| anyhow!("{}", e.message))?;
        if let Some(a) = &alias {
            crate::http::check_name("alias", a).map_err(|e| anyhow!("{}", e.message))?;
        }
        Ok(Follow { name: name.to_string(), alias })
    }
}

pub struct Cloud {
    pub url: String,
    pub token: String,
    pub dir: PathBuf,
    client: reqwest::Client,
    /// Set while syncs fail; the sync that succeeds again clears it and
    /// wakes `back`'s waiter (the outbox's sender), so queued batches go as
    /// soon as the cloud returns rather than at the end of a backoff.
    down: std::sync::atomic::AtomicBool,
    pub back: tokio::sync::Notify,
}

impl Cloud {
    pub fn new(url: &str, token: &str, dir: &Path) -> Result<Cloud> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        // Per call: JSON reads 60 s, batch uploads 10 min, streamed results none.
        let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build()?;
        Ok(Cloud {
            url: url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            dir: dir.to_path_buf(),
            client,
            down: Default::default(),
            back: Default::default(),
        })
    }

    fn state_file(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Loads the kept copy of a model, if any; a copy whose bytes do not
    /// match its record is refused.
    pub fn load_kept(&self, edge: &Edge, name: &str) -> Result<Option<u64>> {
        let state = self.state_file(name);
        let Ok(text) = std::fs::read_to_string(&state) else { return Ok(None) };
        let record: Value = serde_json::from_str(&text).with_context(|| format!("{}", state.display()))?;
        let (Some(version), Some(sha), Some(file)) =
            (record["version"].as_u64(), record["sha256"].as_str(), record["file"].as_str())
        else {
            bail!("{}: needs version, sha256 and file", state.display());
        };
        let path = self.dir.join(file);
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if sha256_hex(&bytes) != sha {
            bail!("{}: its sha256 does not match {}", path.display(), state.display());
        }
        edge.insert(name, Some(version), bytes).with_context(|| format!("{}", path.display()))?;
        Ok(Some(version))
    }

    pub async fn get_json(&self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.url);
        let r = self
            .client
            .get(&url)
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = r.status();
        let body = r.text().await.with_context(|| format!("GET {url}"))?;
        if !status.is_success() {
            bail!("GET {url}: {status}: {body}");
        }
        serde_json::from_str(&body).with_context(|| format!("GET {url}: not JSON"))
    }

    /// Submits a forwarded batch to the cloud's batch endpoint, keyed by
    /// the edge's job id. An error means the cloud was not reached (or
    /// failed on its side): the batch stays queued.
    pub async fn submit_batch(&self, f: &Forward, body: Vec<u8>) -> Result<Submitted> {
        let mut url = match f.version {
            Some(v) => format!("{}/models/{}/versions/{v}/batch", self.url, f.model),
            None => format!("{}/models/{}/batch", self.url, f.model),
        };
        if let Some(o) = &f.output {
            url.push_str(&format!("?output={o}"));
        }
        let r = self
            .client
            .post(&url)
            .bearer_auth(&self.token)
            .header("content-type", &f.content_type)
            .header("idempotency-key", &f.id)
            .timeout(Duration::from_secs(600))
            .body(body)
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = r.status();
        let text = r.text().await.with_context(|| format!("POST {url}"))?;
        if status.is_success() {
            return Ok(Submitted::Accepted(serde_json::from_str(&text).with_context(|| format!("POST {url}"))?));
        }
        let retry = status.is_server_error()
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
        if retry {
            bail!("POST {url}: {status}: {text}");
        }
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
            .unwrap_or(text);
        Ok(Submitted::Refused(format!("the cloud answered {status}: {message}")))
    }

    /// A request passed on to the cloud as it is (JSON rows for a model the
    /// edge does not hold, a forwarded job's result).
    pub async fn pass(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Result<reqwest::Response> {
        let url = format!("{}{path}", self.url);
        let mut r = self.client.request(method, &url).bearer_auth(&self.token);
        if let Some(ct) = content_type {
            r = r.header("content-type", ct).body(body);
        }
        r.send().await.with_context(|| url.to_string())
    }

    /// Brings one model up to date; returns the version now held.
    pub async fn sync(&self, edge: &Arc<Edge>, follow: &Follow) -> Result<u64> {
        let name = &follow.name;
        let entry = self.get_json(&format!("/models/{name}")).await?;
        let version = match &follow.alias {
            Some(a) => entry["aliases"][a].as_u64().ok_or_else(|| anyhow!("model {name:?} has no alias {a:?}"))?,
            None => entry["latest"].as_u64().ok_or_else(|| anyhow!("model {name:?} has no version"))?,
        };
        let held = edge.get(name);
        if held.as_ref().is_some_and(|m| m.version == Some(version)) {
            return Ok(version);
        }
        let record = self.get_json(&format!("/models/{name}/versions/{version}")).await?;
        let sha = record["info"]["sha256"]
            .as_str()
            .ok_or_else(|| anyhow!("the record of {name} v{version} has no sha256"))?
            .to_string();
        let url = format!("{}/models/{name}/versions/{version}/model.onnx", self.url);
        let mut request = self.client.get(&url).bearer_auth(&self.token).timeout(Duration::from_secs(600));
        if let Some(m) = &held {
            request = request.header("if-none-match", format!("\"{}\"", m.sha256));
        }
        let r = request.send().await.with_context(|| format!("GET {url}"))?;
        let bytes = match r.status() {
            reqwest::StatusCode::NOT_MODIFIED => {
                // The same file under a new version number.
                held.as_ref().map(|m| m.bytes.as_ref().clone()).ok_or_else(|| anyhow!("GET {url}: 304 for no file"))?
            }
            s if s.is_success() => r.bytes().await.with_context(|| format!("GET {url}"))?.to_vec(),
            s => bail!("GET {url}: {s}: {}", r.text().await.unwrap_or_default()),
        };
        let got = sha256_hex(&bytes);
        if got != sha {
            bail!("GET {url}: the file's sha256 is {got}, its record says {sha}; kept the model held");
        }
        let file = format!("{name}.v{version}.onnx");
        let path = self.dir.join(&file);
        let (edge2, name2) = (edge.clone(), name.clone());
        let bytes2 = bytes.clone();
        tokio::task::spawn_blocking(move || edge2.insert(&name2, Some(version), bytes2))
            .await?
            .with_context(|| format!("{name} v{version} from {url}"))?;
        crate::files::write_atomically(&path, &bytes)?;
        let state = json!({ "version": version, "sha256": sha, "file": file });
        crate::files::write_atomically(&self.state_file(name), format!("{state}\n").as_bytes())?;
        // Older kept versions of this model are no longer needed.
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                let kept_version = n.strip_prefix(&format!("{name}.v")).and_then(|r| r.strip_suffix(".onnx"));
                if kept_version.is_some_and(|v| v.parse::<u64>().is_ok()) && n != file {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        tracing::info!(model = %name, version, "synced");
        Ok(version)
    }

    /// Syncs every followed model now and then every `every`; failures are
    /// logged and retried, the models held keep serving.
    pub async fn run(self: Arc<Self>, edge: Arc<Edge>, follows: Vec<Follow>, every: Duration) {
        loop {
            use std::sync::atomic::Ordering;
            for f in &follows {
                match self.sync(&edge, f).await {
                    Ok(_) if self.down.swap(false, Ordering::Relaxed) => {
                        tracing::info!("the cloud is reachable again");
                        self.back.notify_one();
                    }
                    Ok(_) => {}
                    Err(e) => {
                        self.down.store(true, Ordering::Relaxed);
                        tracing::warn!(model = %f.name, "sync failed: {e:#}");
                    }
                }
            }
            tokio::time::sleep(every).await;
        }
    }
}
