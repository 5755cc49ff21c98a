//! What the cloud server and the edge host share on the wire: the JSON
//! error body, Prometheus metrics and bounded body reading.

pub mod error;
pub mod metrics;

use axum::body::Body;
use axum::http::StatusCode;
use bytes::Bytes;

use self::error::{ApiError, ApiResult};

/// Reads a body up to `limit` bytes; more is a 413 with a JSON body.
pub async fn read_body(body: Body, limit: usize) -> ApiResult<Bytes> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let e = e.into_inner();
        if e.is::<http_body_util::LengthLimitError>() {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body is larger than the limit of {limit} bytes"),
            )
        } else {
            ApiError::bad_request("unreadable_body", format!("could not read the request body: {e}"))
        }
    })
}

/// Logs to standard error for both servers: `RUST_LOG` sets the level
/// (default: info), and `CITIZEN_LOG_FORMAT=json` writes one JSON object per
/// line. Colours only on a terminal (and not under `NO_COLOR`), so a log
/// sent to a file or a collector has no escape codes in it.
pub fn init_logging() {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second call (tests start servers in one process) keeps the first.
    let _ = if std::env::var("CITIZEN_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().try_init()
    } else {
        builder.with_ansi(colour).try_init()
    };
}

/// Resolves on Ctrl-C or SIGTERM: the servers then finish the requests in
/// flight and stop.
pub async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Lower-case hex (runs on every request's token: no per-byte formatting).
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

/// Hex sha256 of bytes: model checksums and ETags, token hashes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(bytes))
}

/// `bytes` random bytes as hex: token secrets, job ids.
pub fn random_hex(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex(&buf))
}

/// Names of models and aliases: letters, digits, `-`, `_`, `.`; starting
/// with a letter or digit; at most 100 characters; no `..`. Nothing that
/// could climb out of the store's folders.
/// A media type's essence: lower case, without parameters (`; charset=...`).
pub fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The essence of a request's Content-Type (empty when there is none).
pub fn content_type(headers: &axum::http::HeaderMap) -> String {
    essence(headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or(""))
}

pub fn check_name(what: &str, name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !name.contains("..");
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_name",
            format!(
                "invalid {what} name {name:?}: use 1 to 100 letters, digits, `-`, `_` or `.`, starting with a letter or digit"
            ),
        ))
    }
}
