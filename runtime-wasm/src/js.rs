//! The browser build: a wasm-bindgen API over [`Model`]. Errors become
//! JavaScript errors with the same text a CLI user reads. Structured values
//! cross the boundary as JSON text.

use wasm_bindgen::prelude::*;

use crate::engine::Model;
use crate::format::{self, Format};

/// A loaded model.
#[wasm_bindgen]
pub struct CitizenModel {
    model: Model,
}

fn js(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
impl CitizenModel {
    /// Loads a model from the bytes of its `.onnx` file.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<CitizenModel, JsError> {
        Ok(CitizenModel { model: Model::load(bytes).map_err(js)? })
    }

    /// The manifest as JSON text, or `null` for a plain ONNX model.
    pub fn manifest(&self) -> Option<String> {
        self.model.manifest().map(|m| m.to_json())
    }

    /// The inputs and outputs as JSON text.
    pub fn signature(&self) -> String {
        crate::describe::signature_json(self.model.file()).to_string()
    }

    /// Predicts rows given as JSON (an object, an array of objects, or an
    /// object of columns); returns a JSON array with one object per row.
    #[wasm_bindgen(js_name = predictJson)]
    pub fn predict_json(&self, rows: &str) -> Result<String, JsError> {
        let p = self.model.predict_json(rows).map_err(js)?;
        serde_json::to_string(&crate::interface::JsonRows(&p)).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Predicts a file's text (`csv`, `jsonl` or `json`): the rows with the
    /// output columns appended, in the format `to`.
    #[wasm_bindgen(js_name = predictText)]
    pub fn predict_text(&self, input: &str, from: &str, to: &str) -> Result<String, JsError> {
        let f = Format::from_name(from).ok_or_else(|| js(format!("unknown format {from:?}")))?;
        let t = Format::from_name(to).ok_or_else(|| js(format!("unknown format {to:?}")))?;
        let out = format::predict_file(&self.model, input.as_bytes(), f, t).map_err(js)?;
        String::from_utf8(out).map_err(js)
    }

    /// Predicts a row-major float matrix for a plain model with one 2-D
    /// input; returns the first output's values. The fast path for benches.
    #[wasm_bindgen(js_name = predictMatrix)]
    pub fn predict_matrix(&self, data: &[f32], rows: usize) -> Result<Vec<f32>, JsError> {
        crate::describe::predict_matrix(&self.model, data, rows).map_err(js)
    }

    /// Why the model predicts what it does for one row (a JSON object):
    /// per-field contributions that sum to the prediction minus the
    /// baseline's, as JSON (see `explain`).
    #[wasm_bindgen(js_name = explainJson)]
    pub fn explain_json(&self, row: &str) -> Result<String, JsError> {
        let row: serde_json::Map<String, serde_json::Value> = serde_json::from_str(row).map_err(js)?;
        Ok(crate::explain::explain(&self.model, &row).map_err(js)?.to_json().to_string())
    }

    /// Runs the manifest's golden cases; returns a JSON report
    /// `{"cases": n, "mismatches": [...]}`.
    #[wasm_bindgen(js_name = checkGolden)]
    pub fn check_golden(&self) -> Result<String, JsError> {
        crate::describe::check_golden(&self.model).map(|r| r.to_string()).map_err(js)
    }
}
