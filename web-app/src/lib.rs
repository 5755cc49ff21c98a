//! The citizen web app (to come), built with trunk: the field agent's form
//! generated from a model's signature, on-device prediction with the
//! runtime's browser build, batch scoring with local/cloud routing, offline
//! caching, and a compact mode for embedding as a tab.
//!
//! It runs in the browser: it must never depend on tokio, ort, axum or
//! object_store.
