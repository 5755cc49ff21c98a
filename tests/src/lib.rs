//! Cross-target parity: one list of cases, run against every engine —
//! native tract, ONNX Runtime (`ort`), the WASI module under wasmtime, and
//! the browser module under node and in headless Chromium.
//!
//! A case is a model file and an input file; an engine turns them into an
//! output file (the input rows with the output columns appended) or an error
//! message. Expected outputs come from the library that trained the model
//! (scikit-learn, LightGBM) or from the model's own golden cases.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use runtime_wasm::format::{self, Format};
use serde_json::{Value, json};

/// The repository's root folder: the checkout the program runs in (the
/// bench scripts run from the root, `cargo test` from `tests/`), else the
/// one it was built from. Checkouts share one target folder, and cargo need
/// not rebuild a binary for another checkout of the same sources.
pub fn repo() -> PathBuf {
    let is_root = |dir: &Path| dir.join("tests/src/lib.rs").is_file() && dir.join("models").is_dir();
    if let Ok(cwd) = std::env::current_dir()
        && let Some(root) = cwd.ancestors().take(2).find(|d| is_root(d))
    {
        return root.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

/// The folder `scripts/build-wasm.sh` writes the wasm modules to.
pub fn wasm_pkg() -> PathBuf {
    if let Some(p) = std::env::var_os("CITIZEN_WASM_PKG") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/citizen-target"));
    target.join("wasm-pkg")
}

/// One model + input to run.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub model: PathBuf,
    pub input: PathBuf,
    pub from: Format,
    pub to: Format,
}

impl Case {
    pub fn new(name: &str, model: PathBuf, input: PathBuf) -> Case {
        let from = Format::from_path(&input.to_string_lossy()).unwrap_or(Format::Csv);
        Case { name: name.into(), model, input, from, to: Format::Csv }
    }
}

/// The converter fixtures: `tests/fixtures/<case>/{model.onnx,input.csv,expected.csv}`.
pub fn fixture_cases() -> Vec<(Case, PathBuf)> {
    let dir = repo().join("tests/fixtures");
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("model.onnx").is_file())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        out.push((Case::new(&name, p.join("model.onnx"), p.join("input.csv")), p.join("expected.csv")));
    }
    out
}

/// The example models in `models/`.
pub fn example_models() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("models"))
        .expect("models/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .collect();
    v.sort();
    v
}

fn code(f: Format) -> &'static str {
    match f {
        Format::Csv => "csv",
        Format::JsonLines => "jsonl",
        Format::Json => "json",
    }
}

/// An engine runs cases in a batch (JavaScript engines start once per batch).
pub trait Engine {
    fn name(&self) -> &'static str;
    /// The output text of each case, or its error message.
    fn run(&self, cases: &[Case]) -> Result<Vec<Result<String, String>>>;
    /// The golden report `{"cases": n, "mismatches": [...]}` of each model.
    fn golden(&self, models: &[PathBuf]) -> Result<Vec<Result<Value, String>>>;
}

/// Native tract: the runtime as a Rust library.
pub struct Tract;

impl Engine for Tract {
    fn name(&self) -> &'static str {
        "tract (native)"
    }
    fn run(&self, cases: &[Case]) -> Result<Vec<Result<String, String>>> {
        Ok(cases
            .iter()
            .map(|c| {
                let model = runtime_wasm::Model::load(&read(&c.model)?).map_err(|e| e.to_string())?;
                let out = format::predict_file(&model, &read(&c.input)?, c.from, c.to).map_err(|e| e.to_string())?;
                String::from_utf8(out).map_err(|e| e.to_string())
            })
            .collect())
    }
    fn golden(&self, models: &[PathBuf]) -> Result<Vec<Result<Value, String>>> {
        Ok(models
            .iter()
            .map(|m| {
                let model = runtime_wasm::Model::load(&read(m)?).map_err(|e| e.to_string())?;
                runtime_wasm::describe::check_golden(&model).map_err(|e| e.to_string())
            })
            .collect())
    }
}

/// ONNX Runtime through `ort`, with the runtime's interface around it.
pub struct Ort;

impl Engine for Ort {
    fn name(&self) -> &'static str {
        "ONNX Runtime (ort)"
    }
    fn run(&self, cases: &[Case]) -> Result<Vec<Result<String, String>>> {
        host::ort_engine::dylib_path()?;
        Ok(cases
            .iter()
            .map(|c| {
                let model = host::ort_engine::OrtModel::load(&read(&c.model)?, 1).map_err(|e| format!("{e:#}"))?;
                let out = model.predict_file(&read(&c.input)?, c.from, c.to).map_err(|e| format!("{e:#}"))?;
                String::from_utf8(out).map_err(|e| e.to_string())
            })
            .collect())
    }
    fn golden(&self, models: &[PathBuf]) -> Result<Vec<Result<Value, String>>> {
        host::ort_engine::dylib_path()?;
        Ok(models
            .iter()
            .map(|m| {
                let model = host::ort_engine::OrtModel::load(&read(m)?, 1).map_err(|e| format!("{e:#}"))?;
                let manifest = model.file().manifest().ok_or("no manifest")?.clone();
                let table = runtime_wasm::golden::inputs(&manifest).map_err(|e| e.to_string())?;
                let p = model.predict(&table).map_err(|e| format!("{e:#}"))?;
                let mismatches = runtime_wasm::golden::compare(&manifest, &p);
                Ok(json!({"cases": manifest.golden.len(), "mismatches": mismatches}))
            })
            .collect())
    }
}

/// The `wasm32-wasip1` module under wasmtime.
pub struct Wasmtime;

impl Wasmtime {
    /// The compiled module, shared by every test of the process (compiling
    /// the runtime with Cranelift takes long; the `.cwasm` cache makes later
    /// processes fast).
    pub fn runtime() -> Result<host::wasi_engine::WasiRuntime> {
        static RUNTIME: std::sync::OnceLock<Result<host::wasi_engine::WasiRuntime, String>> =
            std::sync::OnceLock::new();
        RUNTIME
            .get_or_init(|| {
                let path = wasm_pkg().join("wasi/runtime_wasm.wasm");
                if !path.is_file() {
                    return Err(format!(
                        "{} is missing: run scripts/build-wasm.sh (scripts/test.sh does)",
                        path.display()
                    ));
                }
                host::wasi_engine::WasiRuntime::open(&path).map_err(|e| format!("{e:#}"))
            })
            .clone()
            .map_err(|e| anyhow!("{e}"))
    }
}

impl Engine for Wasmtime {
    fn name(&self) -> &'static str {
        "WASI module (wasmtime)"
    }
    fn run(&self, cases: &[Case]) -> Result<Vec<Result<String, String>>> {
        let rt = Self::runtime()?;
        Ok(cases
            .iter()
            .map(|c| {
                let mut inst = rt.instantiate(Default::default()).map_err(|e| format!("{e:#}"))?;
                let h = inst.load(&read(&c.model)?).map_err(|e| format!("{e:#}"))?;
                let out =
                    inst.predict(h, &read(&c.input)?, c.from.code(), c.to.code()).map_err(|e| format!("{e:#}"))?;
                String::from_utf8(out).map_err(|e| e.to_string())
            })
            .collect())
    }
    fn golden(&self, models: &[PathBuf]) -> Result<Vec<Result<Value, String>>> {
        let rt = Self::runtime()?;
        Ok(models
            .iter()
            .map(|m| {
                let mut inst = rt.instantiate(Default::default()).map_err(|e| format!("{e:#}"))?;
                let h = inst.load(&read(m)?).map_err(|e| format!("{e:#}"))?;
                let report = inst.check_golden(h).map_err(|e| format!("{e:#}"))?;
                serde_json::from_str(&report).map_err(|e| e.to_string())
            })
            .collect())
    }
}

/// The browser module, driven by `tests/js/run-cases.mjs` under node or in
/// headless Chromium.
pub struct Js {
    pub engine: &'static str,
}

impl Js {
    fn call(&self, cases: Vec<Value>) -> Result<Vec<Value>> {
        let pkg = wasm_pkg();
        if !pkg.join("web/runtime_wasm_bg.wasm").is_file() || !pkg.join("node/runtime_wasm_bg.wasm").is_file() {
            bail!(
                "the browser module is missing in {}: run scripts/build-wasm.sh (scripts/test.sh does)",
                pkg.display()
            );
        }
        let mut child = Command::new("node")
            .arg(repo().join("tests/js/run-cases.mjs"))
            .args(["--engine", self.engine, "--pkg"])
            .arg(&pkg)
            .current_dir(repo())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("starting node (is Node.js installed? scripts/setup.sh)")?;
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().ok_or_else(|| anyhow!("no stdin"))?;
            stdin.write_all(serde_json::to_string(&cases)?.as_bytes())?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            bail!("run-cases.mjs ({}) failed: {}", self.engine, String::from_utf8_lossy(&out.stderr));
        }
        let results: Vec<Value> = serde_json::from_slice(&out.stdout).with_context(|| {
            format!("run-cases.mjs printed no JSON; stderr: {}", String::from_utf8_lossy(&out.stderr))
        })?;
        if results.len() != cases.len() {
            bail!("run-cases.mjs returned {} results for {} cases", results.len(), cases.len());
        }
        Ok(results)
    }

    fn result(v: &Value) -> Result<String, String> {
        if v["ok"].as_bool() == Some(true) {
            Ok(v["output"].as_str().unwrap_or_default().to_string())
        } else {
            Err(v["error"].as_str().unwrap_or("no error text").to_string())
        }
    }
}

impl Engine for Js {
    fn name(&self) -> &'static str {
        match self.engine {
            "node" => "browser module (node)",
            _ => "browser module (headless Chromium)",
        }
    }
    fn run(&self, cases: &[Case]) -> Result<Vec<Result<String, String>>> {
        let spec = cases
            .iter()
            .map(
                |c| json!({"name": c.name, "model": c.model, "input": c.input, "from": code(c.from), "to": code(c.to)}),
            )
            .collect();
        Ok(self.call(spec)?.iter().map(Js::result).collect())
    }
    fn golden(&self, models: &[PathBuf]) -> Result<Vec<Result<Value, String>>> {
        let spec = models.iter().map(|m| json!({"name": m, "model": m, "golden": true})).collect();
        Ok(self
            .call(spec)?
            .iter()
            .map(|v| Js::result(v).and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string())))
            .collect())
    }
}

/// Every engine, in the order they are reported.
pub fn engines() -> Vec<Box<dyn Engine>> {
    vec![
        Box::new(Tract),
        Box::new(Ort),
        Box::new(Wasmtime),
        Box::new(Js { engine: "node" }),
        Box::new(Js { engine: "browser" }),
    ]
}

fn read(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

/// Tolerance of the parity suite against the training library's outputs:
/// `|got - expected| <= REL * |expected| + ABS`; labels must be equal.
pub const REL: f64 = 1e-5;
pub const ABS: f64 = 1e-6;

/// Compares the output columns of `got` (a CSV with inputs and outputs) with
/// `expected` (a CSV of output columns only). Returns the differences found.
pub fn compare_csv(expected: &str, got: &str, rel: f64, abs: f64) -> Vec<String> {
    let parse = |s: &str| -> Result<(Vec<String>, Vec<Vec<String>>), String> {
        let mut r = csv::Reader::from_reader(s.as_bytes());
        let h: Vec<String> = r.headers().map_err(|e| e.to_string())?.iter().map(String::from).collect();
        let rows = r
            .records()
            .map(|rec| rec.map(|rec| rec.iter().map(String::from).collect()).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        Ok((h, rows))
    };
    let (eh, erows) = match parse(expected) {
        Ok(x) => x,
        Err(e) => return vec![format!("expected CSV: {e}")],
    };
    let (gh, grows) = match parse(got) {
        Ok(x) => x,
        Err(e) => return vec![format!("output CSV: {e}")],
    };
    if erows.len() != grows.len() {
        return vec![format!("{} rows expected, {} output", erows.len(), grows.len())];
    }
    let mut diffs = Vec::new();
    for (ei, name) in eh.iter().enumerate() {
        let Some(gi) = gh.iter().position(|h| h == name) else {
            diffs.push(format!("output column `{name}` is missing (output has {gh:?})"));
            continue;
        };
        for (r, (er, gr)) in erows.iter().zip(&grows).enumerate() {
            let (e, g) = (&er[ei], &gr[gi]);
            let ok = match (e.parse::<f64>(), g.parse::<f64>()) {
                (Ok(e), Ok(g)) => (g - e).abs() <= rel * e.abs() + abs || (e.is_nan() && g.is_nan()),
                _ => e == g,
            };
            if !ok && diffs.len() < 20 {
                diffs.push(format!("row {}, `{name}`: expected {e}, got {g}", r + 1));
            }
        }
    }
    diffs
}
