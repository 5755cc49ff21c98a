//! The runtime's errors: each says what is wrong in words a model's user can act on.

/// Everything that can go wrong loading a model or predicting with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("this is not an ONNX model: {0}")]
    NotOnnx(String),
    #[error(transparent)]
    Manifest(manifest::Error),
    #[error(
        "the model uses operator `{op}` (domain `{domain}`) in node `{node}`, which citizen's runtime does not support"
    )]
    Unsupported { op: String, domain: String, node: String },
    #[error("the model is invalid: {0}")]
    Model(String),
    #[error(transparent)]
    Input(manifest::Error),
    #[error("prediction failed: {0}")]
    Run(String),
}
