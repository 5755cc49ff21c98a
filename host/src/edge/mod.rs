//! `citizen-edge`: the edge host. The runtime's `wasm32-wasip1` module runs
//! under wasmtime ([`crate::wasi_engine`]) with fuel and memory limits, and
//! predicts with the same code as the browser, so a file predicted here is
//! byte-identical to `citizen predict`'s. Built without ONNX Runtime, the
//! trainer, object storage and Parquet (host's `cloud` feature).
//!
//! [`Edge`] holds the models by name. Each model keeps idle module
//! instances with the model loaded; a call takes one, and gives it back
//! unless the call trapped (out of fuel or memory), in which case the
//! instance is dropped and the next call makes a fresh one. Replacing a
//! model swaps one `Arc`: calls in flight finish on the version they started
//! with.

pub mod cli;
pub mod outbox;
pub mod serve;
pub mod sync;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context, Result, anyhow, bail};
use runtime_wasm::format::Format;

use crate::wasi_engine::{Limits, WasiInstance, WasiRuntime};

/// One model the edge holds.
pub struct EdgeModel {
    pub name: String,
    /// The registry's version, for a model synced from the cloud.
    pub version: Option<u64>,
    /// Hex sha256 of the file.
    pub sha256: String,
    /// Fuel one row costs, measured on the golden cases when the model was
    /// loaded: what the edge weighs a batch by before running it here.
    pub fuel_per_row: Option<u64>,
    bytes: Arc<Vec<u8>>,
    idle: Mutex<Vec<(WasiInstance, u32)>>,
}

/// The models and the module that runs them.
pub struct Edge {
    runtime: WasiRuntime,
    limits: Limits,
    models: RwLock<BTreeMap<String, Arc<EdgeModel>>>,
    /// Idle instances kept per model (more may run at once; the extra ones
    /// are dropped after their call).
    keep: usize,
}

pub use crate::http::sha256_hex;

impl Edge {
    pub fn new(runtime: WasiRuntime, limits: Limits) -> Edge {
        let keep = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Edge { runtime, limits, models: RwLock::new(BTreeMap::new()), keep }
    }

    /// Loads a model into a fresh instance, checks that the module
    /// reproduces the model's golden cases, and puts it under `name`,
    /// replacing what was there.
    pub fn insert(&self, name: &str, version: Option<u64>, bytes: Vec<u8>) -> Result<Arc<EdgeModel>> {
        let mut instance = self.runtime.instantiate(self.limits)?;
        let handle = instance.load(&bytes)?;
        let report: serde_json::Value = serde_json::from_str(&instance.check_golden(handle)?)?;
        if let Some(m) = report["mismatches"].as_array().filter(|m| !m.is_empty()) {
            bail!(
                "the runtime does not reproduce {} of the model's {} golden cases, so it is not served: {}",
                m.len(),
                report["cases"],
                serde_json::Value::Array(m.clone())
            );
        }
        let fuel_per_row = report["cases"].as_u64().filter(|&n| n > 0).map(|n| instance.fuel_used().div_ceil(n));
        let model = Arc::new(EdgeModel {
            name: name.to_string(),
            version,
            sha256: sha256_hex(&bytes),
            fuel_per_row,
            bytes: Arc::new(bytes),
            idle: Mutex::new(vec![(instance, handle)]),
        });
        self.models.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), model.clone());
        Ok(model)
    }

    pub fn get(&self, name: &str) -> Option<Arc<EdgeModel>> {
        self.models.read().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
    }

    pub fn list(&self) -> Vec<Arc<EdgeModel>> {
        self.models.read().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    /// Predicts a table file's bytes (blocking: call it off the async threads).
    pub fn predict(&self, model: &EdgeModel, input: &[u8], from: Format, to: Format) -> Result<Vec<u8>> {
        let slot = model.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let (mut instance, handle) = match slot {
            Some(s) => s,
            None => {
                let mut instance = self.runtime.instantiate(self.limits)?;
                let handle = instance.load(&model.bytes).with_context(|| format!("model {}", model.name))?;
                (instance, handle)
            }
        };
        let result = instance.predict(handle, input, from.code(), to.code());
        let usable = match &result {
            Ok(_) => true,
            Err(e) => WasiInstance::survives(e),
        };
        if usable {
            let mut idle = model.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < self.keep {
                idle.push((instance, handle));
            }
        }
        result
    }

    /// Predicts a big CSV or JSON Lines file in up to `parts` pieces at once,
    /// each on its own instance and thread, and joins the outputs: the same
    /// bytes as one call, since rows are predicted independently. A file
    /// too small to be worth it, or in other formats, is one call; so is a
    /// file a piece of which fails, so that its errors number the rows of
    /// the whole file.
    pub fn predict_split(
        &self,
        model: &EdgeModel,
        input: &[u8],
        from: Format,
        to: Format,
        parts: usize,
    ) -> Result<Vec<u8>> {
        let pieces = if from == to { split_rows(input, from, parts) } else { None };
        let Some(pieces) = pieces else { return self.predict(model, input, from, to) };
        let outputs: Vec<Result<Vec<u8>>> = std::thread::scope(|s| {
            let running: Vec<_> =
                pieces.iter().map(|piece| s.spawn(move || self.predict(model, piece, from, to))).collect();
            running
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("a prediction thread panicked"))))
                .collect()
        });
        if outputs.iter().any(Result::is_err) {
            return self.predict(model, input, from, to);
        }
        let mut joined = Vec::with_capacity(outputs.iter().map(|o| o.as_ref().map_or(0, Vec::len)).sum());
        for (i, out) in outputs.into_iter().enumerate() {
            let out = out?;
            // Every CSV piece's output starts with the header: keep the first.
            let skip = if from == Format::Csv && i > 0 { first_row_end(&out, true).unwrap_or(out.len()) } else { 0 };
            joined.extend_from_slice(&out[skip..]);
        }
        Ok(joined)
    }
}

/// Files below this many bytes are predicted in one call.
const SPLIT_MIN_BYTES: usize = 1 << 20;

/// Where the first row ends (just after its line break), outside CSV quotes
/// when `csv` (a quote toggles; an escaped `""` toggles twice).
fn first_row_end(bytes: &[u8], csv: bool) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' if csv => quoted = !quoted,
            b'\n' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Cuts a CSV (each piece under the header) or JSON Lines file into at most
/// `parts` pieces of about equal size, at line breaks between rows (never
/// inside a quoted CSV field). None when it is not worth it.
fn split_rows(input: &[u8], format: Format, parts: usize) -> Option<Vec<Vec<u8>>> {
    let csv = match format {
        Format::Csv => true,
        Format::JsonLines => false,
        Format::Json => return None,
    };
    if parts < 2 || input.len() < SPLIT_MIN_BYTES {
        return None;
    }
    let header = if csv { &input[..first_row_end(input, true)?] } else { &input[..0] };
    let header_bare = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header);
    let body = &input[header.len()..];
    let step = body.len() / parts + 1;
    let mut pieces = Vec::with_capacity(parts);
    let mut start = 0;
    while start < body.len() {
        let end = if pieces.len() + 1 == parts || start + step >= body.len() {
            body.len()
        } else {
            start + step + first_row_end(&body[start + step..], false).unwrap_or(body.len() - start - step)
        };
        // Move `end` to a line break outside quotes: scan the piece for its
        // quote state, then on to the next break where quotes are closed.
        let end = if csv { unquoted_break_at_or_after(body, start, end) } else { end };
        let mut piece = Vec::with_capacity(header.len() + end - start);
        piece.extend_from_slice(if pieces.is_empty() { header } else { header_bare });
        piece.extend_from_slice(&body[start..end]);
        pieces.push(piece);
        start = end;
    }
    (pieces.len() > 1).then_some(pieces)
}

/// The first position at or after `end` that follows a line break outside
/// quotes, counting quotes from `start` (a row boundary); the end of `body`
/// if there is none.
fn unquoted_break_at_or_after(body: &[u8], start: usize, end: usize) -> usize {
    let quoted = body[start..end].iter().filter(|&&b| b == b'"').count() % 2 == 1;
    let at_break = end == start || body[end - 1] == b'\n';
    if !quoted && at_break {
        return end;
    }
    let mut quoted = quoted;
    for (i, &b) in body[end..].iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return end + i + 1,
            _ => {}
        }
    }
    body.len()
}

#[cfg(all(test, feature = "cloud"))]
mod tests {
    use super::*;

    /// A CSV of `rows` rows over 1 MiB, with quoted line breaks and quotes
    /// in some fields, under a byte-order mark.
    fn tricky_csv(rows: usize) -> Vec<u8> {
        let mut s = String::from("\u{feff}id,note,x\n");
        for i in 0..rows {
            match i % 7 {
                0 => s.push_str(&format!("{i},\"two\nlines\",{i}.5\n")),
                3 => s.push_str(&format!("{i},\"say \"\"hi\"\"\nthere\",{i}\n")),
                _ => s.push_str(&format!("{i},plain text of this row,{i}\r\n")),
            }
        }
        s.into_bytes()
    }

    fn records(csv: &[u8]) -> Vec<csv::StringRecord> {
        let csv = csv.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv);
        csv::Reader::from_reader(csv).records().map(Result::unwrap).collect()
    }

    #[test]
    fn a_csv_splits_between_rows_and_every_piece_has_the_header() {
        let input = tricky_csv(40_000);
        assert!(input.len() > SPLIT_MIN_BYTES);
        for parts in [2, 3, 8] {
            let pieces = split_rows(&input, Format::Csv, parts).unwrap();
            assert!(pieces.len() > 1 && pieces.len() <= parts);
            let mut all = Vec::new();
            for (i, p) in pieces.iter().enumerate() {
                let header: &[u8] = if i == 0 { b"\xEF\xBB\xBFid,note,x\n" } else { b"id,note,x\n" };
                assert!(p.starts_with(header), "piece {i}");
                all.extend(records(p));
            }
            assert_eq!(all, records(&input), "{parts} parts");
        }
    }

    #[test]
    fn json_lines_split_at_lines_and_small_files_do_not_split() {
        let lines: String = (0..60_000).map(|i| format!("{{\"id\": {i}, \"note\": \"a b c d\"}}\n")).collect();
        let pieces = split_rows(lines.as_bytes(), Format::JsonLines, 2).unwrap();
        assert_eq!(pieces.concat(), lines.as_bytes());
        assert!(pieces.iter().all(|p| p.ends_with(b"\n")));
        assert!(split_rows(b"a,b\n1,2\n", Format::Csv, 2).is_none());
        assert!(split_rows(lines.as_bytes(), Format::Json, 2).is_none());
        assert!(split_rows(lines.as_bytes(), Format::JsonLines, 1).is_none());
    }
}
