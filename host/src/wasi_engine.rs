//! The runtime's `wasm32-wasip1` module under wasmtime: the edge's engine.
//! Sandboxed: each call has a fuel budget and the instance a memory limit,
//! so a bad model or input returns an error instead of hanging the host.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use wasmtime::{Config, Engine, Instance, Memory, Module, ResourceLimiter, Store, TypedFunc};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::WasiP1Ctx;

struct State {
    wasi: WasiP1Ctx,
    limiter: Limiter,
}

/// Caps the instance's memory and remembers when it refused to grow, so a
/// trap that follows (Rust aborts when an allocation fails) is reported as
/// what it is.
struct Limiter {
    memory_bytes: usize,
    refused: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let ok = desired <= self.memory_bytes;
        self.refused |= !ok;
        Ok(ok)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Limits for one module instance.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub memory_bytes: usize,
    /// Fuel (about one unit per WebAssembly instruction) of one prediction call.
    pub fuel_per_call: u64,
    /// Fuel of loading a model (parsing and planning it), kept apart so a
    /// tight budget per prediction still lets a model load.
    pub fuel_per_load: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { memory_bytes: 1 << 30, fuel_per_call: 200_000_000_000, fuel_per_load: 200_000_000_000 }
    }
}

/// Why a call into the module failed. `Refused` leaves the instance usable
/// (the module answered: bad input or a bad model); after the others the
/// instance must be dropped.
#[derive(Debug)]
pub enum ModuleError {
    /// The module's own error text, e.g. a row and field that do not fit.
    Refused(String),
    /// The call ran out of fuel or memory and was stopped.
    Limit(String),
    /// The module trapped for another reason.
    Stopped(String),
}

impl std::fmt::Display for ModuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModuleError::Refused(m) | ModuleError::Limit(m) | ModuleError::Stopped(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ModuleError {}

/// A compiled runtime module, cached on disk as a `.cwasm` next to it.
#[derive(Clone)]
pub struct WasiRuntime {
    engine: Engine,
    module: Module,
}

impl WasiRuntime {
    /// Compiles (or loads the cached compilation of) the module at `path`.
    pub fn open(path: &Path) -> Result<WasiRuntime> {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config)?;
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read the runtime module {}", path.display()))?;
        let cache = cache_path(&engine, path, &bytes);
        let module = match cache.as_ref().filter(|c| c.is_file()) {
            // SAFETY: the file was written by `precompile_module` of this same
            // wasmtime version and configuration (both are in its name).
            Some(c) => unsafe { Module::deserialize_file(&engine, c) }?,
            None => {
                let compiled = engine.precompile_module(&bytes)?;
                if let Some(c) = &cache {
                    let tmp = c.with_extension(format!("tmp-{}", std::process::id()));
                    if std::fs::write(&tmp, &compiled).is_ok() {
                        let _ = std::fs::rename(&tmp, c);
                    }
                }
                // SAFETY: produced just above by this engine.
                unsafe { Module::deserialize(&engine, &compiled) }?
            }
        };
        Ok(WasiRuntime { engine, module })
    }

    /// A fresh sandboxed instance.
    pub fn instantiate(&self, limits: Limits) -> Result<WasiInstance> {
        let mut linker = wasmtime::Linker::<State>::new(&self.engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut State| &mut s.wasi)?;
        let state = State {
            wasi: WasiCtxBuilder::new().build_p1(),
            limiter: Limiter { memory_bytes: limits.memory_bytes, refused: false },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_fuel(limits.fuel_per_call)?;
        let instance = linker.instantiate(&mut store, &self.module)?;
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ())?;
        }
        let memory =
            instance.get_memory(&mut store, "memory").ok_or_else(|| anyhow!("the module exports no memory"))?;
        let f = Funcs::new(&instance, &mut store)?;
        Ok(WasiInstance { store, memory, f, limits })
    }
}

/// Where the compiled module is kept: next to the module when that folder
/// is writable, else in `$XDG_CACHE_HOME/citizen` (or `~/.cache/citizen`).
/// The name holds the module's sha256 and wasmtime's compatibility hash
/// (its version and the engine's settings), so a stale file is never used.
fn cache_path(engine: &Engine, path: &Path, bytes: &[u8]) -> Option<PathBuf> {
    use sha2::Digest as _;
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let sha = sha2::Sha256::digest(bytes);
    let hex: String = sha[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("{}.{hex}.wasmtime-{:016x}.cwasm", path.file_stem()?.to_string_lossy(), h.finish());
    let beside = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if writable(beside) {
        return Some(beside.join(name));
    }
    let home = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let dir = home.join("citizen");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join(name))
}

/// Whether a file can be created in `dir` (permissions alone do not say so
/// for root or read-only mounts).
fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".citizen-probe-{}", std::process::id()));
    let ok = std::fs::write(&probe, b"").is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// The runtime's WASI module: `explicit` (e.g. `--module`),
/// `CITIZEN_WASM_MODULE` or `CITIZEN_WASM` (a file), next to the executable,
/// or in the build's `wasm-pkg/wasi/` (`CITIZEN_WASM_PKG`).
pub fn find_module(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        if !p.is_file() {
            bail!("the runtime module {} does not exist", p.display());
        }
        return Ok(p.to_path_buf());
    }
    let mut candidates = Vec::new();
    for var in ["CITIZEN_WASM_MODULE", "CITIZEN_WASM"] {
        if let Some(p) = std::env::var_os(var) {
            candidates.push(PathBuf::from(p));
        }
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        candidates.push(dir.join("runtime_wasm.wasm"));
        candidates.push(dir.join("../wasm-pkg/wasi/runtime_wasm.wasm"));
    }
    if let Some(p) = std::env::var_os("CITIZEN_WASM_PKG") {
        candidates.push(PathBuf::from(p).join("wasi/runtime_wasm.wasm"));
    }
    candidates.into_iter().find(|p| p.is_file()).ok_or_else(|| {
        anyhow!(
            "the runtime's WASI module (runtime_wasm.wasm) was not found next to the executable; \
             build it with scripts/build-wasm.sh, or pass --module or set CITIZEN_WASM_MODULE"
        )
    })
}

/// Predicts a table file's bytes with a model file through a fresh instance
/// of the module: what `citizen predict --engine wasm` and
/// `citizen-edge predict` run, so their files are byte-identical.
pub fn predict_file(
    runtime: &WasiRuntime,
    limits: Limits,
    model: &Path,
    input: &[u8],
    from: runtime_wasm::format::Format,
    to: runtime_wasm::format::Format,
) -> Result<Vec<u8>> {
    let model_bytes = std::fs::read(model).with_context(|| format!("cannot read {}", model.display()))?;
    let mut instance = runtime.instantiate(limits)?;
    let handle = instance.load(&model_bytes).with_context(|| format!("{}", model.display()))?;
    instance.predict(handle, input, from.code(), to.code())
}

#[derive(Clone)]
struct Funcs {
    alloc: TypedFunc<u32, u32>,
    free: TypedFunc<(u32, u32), ()>,
    result_ptr: TypedFunc<(), u32>,
    result_len: TypedFunc<(), u32>,
    load: TypedFunc<(u32, u32), u32>,
    predict: TypedFunc<(u32, u32, u32, u32, u32), u32>,
    predict_matrix: TypedFunc<(u32, u32, u32, u32), u32>,
    manifest: TypedFunc<u32, u32>,
    check_golden: TypedFunc<u32, u32>,
}

impl Funcs {
    fn new(i: &Instance, s: &mut Store<State>) -> Result<Funcs> {
        Ok(Funcs {
            alloc: i.get_typed_func(&mut *s, "citizen_alloc")?,
            free: i.get_typed_func(&mut *s, "citizen_free")?,
            result_ptr: i.get_typed_func(&mut *s, "citizen_result_ptr")?,
            result_len: i.get_typed_func(&mut *s, "citizen_result_len")?,
            load: i.get_typed_func(&mut *s, "citizen_load")?,
            predict: i.get_typed_func(&mut *s, "citizen_predict")?,
            predict_matrix: i.get_typed_func(&mut *s, "citizen_predict_matrix")?,
            manifest: i.get_typed_func(&mut *s, "citizen_manifest")?,
            check_golden: i.get_typed_func(&mut *s, "citizen_check_golden")?,
        })
    }
}

/// One instance of the module, holding loaded models.
pub struct WasiInstance {
    store: Store<State>,
    memory: Memory,
    f: Funcs,
    limits: Limits,
}

impl WasiInstance {
    /// Calls an export; a trap becomes an error saying why.
    fn call<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(&mut self, f: TypedFunc<P, R>, params: P) -> Result<R> {
        let r = f.call(&mut self.store, params);
        r.map_err(|e| trap(e, self.limits, self.store.data().limiter.refused))
    }

    fn refuel(&mut self) -> Result<()> {
        Ok(self.store.set_fuel(self.limits.fuel_per_call)?)
    }

    /// Fuel the last prediction or golden check used.
    pub fn fuel_used(&self) -> u64 {
        self.limits.fuel_per_call.saturating_sub(self.store.get_fuel().unwrap_or(0))
    }

    /// Whether this instance is still usable after an error.
    pub fn survives(e: &anyhow::Error) -> bool {
        matches!(e.downcast_ref::<ModuleError>(), Some(ModuleError::Refused(_)))
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(u32, u32)> {
        let len = u32::try_from(bytes.len()).map_err(|_| anyhow!("input too large for the module"))?;
        let ptr = self.call(self.f.alloc.clone(), len)?;
        self.memory.write(&mut self.store, ptr as usize, bytes)?;
        Ok((ptr, len))
    }

    fn free(&mut self, (ptr, len): (u32, u32)) {
        let _ = self.call(self.f.free.clone(), (ptr, len));
    }

    fn result(&mut self, status: u32) -> Result<Vec<u8>> {
        let ptr = self.call(self.f.result_ptr.clone(), ())? as usize;
        let len = self.call(self.f.result_len.clone(), ())? as usize;
        let mut out = vec![0u8; len];
        self.memory.read(&self.store, ptr, &mut out)?;
        if status != 0 {
            return Err(ModuleError::Refused(String::from_utf8_lossy(&out).into_owned()).into());
        }
        Ok(out)
    }

    /// Loads a model into the instance; returns its handle.
    pub fn load(&mut self, model: &[u8]) -> Result<u32> {
        self.store.set_fuel(self.limits.fuel_per_load)?;
        let buf = self.put(model)?;
        let handle = self.call(self.f.load.clone(), buf);
        self.free(buf);
        let handle = handle?;
        if handle == 0 {
            self.result(1)?;
        }
        Ok(handle)
    }

    /// Predicts a file's bytes; formats as in `runtime_wasm::format::Format::code`.
    pub fn predict(&mut self, handle: u32, input: &[u8], from: u32, to: u32) -> Result<Vec<u8>> {
        self.refuel()?;
        let buf = self.put(input)?;
        let status = self.call(self.f.predict.clone(), (handle, from, to, buf.0, buf.1));
        self.free(buf);
        let status = status?;
        self.result(status)
    }

    /// Predicts a row-major float matrix; returns the first output.
    pub fn predict_matrix(&mut self, handle: u32, data: &[f32], rows: usize) -> Result<Vec<f32>> {
        self.refuel()?;
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        let buf = self.put(&bytes)?;
        let status = self.call(self.f.predict_matrix.clone(), (handle, buf.0, data.len() as u32, rows as u32));
        self.free(buf);
        let out = self.result(status?)?;
        Ok(out.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    pub fn manifest(&mut self, handle: u32) -> Result<String> {
        let status = self.call(self.f.manifest.clone(), handle)?;
        Ok(String::from_utf8_lossy(&self.result(status)?).into_owned())
    }

    pub fn check_golden(&mut self, handle: u32) -> Result<String> {
        self.refuel()?;
        let status = self.call(self.f.check_golden.clone(), handle)?;
        Ok(String::from_utf8_lossy(&self.result(status)?).into_owned())
    }
}

/// Why a call into the module failed, in words. After a trap the instance
/// must be dropped and a new one made.
fn trap(e: wasmtime::Error, limits: Limits, memory_refused: bool) -> anyhow::Error {
    let e = if memory_refused {
        ModuleError::Limit(format!(
            "the runtime module exceeded its memory limit ({} MiB) and was stopped",
            limits.memory_bytes >> 20
        ))
    } else {
        match e.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::OutOfFuel) => {
                ModuleError::Limit("the model ran out of its compute budget (fuel) and was stopped".into())
            }
            Some(other) => ModuleError::Stopped(format!("the runtime module stopped: {other}")),
            None => ModuleError::Stopped(format!("the runtime module failed: {e:#}")),
        }
    };
    e.into()
}
