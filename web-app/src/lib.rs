//! The citizen web app, built with trunk: the field agent's form generated
//! from a model's signature, on-device prediction with the runtime compiled
//! into this module, explanations, batch scoring with local/cloud routing,
//! offline use through a service worker, and a compact mode for embedding as
//! a tab; and the maker's studio (upload, schema, training with live
//! progress, evaluation charts, publish, drift, retraining policy).
//!
//! The pure parts live here and are tested natively: how a field is labelled
//! and filled ([`form`]), how numbers are shown ([`text`]), local batches
//! and their routing ([`batch`]), the studio's evaluation charts as SVG
//! markup ([`charts`]) and its reading of the server's JSON ([`wire`]). The
//! pages themselves (`app`, `studio`) only build for `wasm32`.
//!
//! It runs in the browser: it must never depend on tokio, ort, axum or
//! object_store.

pub mod batch;
pub mod charts;
pub mod form;
pub mod text;
pub mod wire;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod dom;
#[cfg(target_arch = "wasm32")]
mod studio;

#[cfg(target_arch = "wasm32")]
pub use app::start;
