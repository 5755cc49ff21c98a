//! The streaming batch engine: predicts a big file (CSV, JSON Lines or
//! Parquet) chunk by chunk with bounded memory, writes the input rows with the
//! output columns appended, and sets aside the rows that cannot be predicted.
//!
//! It is synchronous and does file I/O only: the server's batch jobs call
//! [`run_batch`] from `tokio::task::spawn_blocking` with the input spooled to
//! a local file and the output going to local temporary files they upload
//! afterwards. Any engine can do the predicting ([`Predictor`]: ONNX Runtime
//! for the cloud, our tract runtime elsewhere).
//!
//! # What is written
//!
//! The output holds every good input row, in input order, followed by the
//! model's output columns, written by the runtime's own writer pieces
//! (`runtime_wasm::format`): same column names (`predicted_<name>` when an
//! output is named like an input column), same number formatting. A CSV or
//! JSON Lines output is therefore byte for byte what `citizen predict` writes
//! for the same file (with bad rows: for the file without them), whatever
//! the chunk size. JSON Lines input is read twice: a first pass gathers the
//! keys of all rows (as `citizen predict` does), so every row has every
//! column, null where its object lacks the key.
//!
//! Parquet output: for Parquet input, the input columns keep their Arrow
//! types and values; for CSV and JSON Lines input they are text (`Utf8`,
//! missing JSON values null) holding what the CSV output would hold. Output
//! columns are typed: numbers `Float32`/`Float64`/`Int64` as the model
//! gives them, labels `Utf8`. Pages are compressed with Snappy; Snappy and
//! Zstandard pages can be read. Row groups are written every 128Ki rows or
//! 64 MiB, whichever comes first, as the writer holds one in memory; a
//! Parquet input is read one row group at a time, so its row groups bound
//! the memory a run needs.
//!
//! # Bad rows
//!
//! A row is bad when it cannot be read (a CSV row with the wrong number of
//! fields or not UTF-8, a JSON line that is not valid JSON or not an object)
//! or the model's validation rejects it (a text in a numeric field, an
//! unknown category, a missing value without default). A chunk that fails
//! validation is validated again row by row; its good rows are predicted and
//! written, each bad row is left out of the output and written to the errors
//! file (CSV `row,field,reason`: the 1-based data row number in the input
//! file — a CSV header or a blank JSON line is not counted — the field, when
//! one is to blame, and the runtime's message), one line per problem, and
//! counts once in `rows_failed`.
//!
//! The whole run fails, with an error naming the input file, when the file
//! cannot be read at all (not CSV / JSON Lines / Parquet, no header), when it
//! lacks a column the model needs for every row (a field without default, an
//! input of a plain model), when the engine fails, or when not one row could
//! be predicted. A cancelled run (the progress callback returned `Break`)
//! fails with [`Cancelled`]. After a failure the output and errors files are
//! incomplete; the caller discards them.
//!
//! # How it streams
//!
//! Two threads share the work, joined by channels that hold one chunk
//! each, so at most a handful of chunks are in memory whatever the file's
//! size: the engine runs on a thread of its own, and the calling thread
//! takes turns reading and validating the next chunk (`Interface::prepare`:
//! rows into input tensors) and writing the chunks the engine is done with
//! (with the progress callback) while the engine has the next one waiting.
//! The reader refills one table in place and the writer hands CSV record
//! buffers back, so a warm run allocates little per row. On a 2-CPU machine
//! this keeps a core for the engine alone: with reading and writing on two
//! more threads (as before), they ran on the engine's core between its
//! chunks, and the engine took 15–40% more CPU than on its own; reading and
//! writing together now take less time than the engine
//! (`citizen-batch-bench`).

mod input;
mod output;

use std::fmt;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use anyhow::{Context, Result, anyhow, bail};
use manifest::Table;
use runtime_wasm::format::Format;
use runtime_wasm::interface::{Interface, NamedTensor};

use input::{Chunk, Problem, Raw, Reader};
use output::Writer;

/// A file format for batch input and output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    Csv,
    JsonLines,
    Parquet,
}

impl BatchFormat {
    /// From a file name's extension: `.csv`, `.jsonl` / `.ndjson`, `.parquet` / `.pq`.
    pub fn from_path(path: &Path) -> Option<BatchFormat> {
        BatchFormat::from_name(path.extension()?.to_str()?)
    }

    /// From a short name (an extension without the dot): `csv`, `jsonl`,
    /// `ndjson`, `parquet`, `pq`; any case.
    pub fn from_name(name: &str) -> Option<BatchFormat> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(BatchFormat::Csv),
            "jsonl" | "ndjson" => Some(BatchFormat::JsonLines),
            "parquet" | "pq" => Some(BatchFormat::Parquet),
            _ => None,
        }
    }

    /// From an HTTP content type (parameters such as `; charset=utf-8` are ignored).
    pub fn from_content_type(content_type: &str) -> Option<BatchFormat> {
        let essence = crate::http::essence(content_type);
        match (Format::from_content_type(&essence), essence.as_str()) {
            (Some(Format::Csv), _) => Some(BatchFormat::Csv),
            (Some(Format::JsonLines), _) => Some(BatchFormat::JsonLines),
            (_, "application/vnd.apache.parquet" | "application/x-parquet" | "application/parquet") => {
                Some(BatchFormat::Parquet)
            }
            _ => None,
        }
    }

    /// The content type to serve a file of this format with.
    pub fn content_type(self) -> &'static str {
        match self {
            BatchFormat::Csv => Format::Csv.content_type(),
            BatchFormat::JsonLines => Format::JsonLines.content_type(),
            BatchFormat::Parquet => "application/vnd.apache.parquet",
        }
    }

    /// The usual extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            BatchFormat::Csv => "csv",
            BatchFormat::JsonLines => "jsonl",
            BatchFormat::Parquet => "parquet",
        }
    }
}

/// How to run a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    /// Rows per chunk (at least 1): read, validated, predicted and written
    /// together. Memory grows with it, not with the file. The default, 2048,
    /// was the fastest of 128 to 32768 in `citizen-batch-bench` (chunks that
    /// stay in the CPU caches between the stages; ONNX Runtime's per-call
    /// cost is already small there).
    pub chunk_rows: usize,
    /// The output file's format.
    pub output: BatchFormat,
    /// How messages name the input file and the errors file (by default,
    /// their paths): a server names what its caller sent and can fetch,
    /// not its scratch files.
    pub input_name: Option<String>,
    pub errors_name: Option<String>,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions { chunk_rows: 2048, output: BatchFormat::Csv, input_name: None, errors_name: None }
    }
}

/// Where a run is, reported after each chunk is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows predicted and written to the output.
    pub rows_done: u64,
    /// Rows written to the errors file instead.
    pub rows_failed: u64,
    /// Bytes of the input file read so far (for Parquet, estimated from the rows read).
    pub bytes_done: u64,
    /// The input file's size.
    pub bytes_total: u64,
}

/// The outcome of a run that finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows_done: u64,
    pub rows_failed: u64,
}

/// The error of a run cancelled by its progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled {
    /// Rows written before the run stopped.
    pub rows_done: u64,
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the batch was cancelled after {} rows", self.rows_done)
    }
}

impl std::error::Error for Cancelled {}

/// Anything that predicts, shared by the batch's threads: an engine behind
/// the runtime's interface ([`runtime_wasm::Engine`]: ONNX Runtime through
/// [`crate::ort_engine::OrtModel`] for the cloud, our runtime elsewhere).
pub trait Predictor: runtime_wasm::Engine + Sync {}

impl<T: runtime_wasm::Engine + Sync + ?Sized> Predictor for T {}

/// Predicts the file `input` chunk by chunk: good rows with the outputs
/// appended go to `output` (in `opts.output` format), bad rows to `errors`
/// (CSV `row,field,reason`). `progress` is called on this thread after each
/// chunk is written; returning `Break` cancels the run with [`Cancelled`].
/// See the module documentation for the bad-row policy.
pub fn run_batch(
    model: &dyn Predictor,
    input: &Path,
    input_format: BatchFormat,
    output: &Path,
    errors: &Path,
    opts: &BatchOptions,
    progress: &mut dyn FnMut(&Progress) -> ControlFlow<()>,
) -> Result<Summary> {
    let input_name = opts.input_name.clone().unwrap_or_else(|| input.display().to_string());
    let errors_name = opts.errors_name.clone().unwrap_or_else(|| errors.display().to_string());
    let named = |e: anyhow::Error| e.context(input_name.clone());
    let chunk_rows = opts.chunk_rows.max(1);
    let bytes_total = std::fs::metadata(input).with_context(|| format!("cannot read {input_name}"))?.len();
    let (records_tx, records) = std::sync::mpsc::channel();
    let mut reader = Reader::open(input, input_format, chunk_rows, records).map_err(named)?;
    let iface = model.interface();
    iface.check_columns(reader.columns()).map_err(|e| named(e.into()))?;
    let mut writer = Writer::create(output, opts.output, reader.columns(), reader.arrow_schema(), records_tx)?;
    let mut errors_out = ErrorsFile::create(errors)?;

    let (prepared_tx, prepared_rx) = sync_channel::<Prepared>(1);
    let (ran_tx, ran_rx) = sync_channel::<Ran>(1);
    let (run_result, io_result) = std::thread::scope(|s| {
        let run = std::thread::Builder::new()
            .name("citizen-batch-engine".into())
            .spawn_scoped(s, move || run_stage(model, prepared_rx, ran_tx));
        let Ok(run) = run else {
            return (Err(anyhow!("cannot start the batch's engine thread")), Ok(Summary::default()));
        };
        let mut io = Io { reader: &mut reader, writer: &mut writer, errors: &mut errors_out, progress, bytes_total };
        let io_result = io.run(iface, chunk_rows, prepared_tx, ran_rx);
        let run_result =
            run.join().unwrap_or_else(|_| Err(anyhow!("the batch's engine stopped unexpectedly (a bug in citizen)")));
        (run_result, io_result)
    });
    // An upstream failure ends the downstream stages early but cleanly, so
    // the first stage's error is the one to tell.
    let summary = match io_result {
        Err(Failed::Reading(e)) => return Err(named(e)),
        Err(Failed::Writing(e)) => {
            run_result.map_err(named)?;
            return Err(e);
        }
        Ok(summary) => {
            run_result.map_err(named)?;
            summary
        }
    };
    writer.finish(iface).with_context(|| format!("cannot write {}", output.display()))?;
    errors_out.finish()?;
    if summary.rows_done == 0 && summary.rows_failed > 0 {
        let first = errors_out.first.as_ref().map(|p| p.to_string()).unwrap_or_default();
        let n = summary.rows_failed;
        let rows = if n == 1 { "1 bad row".to_string() } else { format!("{n} bad rows") };
        bail!("{input_name}: no row could be predicted ({rows}, listed in {errors_name}); the first: {first}");
    }
    Ok(summary)
}

/// A chunk whose rows all passed validation, with its input tensors.
struct Prepared {
    chunk: Chunk,
    inputs: Vec<NamedTensor>,
    problems: Vec<Problem>,
    rows_failed: u64,
}

/// A chunk with its engine outputs.
struct Ran {
    prepared: Prepared,
    outputs: Vec<NamedTensor>,
}

/// Validates a chunk; when it fails, row by row, keeping the good rows.
fn prepare(iface: &Interface, mut chunk: Chunk) -> Result<Prepared> {
    let mut problems = std::mem::take(&mut chunk.unreadable);
    let mut rows_failed = problems.len() as u64;
    let whole = match &chunk.raw {
        Raw::Csv(lines) => iface.prepare_csv(chunk.table.columns(), &lines.records),
        Raw::Cells | Raw::Arrow(_) => iface.prepare(&chunk.table),
    };
    let err = match whole {
        Ok(inputs) => return Ok(Prepared { chunk, inputs, problems, rows_failed }),
        Err(runtime_wasm::Error::Input(e)) => e,
        Err(e) => return Err(e.into()),
    };
    if let Raw::Csv(lines) = &chunk.raw {
        chunk.table = Table::from_csv_records(chunk.table.columns().to_vec(), &lines.records);
    }
    let (keep, found) = iface.screen(&chunk.table, err).map_err(|e| anyhow!(e))?;
    problems.extend(found.into_iter().map(|e| Problem {
        row: chunk.rows[e.row - 1],
        field: e.field,
        reason: e.reason,
    }));
    let kept = keep.iter().filter(|&&k| k).count();
    rows_failed += (keep.len() - kept) as u64;
    chunk.retain(&keep)?;
    let inputs = iface.prepare(&chunk.table).context("rows that passed one by one failed together")?;
    problems.sort_by_key(|p| p.row);
    Ok(Prepared { chunk, inputs, problems, rows_failed })
}

fn run_stage(model: &dyn Predictor, rx: Receiver<Prepared>, tx: SyncSender<Ran>) -> Result<()> {
    for mut prepared in rx {
        let rows = prepared.chunk.rows.len();
        let outputs = if rows == 0 {
            vec![]
        } else {
            let inputs = std::mem::take(&mut prepared.inputs);
            let (first, last) = (prepared.chunk.rows[0], prepared.chunk.rows[rows - 1]);
            model.run(inputs).with_context(|| format!("predicting rows {first} to {last}"))?
        };
        if tx.send(Ran { prepared, outputs }).is_err() {
            break;
        }
    }
    Ok(())
}

/// How the reading and writing stage stopped early.
enum Failed {
    /// The input could not be read (the first stage's error).
    Reading(anyhow::Error),
    /// The output could not be written, or the run was cancelled.
    Writing(anyhow::Error),
}

/// The stages on the calling thread: reading and validating, and writing
/// (with the progress callback), taking turns around the engine's thread.
struct Io<'a> {
    reader: &'a mut Reader,
    writer: &'a mut Writer,
    errors: &'a mut ErrorsFile,
    progress: &'a mut dyn FnMut(&Progress) -> ControlFlow<()>,
    bytes_total: u64,
}

impl Io<'_> {
    /// Reads chunk after chunk for the engine; while the engine has one
    /// waiting, writes the chunks it finished. Without the engine (it
    /// failed) reading stops and what it finished is written.
    fn run(
        &mut self,
        iface: &Interface,
        chunk_rows: usize,
        to_engine: SyncSender<Prepared>,
        from_engine: Receiver<Ran>,
    ) -> Result<Summary, Failed> {
        let mut done = Progress { bytes_total: self.bytes_total, ..Progress::default() };
        'reading: loop {
            let chunk = self.reader.next_chunk(chunk_rows).map_err(Failed::Reading)?;
            let Some(chunk) = chunk else { break };
            let mut prepared = prepare(iface, chunk).map_err(Failed::Reading)?;
            loop {
                match to_engine.try_send(prepared) {
                    Ok(()) => break,
                    Err(TrySendError::Full(p)) => {
                        prepared = p;
                        // The engine is busy: write what it has done meanwhile.
                        match from_engine.recv() {
                            Ok(ran) => self.write(iface, ran, &mut done).map_err(Failed::Writing)?,
                            Err(_) => break 'reading,
                        }
                    }
                    Err(TrySendError::Disconnected(_)) => break 'reading,
                }
            }
            while let Ok(ran) = from_engine.try_recv() {
                self.write(iface, ran, &mut done).map_err(Failed::Writing)?;
            }
        }
        drop(to_engine);
        for ran in from_engine {
            self.write(iface, ran, &mut done).map_err(Failed::Writing)?;
        }
        Ok(Summary { rows_done: done.rows_done, rows_failed: done.rows_failed })
    }

    fn write(&mut self, iface: &Interface, ran: Ran, done: &mut Progress) -> Result<()> {
        let Ran { prepared, outputs } = ran;
        let Prepared { chunk, problems, rows_failed, .. } = prepared;
        let rows = chunk.rows.len();
        let bytes_done = chunk.bytes_done;
        let prediction = iface.finish(rows, outputs).context("reading the model's outputs")?;
        self.writer.write(chunk, &prediction)?;
        for p in &problems {
            self.errors.write(p)?;
        }
        done.rows_done += rows as u64;
        done.rows_failed += rows_failed;
        done.bytes_done = bytes_done.min(done.bytes_total);
        if (self.progress)(done).is_break() {
            return Err(Cancelled { rows_done: done.rows_done }.into());
        }
        Ok(())
    }
}

/// The errors file: `row,field,reason`.
struct ErrorsFile {
    path: std::path::PathBuf,
    w: csv::Writer<std::io::BufWriter<std::fs::File>>,
    first: Option<Problem>,
}

impl ErrorsFile {
    fn create(path: &Path) -> Result<ErrorsFile> {
        let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = runtime_wasm::format::csv_writer(std::io::BufWriter::new(file));
        w.write_record(["row", "field", "reason"]).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(ErrorsFile { path: path.to_path_buf(), w, first: None })
    }

    fn write(&mut self, p: &Problem) -> Result<()> {
        if self.first.is_none() {
            self.first = Some(p.clone());
        }
        self.w
            .write_record([p.row.to_string().as_str(), &p.field, &p.reason])
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    fn finish(&mut self) -> Result<()> {
        self.w.flush().with_context(|| format!("cannot write {}", self.path.display()))
    }
}
