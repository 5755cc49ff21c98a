//! The WASI build: a small C ABI for a wasmtime host. Bytes go in through
//! memory the host gets from `citizen_alloc`; every call returns a status
//! (0 ok, 1 error) and leaves its answer (result or error text) in a buffer
//! read with `citizen_result_ptr`/`citizen_result_len`.
//!
//! Exports: `citizen_alloc(len) -> ptr`, `citizen_free(ptr, len)`,
//! `citizen_load(ptr, len) -> handle` (0 on error), `citizen_unload(handle)`,
//! `citizen_predict(handle, from, to, ptr, len) -> status` (formats: 0 CSV,
//! 1 JSON Lines, 2 JSON), `citizen_manifest(handle) -> status`,
//! `citizen_signature(handle) -> status`, `citizen_check_golden(handle) -> status`,
//! `citizen_predict_matrix(handle, ptr, len_f32, rows) -> status` (result: f32 LE).

use std::cell::RefCell;

use crate::engine::Model;
use crate::format::{self, Format};

thread_local! {
    static MODELS: RefCell<Vec<Option<Model>>> = const { RefCell::new(Vec::new()) };
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn answer(r: Result<Vec<u8>, String>) -> u32 {
    let (status, bytes) = match r {
        Ok(b) => (0, b),
        Err(e) => (1, e.into_bytes()),
    };
    RESULT.with(|res| *res.borrow_mut() = bytes);
    status
}

/// # Safety
/// `ptr..ptr+len` must be memory this module handed out with `citizen_alloc`.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        return &[];
    }
    // SAFETY: the caller promises the range was allocated by `citizen_alloc`.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

fn with_model<T>(handle: u32, f: impl FnOnce(&Model) -> Result<T, String>) -> Result<T, String> {
    MODELS.with(|m| {
        let models = m.borrow();
        let model = models
            .get((handle as usize).wrapping_sub(1))
            .and_then(Option::as_ref)
            .ok_or_else(|| format!("no model is loaded under handle {handle}"))?;
        f(model)
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn citizen_alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len.max(1));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// # Safety
/// `ptr` and `len` must come from one `citizen_alloc(len)` call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn citizen_free(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        // SAFETY: allocated by `citizen_alloc` with this capacity.
        drop(unsafe { Vec::from_raw_parts(ptr, 0, len.max(1)) });
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn citizen_result_ptr() -> *const u8 {
    RESULT.with(|r| r.borrow().as_ptr())
}

#[unsafe(no_mangle)]
pub extern "C" fn citizen_result_len() -> usize {
    RESULT.with(|r| r.borrow().len())
}

/// # Safety
/// See [`input`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn citizen_load(ptr: *const u8, len: usize) -> u32 {
    let bytes = unsafe { input(ptr, len) };
    match Model::load(bytes) {
        Ok(model) => MODELS.with(|m| {
            let mut models = m.borrow_mut();
            models.push(Some(model));
            answer(Ok(vec![]));
            models.len() as u32
        }),
        Err(e) => {
            answer(Err(e.to_string()));
            0
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn citizen_unload(handle: u32) {
    MODELS.with(|m| {
        if let Some(slot) = m.borrow_mut().get_mut((handle as usize).wrapping_sub(1)) {
            *slot = None;
        }
    });
}

/// # Safety
/// See [`input`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn citizen_predict(handle: u32, from: u32, to: u32, ptr: *const u8, len: usize) -> u32 {
    let bytes = unsafe { input(ptr, len) };
    answer(with_model(handle, |model| {
        let f = Format::from_code(from).ok_or_else(|| format!("unknown input format {from}"))?;
        let t = Format::from_code(to).ok_or_else(|| format!("unknown output format {to}"))?;
        format::predict_file(model, bytes, f, t).map_err(|e| e.to_string())
    }))
}

/// # Safety
/// `ptr` holds `len` f32 values (little-endian), allocated by `citizen_alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn citizen_predict_matrix(handle: u32, ptr: *const u8, len: usize, rows: usize) -> u32 {
    let bytes = unsafe { input(ptr, len * 4) };
    let data: Vec<f32> = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    answer(with_model(handle, |model| {
        let out = crate::describe::predict_matrix(model, &data, rows).map_err(|e| e.to_string())?;
        Ok(out.iter().flat_map(|v| v.to_le_bytes()).collect())
    }))
}

#[unsafe(no_mangle)]
pub extern "C" fn citizen_manifest(handle: u32) -> u32 {
    answer(with_model(handle, |m| Ok(m.manifest().map(|m| m.to_json()).unwrap_or_else(|| "null".into()).into_bytes())))
}

#[unsafe(no_mangle)]
pub extern "C" fn citizen_signature(handle: u32) -> u32 {
    answer(with_model(handle, |m| Ok(crate::describe::signature_json(m.file()).to_string().into_bytes())))
}

#[unsafe(no_mangle)]
pub extern "C" fn citizen_check_golden(handle: u32) -> u32 {
    answer(with_model(handle, |m| {
        crate::describe::check_golden(m).map(|r| r.to_string().into_bytes()).map_err(|e| e.to_string())
    }))
}
