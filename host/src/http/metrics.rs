//! `/metrics` in the Prometheus text format: requests by route and status,
//! latency histograms by route, rows predicted by model, batch jobs.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FieldLabels {
    model: String,
    field: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    state: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    rows: Family<ModelLabels, Counter>,
    jobs: Family<JobLabels, Counter>,
    forwarded: Family<JobLabels, Counter>,
    drift_psi: Family<FieldLabels, Gauge<f64, AtomicU64>>,
    drifted: Family<ModelLabels, Gauge>,
    decisions: Family<DecisionLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    model: String,
    trigger: String,
    promoted: String,
}

fn latency_histogram() -> Histogram {
    // 50 µs to about 1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("citizen");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        let rows = Family::<ModelLabels, Counter>::default();
        let jobs = Family::<JobLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer an HTTP request", latency.clone());
        registry.register("predicted_rows", "Rows predicted, by model", rows.clone());
        registry.register("batch_jobs_finished", "Batch jobs finished, by final state", jobs.clone());
        let forwarded = Family::<JobLabels, Counter>::default();
        registry.register(
            "edge_forwarded_batches",
            "Batches the edge queued for the cloud, then forwarded or saw refused",
            forwarded.clone(),
        );
        let drift_psi = Family::<FieldLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "model_input_drift_psi",
            "Population stability index of a model's input field at its last drift check",
            drift_psi.clone(),
        );
        let drifted = Family::<ModelLabels, Gauge>::default();
        registry.register("model_drifted", "1 when a model's last drift check found a drifted field", drifted.clone());
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "retrain_decisions",
            "Retraining and rollback decisions, by model, trigger and whether the alias moved",
            decisions.clone(),
        );
        Metrics { registry, requests, latency, rows, jobs, forwarded, drift_psi, drifted, decisions }
    }

    pub fn rows(&self, model: &str, n: usize) {
        self.rows.get_or_create(&ModelLabels { model: model.to_string() }).inc_by(n as u64);
    }

    pub fn job_finished(&self, state: &str) {
        self.jobs.get_or_create(&JobLabels { state: state.to_string() }).inc();
    }

    pub fn forwarded(&self, state: &str) {
        self.forwarded.get_or_create(&JobLabels { state: state.to_string() }).inc();
    }

    /// The outcome of a drift check: PSI per field, and the model's flag.
    pub fn drift(&self, model: &str, drifted: bool, fields: &[(String, f64)]) {
        for (field, psi) in fields {
            self.drift_psi.get_or_create(&FieldLabels { model: model.to_string(), field: field.clone() }).set(*psi);
        }
        self.drifted.get_or_create(&ModelLabels { model: model.to_string() }).set(i64::from(drifted));
    }

    /// A logged retraining or rollback decision.
    pub fn decision(&self, model: &str, trigger: &str, promoted: bool) {
        let labels =
            DecisionLabels { model: model.to_string(), trigger: trigger.to_string(), promoted: promoted.to_string() };
        self.decisions.get_or_create(&labels).inc();
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Counts and times every request, by its route pattern (not its path, so
/// model names and ids do not explode the label space).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "other".into());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    metrics.latency.get_or_create(&RouteLabels { route: route.clone() }).observe(start.elapsed().as_secs_f64());
    metrics.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    response
}

pub async fn handler(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], metrics.render())
}
