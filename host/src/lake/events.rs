//! Event streams: JSON events appended to a dataset in arrival order, each
//! with a sequence number (from 1, no gaps).
//!
//! Durability: each dataset's stream has one writer thread on the server
//! that owns the stream. It appends to a log file on the server's local
//! disk (`--wal-dir`) and `fdatasync`s it before any request in the batch is
//! acknowledged; requests that arrive while a sync runs share the next one
//! (group commit). A segment is closed at [`SEGMENT_EVENTS`] events or after
//! a second without events, and a flusher uploads closed segments to the
//! store (`datasets/{name}/events/{first}-{last}.jsonl`) and then deletes the
//! local copy. On start-up the log is read back: a torn last line (never
//! acknowledged, as the sync comes after the write) is cut off, and
//! numbering goes on after the highest number in the log or the store.
//! So an acknowledged event survives a kill -9 of the server; it survives
//! the loss of the server's disk only once flushed (within about a second).
//! One server must own a dataset's stream: two replicas appending to one
//! dataset would number events independently.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};

use super::{Lake, dataset_path};
use crate::server::store::Store;

/// Events per segment before it is closed and flushed.
pub const SEGMENT_EVENTS: u64 = 50_000;

pub fn segment_name(first: u64, last: u64) -> String {
    format!("{first:020}-{last:020}.jsonl")
}

fn parse_segment(name: &str) -> Option<(u64, u64)> {
    let stem = name.strip_suffix(".jsonl").or_else(|| name.strip_suffix(".done"))?;
    let (a, b) = stem.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

impl Lake {
    /// The store's event segments of a dataset, in order: (first, last).
    pub async fn event_segments(&self, name: &str) -> Result<Vec<(u64, u64)>> {
        let (files, _) = self.store.children(&dataset_path(name, &["events"])).await?;
        let mut out: Vec<(u64, u64)> = files.iter().filter_map(|f| parse_segment(f)).collect();
        out.sort();
        Ok(out)
    }
}

/// Splits a body into events: one JSON object, an array of objects, or
/// JSON Lines of objects. Errors name the item or line.
pub fn parse_events(body: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let one = |v: &Value, what: String| -> std::result::Result<Vec<u8>, String> {
        if v.as_object().is_some_and(|o| o.is_empty()) {
            Err(format!("{what}: the event has no fields"))
        } else if v.is_object() {
            serde_json::to_vec(v).map_err(|e| e.to_string())
        } else {
            Err(format!("{what}: an event must be a JSON object, not {}", kind(v)))
        }
    };
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return match &v {
            Value::Array(items) => items.iter().enumerate().map(|(i, it)| one(it, format!("item {}", i + 1))).collect(),
            _ => Ok(vec![one(&v, "the body".into())?]),
        };
    }
    let mut out = Vec::new();
    for (i, line) in body.split(|&c| c == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let v: Value = serde_json::from_slice(line).map_err(|e| format!("line {}: not valid JSON: {e}", i + 1))?;
        out.push(one(&v, format!("line {}", i + 1))?);
    }
    if out.is_empty() {
        return Err("the body holds no events".into());
    }
    Ok(out)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

type Reply = tokio::sync::oneshot::Sender<std::result::Result<(u64, u64), String>>;

struct Append {
    events: Vec<Vec<u8>>,
    reply: Reply,
}

/// One dataset's stream on this server.
pub struct Stream {
    name: String,
    dir: PathBuf,
    tx: Mutex<std::sync::mpsc::Sender<Append>>,
    /// The highest sequence number synced to disk.
    committed: Arc<AtomicU64>,
    /// Readers hold it shared; the flusher exclusively while it moves a
    /// segment from the disk to the store.
    moving: tokio::sync::RwLock<()>,
}

/// Every stream of this server.
pub struct EventLog {
    dir: PathBuf,
    lake: Lake,
    streams: tokio::sync::Mutex<HashMap<String, Arc<Stream>>>,
}

fn millis() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Events of a log file: (sequence number, line without its newline).
type Lines = Vec<(u64, Vec<u8>)>;

/// The events of a local log file, and the length of its good part. A torn
/// or unreadable last line is dropped.
fn read_log(path: &Path) -> Result<(Lines, u64)> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut r = std::io::BufReader::new(f);
    let mut out = Vec::new();
    let mut good = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        let Some(seq) = serde_json::from_slice::<Value>(&line).ok().and_then(|v| v.get("seq")?.as_u64()) else {
            break;
        };
        good += n as u64;
        out.push((seq, line[..line.len() - 1].to_vec()));
    }
    Ok((out, good))
}

impl EventLog {
    pub fn new(dir: PathBuf, store: Store) -> EventLog {
        EventLog { dir, lake: Lake::new(store), streams: tokio::sync::Mutex::new(HashMap::new()) }
    }

    /// Opens the streams left on disk by an earlier run, so their segments get flushed.
    pub async fn recover(&self) -> Result<()> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Ok(()) };
        for e in entries.flatten() {
            if let Some(name) = e.file_name().to_str() {
                self.stream(name).await?;
            }
        }
        Ok(())
    }

    pub async fn stream(&self, name: &str) -> Result<Arc<Stream>> {
        let mut streams = self.streams.lock().await;
        if let Some(s) = streams.get(name) {
            return Ok(s.clone());
        }
        let dir = self.dir.join(name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        // Recovery: close what an earlier run left open, after cutting a torn tail.
        let mut last = self.lake.event_segments(name).await?.last().map(|s| s.1).unwrap_or(0);
        for e in std::fs::read_dir(&dir)?.flatten() {
            let p = e.path();
            let fname = e.file_name().to_string_lossy().into_owned();
            if let Some((_, l)) = parse_segment(&fname) {
                last = last.max(l);
            } else if fname.ends_with(".open") {
                let (events, good) = read_log(&p)?;
                match (events.first(), events.last()) {
                    (Some((a, _)), Some((b, _))) => {
                        let f = std::fs::OpenOptions::new().write(true).open(&p)?;
                        f.set_len(good)?;
                        f.sync_all()?;
                        last = last.max(*b);
                        std::fs::rename(&p, dir.join(format!("{a:020}-{b:020}.done")))?;
                    }
                    _ => std::fs::remove_file(&p)?,
                }
            }
        }
        sync_dir(&dir);
        let committed = Arc::new(AtomicU64::new(last));
        let (tx, rx) = std::sync::mpsc::channel::<Append>();
        let (d2, c2) = (dir.clone(), committed.clone());
        std::thread::Builder::new()
            .name(format!("citizen-events-{name}"))
            .spawn(move || writer(d2, rx, c2))
            .context("starting the event writer")?;
        let s = Arc::new(Stream {
            name: name.into(),
            dir,
            tx: Mutex::new(tx),
            committed,
            moving: tokio::sync::RwLock::new(()),
        });
        streams.insert(name.into(), s.clone());
        Ok(s)
    }

    /// Appends events; returns (first, last) sequence numbers once they are on disk.
    pub async fn append(&self, name: &str, events: Vec<Vec<u8>>) -> Result<(u64, u64)> {
        let s = self.stream(name).await?;
        let (reply, rx) = tokio::sync::oneshot::channel();
        s.tx.lock()
            .map_err(|_| anyhow!("event writer poisoned"))?
            .send(Append { events, reply })
            .map_err(|_| anyhow!("the event writer of {name} stopped"))?;
        rx.await.map_err(|_| anyhow!("the event writer of {name} stopped"))?.map_err(|e| anyhow!(e))
    }

    /// The stream of a dataset that has one on this server (in memory or
    /// on disk); reading never starts a stream.
    async fn existing(&self, name: &str) -> Result<Option<Arc<Stream>>> {
        if self.streams.lock().await.contains_key(name) || self.dir.join(name).is_dir() {
            return Ok(Some(self.stream(name).await?));
        }
        Ok(None)
    }

    /// The highest acknowledged sequence number of a dataset (0: none).
    pub async fn last_seq(&self, name: &str) -> Result<u64> {
        match self.existing(name).await? {
            Some(s) => Ok(s.committed.load(Ordering::Acquire)),
            None => Ok(self.lake.event_segments(name).await?.last().map(|s| s.1).unwrap_or(0)),
        }
    }

    /// Events after `after`, at most `limit`, in order: from the store, then this server's disk.
    pub async fn read(&self, name: &str, after: u64, limit: usize) -> Result<Vec<Value>> {
        let Some(s) = self.existing(name).await? else {
            // No stream on this server: what is in the store.
            return self.read_store(name, after, limit, u64::MAX).await.map(|(out, _)| out);
        };
        let _shared = s.moving.read().await;
        let committed = s.committed.load(Ordering::Acquire);
        let (mut out, mut next) = self.read_store(name, after, limit, committed).await?;
        let mut local: Vec<(u64, PathBuf)> = Vec::new();
        for e in std::fs::read_dir(&s.dir)?.flatten() {
            let f = e.file_name().to_string_lossy().into_owned();
            let first = parse_segment(&f).map(|x| x.0).or_else(|| f.strip_suffix(".open")?.parse().ok());
            if let Some(first) = first {
                local.push((first, e.path()));
            }
        }
        local.sort();
        for (_, p) in local {
            if out.len() >= limit {
                break;
            }
            let Ok((events, _)) = read_log(&p) else { continue };
            for (seq, line) in events {
                if out.len() >= limit || seq > committed {
                    break;
                }
                if seq > next {
                    next = seq;
                    out.push(serde_json::from_slice(&line)?);
                }
            }
        }
        Ok(out)
    }

    /// Events after `after` from the store's segments, at most `limit`, up to `committed`.
    async fn read_store(&self, name: &str, after: u64, limit: usize, committed: u64) -> Result<(Vec<Value>, u64)> {
        let mut out: Vec<Value> = Vec::new();
        let mut next = after;
        let take = |line: &[u8], out: &mut Vec<Value>, next: &mut u64| -> Result<()> {
            let v: Value = serde_json::from_slice(line)?;
            let seq = v.get("seq").and_then(Value::as_u64).unwrap_or(0);
            if seq > *next && seq <= committed {
                *next = seq;
                out.push(v);
            }
            Ok(())
        };
        for (first, last) in self.lake.event_segments(name).await? {
            if last <= next || out.len() >= limit {
                continue;
            }
            let p = dataset_path(name, &["events", &segment_name(first, last)]);
            if let Some((b, _)) = self.lake.store.get(&p).await? {
                for line in b.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                    if out.len() >= limit {
                        break;
                    }
                    take(line, &mut out, &mut next)?;
                }
            }
        }
        Ok((out, next))
    }

    /// Moves closed segments to the store, every half second; each segment
    /// in the store is new data of its dataset, so `ingested` hooks fire
    /// with its sequence numbers.
    pub async fn flusher(self: Arc<Self>, hooks: Arc<super::hooks::Hooks>) {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let streams: Vec<Arc<Stream>> = self.streams.lock().await.values().cloned().collect();
            for s in streams {
                let mut flushed = Vec::new();
                if let Err(e) = self.flush(&s, &mut flushed).await {
                    tracing::warn!(dataset = %s.name, "flushing events to the store: {e:#}");
                }
                for (first, last) in flushed {
                    let events = json!({"first_seq": first, "last_seq": last, "count": last + 1 - first});
                    hooks.fire("ingested", Some(&s.name), None, json!({ "dataset": s.name, "events": events })).await;
                }
            }
        }
    }

    /// Uploads the closed segments, oldest first; `flushed` gets each one's
    /// sequence numbers once it is in the store.
    async fn flush(&self, s: &Stream, flushed: &mut Vec<(u64, u64)>) -> Result<()> {
        let mut done: Vec<(u64, u64, PathBuf)> = Vec::new();
        for e in std::fs::read_dir(&s.dir)?.flatten() {
            let f = e.file_name().to_string_lossy().into_owned();
            if f.ends_with(".done")
                && let Some((a, b)) = parse_segment(&f)
            {
                done.push((a, b, e.path()));
            }
        }
        done.sort();
        if done.is_empty() {
            return Ok(());
        }
        if self.lake.meta(&s.name).await?.is_none() {
            let m = super::DatasetMeta { name: s.name.clone(), key: None, created: crate::server::registry::now() };
            self.lake.store.create(&dataset_path(&s.name, &["dataset.json"]), serde_json::to_vec(&m)?).await?;
        }
        for (a, b, p) in done {
            let _exclusive = s.moving.write().await;
            self.lake.store.put_file(&dataset_path(&s.name, &["events", &segment_name(a, b)]), &p).await?;
            std::fs::remove_file(&p)?;
            flushed.push((a, b));
        }
        Ok(())
    }
}

/// The writer thread of one stream: group commit.
fn writer(dir: PathBuf, rx: std::sync::mpsc::Receiver<Append>, committed: Arc<AtomicU64>) {
    let mut active: Option<(std::fs::File, PathBuf, u64)> = None; // file, path, first seq
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    loop {
        let first = match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(a) => a,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                close(&dir, &mut active, committed.load(Ordering::Acquire));
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match rx.try_recv() {
                Ok(a) => batch.push(a),
                Err(_) => break,
            }
        }
        let start = committed.load(Ordering::Acquire);
        let mut seq = start;
        buf.clear();
        let time = millis();
        let mut ranges = Vec::with_capacity(batch.len());
        for a in &batch {
            let from = seq + 1;
            for e in &a.events {
                seq += 1;
                let _ = write!(buf, "{{\"seq\":{seq},\"time\":{time},\"event\":");
                buf.extend_from_slice(e);
                buf.extend_from_slice(b"}\n");
            }
            ranges.push((from, seq));
        }
        let result = (|| -> std::io::Result<()> {
            if active.is_none() {
                let path = dir.join(format!("{:020}.open", start + 1));
                let f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
                sync_dir(&dir);
                active = Some((f, path, start + 1));
            }
            let (f, _, _) = active.as_mut().ok_or_else(|| std::io::Error::other("no log file"))?;
            f.write_all(&buf)?;
            f.sync_data()
        })();
        match result {
            Ok(()) => {
                committed.store(seq, Ordering::Release);
                for (a, r) in batch.into_iter().zip(ranges) {
                    let _ = a.reply.send(Ok(r));
                }
                if active.as_ref().is_some_and(|(_, _, first)| seq + 1 - first >= SEGMENT_EVENTS) {
                    close(&dir, &mut active, seq);
                }
            }
            Err(e) => {
                // Nothing of this batch is acknowledged; cut it off the log.
                tracing::error!("appending events in {}: {e}", dir.display());
                if let Some((_, path, _)) = active.take()
                    && let Ok((events, good)) = read_log(&path)
                {
                    let _ = std::fs::OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(good));
                    let _ = events;
                }
                for a in batch {
                    let _ = a.reply.send(Err(format!("the events could not be stored: {e}")));
                }
            }
        }
    }
}

fn close(dir: &Path, active: &mut Option<(std::fs::File, PathBuf, u64)>, last: u64) {
    if let Some((f, path, first)) = active.take() {
        drop(f);
        if last >= first {
            let _ = std::fs::rename(&path, dir.join(format!("{first:020}-{last:020}.done")));
        } else {
            let _ = std::fs::remove_file(&path);
        }
        sync_dir(dir);
    }
}
