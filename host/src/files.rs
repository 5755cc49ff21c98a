//! Files the command lines read and write: table formats from names and
//! extensions, and atomic writes. Shared by `citizen` and `citizen-edge`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use runtime_wasm::format::Format;

/// The files of a prediction on the command line (`citizen predict`,
/// `citizen-edge predict`).
#[derive(clap::Args)]
pub struct PredictFiles {
    /// The model file (.onnx).
    #[arg(long, short)]
    pub model: PathBuf,
    /// The rows: .csv, .jsonl/.ndjson or .json.
    pub input: PathBuf,
    /// Where to write (default: standard output). Written atomically.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Input format when the extension does not tell: csv, jsonl, json.
    #[arg(long)]
    pub from: Option<String>,
    /// Output format (default: from the output's extension, else the input's).
    #[arg(long)]
    pub to: Option<String>,
}

impl PredictFiles {
    /// The input and output formats; see [`formats`].
    pub fn formats(&self) -> Result<(Format, Format)> {
        formats(&self.input, self.output.as_deref(), self.from.as_deref(), self.to.as_deref())
    }
}

/// A table format by name, or else from the file's extension.
pub fn format_of(path: &Path, named: Option<&str>) -> Result<Format> {
    if let Some(n) = named {
        return Format::from_name(n).ok_or_else(|| anyhow!("unknown format {n:?}: use csv, jsonl or json"));
    }
    Format::from_path(&path.to_string_lossy()).ok_or_else(|| {
        anyhow!("{}: cannot tell the format from the extension; use --from csv|jsonl|json", path.display())
    })
}

/// The input and output formats of a prediction: `--from` or the input's
/// extension; `--to`, else the output's extension, else the input's format.
pub fn formats(input: &Path, output: Option<&Path>, from: Option<&str>, to: Option<&str>) -> Result<(Format, Format)> {
    let from = format_of(input, from)?;
    let to = match (to, output) {
        (Some(t), _) => format_of(Path::new(""), Some(t))?,
        (None, Some(o)) => Format::from_path(&o.to_string_lossy()).unwrap_or(from),
        (None, None) => from,
    };
    Ok((from, to))
}

/// Writes `bytes` to `path`, or to standard output without a path.
pub fn write_output(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match output {
        Some(path) => write_atomically(path, bytes),
        None => std::io::stdout().write_all(bytes).context("writing to standard output"),
    }
}

/// Writes through a temporary file in the same folder and a rename, so a
/// reader never sees half a file and a failure leaves nothing behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| anyhow!("{} is not a file path", path.display()))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let result = (|| -> Result<()> {
        let mut f = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
        // The rename itself lasts only once the folder is on disk.
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Flushes a folder's entries (a rename or a new file in it) to disk; a
/// platform that cannot open folders for this has nothing to flush.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A command's end: its error printed for the user (with its causes), and
/// the exit status. Both command lines end here.
pub fn exit(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
