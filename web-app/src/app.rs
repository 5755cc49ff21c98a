//! The page: sign in, pick a model, fill its form, predict here, see why,
//! score batches here or in the cloud, offline and as an embedded tab.
//!
//! Routes live in the URL's fragment: `#/` is the model picker and
//! `#/models/NAME` one model's form (the deep link a tab uses); `#/studio…`
//! are the maker's pages (`studio.rs`). `?tab`
//! (or being framed) switches to the compact layout; `?local-limit-ms=N`
//! overrides the batch routing limit.

use std::cell::RefCell;
use std::collections::HashMap;

use runtime_wasm::Model;
use serde_json::{Map, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{Headers, Request, RequestInit, Response};

use crate::batch::{self, LocalBatch, Route};
use crate::dom::{self, El, el};
use crate::form::{self, Control, Entered, FormField};
use crate::text;

/// Batches estimated to take longer than this here go to the cloud.
const DEFAULT_LOCAL_LIMIT_MS: f64 = 3000.0;
/// Rows per step of a local batch (the page redraws between steps).
const LOCAL_STEP_ROWS: usize = 500;
const HISTORY: usize = 10;

struct Session {
    server: String,
    token: String,
}

struct Loaded {
    name: String,
    version: u64,
    model: Model,
    fields: Vec<FormField>,
    /// Measured at the first batch, not at load (it costs a few hundred rows).
    ms_per_row: Option<f64>,
}

struct Past {
    at: String,
    result: String,
    took: String,
    entries: Vec<Entered>,
}

#[derive(Default)]
struct State {
    session: Option<Session>,
    loaded: Option<Loaded>,
    models: HashMap<(String, u64), Model>,
    history: Vec<Past>,
    offline: bool,
    /// Increases with every route, so a slow load of an older one is dropped.
    generation: u64,
    links: Vec<String>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// Starts the app in the page's `<body>`.
#[wasm_bindgen(start)]
pub fn start() {
    // A bug must never leave a blank page: say so on the page itself.
    std::panic::set_hook(Box::new(|info| {
        let message = format!("citizen hit a bug and stopped: {info}. Reload the page to start again.");
        web_sys::console::error_1(&message.clone().into());
        if let Some(body) = dom::document().body() {
            let note = el("p").class("error fatal").attr("role", "alert").text(&message);
            let _ = body.prepend_with_node_1(&note.0);
        }
    }));
    let body = dom::document().body().expect("a body");
    if framed() || query("tab").is_some() {
        let _ = body.class_list().add_1("tab");
    }
    body.set_inner_html("");
    let shell = el("div").class("shell").children([
        el("header").class("bar").children([
            el("a").class("brand").attr("href", "#/").text("citizen"),
            el("a").id("studio-link").class("nav").attr("href", "#/studio").attr("hidden", "").text("Studio"),
            el("span").id("net").class("badge offline").attr("role", "status").attr("hidden", ""),
            el("span").class("spacer"),
            el("span").id("who").class("who"),
            el("button")
                .id("signout")
                .class("quiet")
                .attr("type", "button")
                .attr("hidden", "")
                .text("Sign out")
                .on("click", |_| sign_out(None)),
        ]),
        el("main").id("main").attr("tabindex", "-1"),
    ]);
    let _ = body.append_child(&shell.0);

    if let (Some(token), server) = (dom::stored("citizen.token"), dom::stored("citizen.server")) {
        with(|s| s.session = Some(Session { server: server.unwrap_or_else(origin), token }));
    }
    register_service_worker();
    let window = dom::window();
    dom::on(&window, "hashchange", |_| route());
    dom::on(&window, "online", |_| set_offline(false));
    dom::on(&window, "offline", |_| set_offline(true));
    // A host page that embeds the app as a tab may hand it a token.
    dom::on(&window, "message", |e| {
        let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else { return };
        let data = e.data();
        let get = |k: &str| js_sys::Reflect::get(&data, &k.into()).ok().and_then(|v| v.as_string());
        if get("type").as_deref() == Some("citizen:token")
            && let Some(token) = get("token")
        {
            let server = get("server").unwrap_or_else(origin);
            sign_in_with(server, token);
        }
    });
    set_offline(!dom::window().navigator().on_line());
    route();
}

fn framed() -> bool {
    let w = dom::window();
    match w.top() {
        Ok(Some(top)) => top != w,
        _ => false,
    }
}

fn origin() -> String {
    dom::window().location().origin().unwrap_or_default()
}

fn query(key: &str) -> Option<String> {
    let search = dom::window().location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(key)
}

fn register_service_worker() {
    let sw = dom::window().navigator().service_worker();
    let _ = sw.register("sw.js");
}

fn set_offline(offline: bool) {
    with(|s| s.offline = offline);
    dom::show("net", offline);
    dom::set_text("net", if offline { "Offline: predictions still run on this device" } else { "" });
}

fn is_offline() -> bool {
    with(|s| s.offline)
}

fn local_limit_ms() -> f64 {
    query("local-limit-ms")
        .or_else(|| dom::stored("citizen.localLimitMs"))
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| *v >= 0.0)
        .unwrap_or(DEFAULT_LOCAL_LIMIT_MS)
}

// ---- talking to the server ----

pub(crate) enum Failure {
    /// No answer: the network or the server is down.
    Unreachable,
    /// An answer that is not a success.
    Status(u16, String),
}

impl Failure {
    pub(crate) fn message(&self) -> String {
        match self {
            Failure::Unreachable => "the server cannot be reached".into(),
            Failure::Status(_, m) => m.clone(),
        }
    }
}

pub(crate) struct Reply {
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

pub(crate) async fn call(method: &str, path: &str, body: Option<(&[u8], &str)>) -> Result<Reply, Failure> {
    let (server, token) = with(|s| s.session.as_ref().map(|x| (x.server.clone(), x.token.clone())))
        .ok_or_else(|| Failure::Status(401, "sign in first".into()))?;
    fetch(&server, &token, method, path, body).await
}

async fn fetch(
    server: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<(&[u8], &str)>,
) -> Result<Reply, Failure> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(|_| Failure::Unreachable)?;
    let _ = headers.set("Authorization", &format!("Bearer {token}"));
    if let Some((bytes, content_type)) = body {
        let _ = headers.set("Content-Type", content_type);
        init.set_body(&js_sys::Uint8Array::from(bytes).into());
    }
    init.set_headers(&headers);
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let pending = if method == "GET" { prefetched(&url) } else { None };
    let pending = match pending {
        Some(p) => p,
        None => {
            let request = Request::new_with_str_and_init(&url, &init).map_err(|_| Failure::Unreachable)?;
            dom::window().fetch_with_request(&request)
        }
    };
    let response = match JsFuture::from(pending).await {
        Ok(r) => r.unchecked_into::<Response>(),
        Err(_) => {
            set_offline(true);
            return Err(Failure::Unreachable);
        }
    };
    // The service worker marks what it answers from its copies: `offline`
    // when the network failed, `stored` for a model file it keeps.
    let copy = response.headers().get("x-citizen-cache").ok().flatten();
    let status = response.status();
    let buffer = match response.array_buffer() {
        Ok(p) => JsFuture::from(p).await.map_err(|_| Failure::Unreachable)?,
        Err(_) => return Err(Failure::Unreachable),
    };
    let body = js_sys::Uint8Array::new(&buffer).to_vec();
    match copy.as_deref() {
        Some("offline") => set_offline(true),
        Some(_) => {}
        None => set_offline(false),
    }
    if status == 503 && copy.as_deref() == Some("offline") {
        return Err(Failure::Unreachable);
    }
    if !(200..300).contains(&status) {
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let message = v["error"]["message"].as_str().map(String::from).unwrap_or_else(|| format!("HTTP {status}"));
        return Err(Failure::Status(status, message));
    }
    Ok(Reply { body })
}

/// A response the page's first script started fetching for `url` (see
/// index.html), taken once.
fn prefetched(url: &str) -> Option<js_sys::Promise> {
    let window: JsValue = dom::window().into();
    let pending = js_sys::Reflect::get(&window, &"citizenPrefetch".into()).ok().filter(|v| v.is_object())?;
    let promise = js_sys::Reflect::get(&pending, &url.into()).ok()?.dyn_into::<js_sys::Promise>().ok()?;
    let _ = js_sys::Reflect::delete_property(pending.unchecked_ref::<js_sys::Object>(), &url.into());
    Some(promise)
}

// ---- routing ----

fn route() {
    let generation = with(|s| {
        s.generation += 1;
        s.generation
    });
    let hash = dom::window().location().hash().unwrap_or_default();
    let path = hash.trim_start_matches('#').to_string();
    let signed_in = with(|s| s.session.is_some());
    dom::show("signout", signed_in);
    dom::set_text("who", &with(|s| s.session.as_ref().map(|x| host_of(&x.server)).unwrap_or_default()));
    if !signed_in {
        sign_in_view(None);
        return;
    }
    crate::studio::reveal_links();
    if let Some(rest) = path.strip_prefix("/studio") {
        crate::studio::route(rest, generation);
        return;
    }
    match path.strip_prefix("/models/") {
        Some(name) if !name.is_empty() => {
            let name = decode(name);
            spawn_local(async move { model_view(name, generation).await });
        }
        _ => spawn_local(async move { picker_view(generation).await }),
    }
}

pub(crate) fn decode(s: &str) -> String {
    js_sys::decode_uri_component(s).ok().and_then(|v| v.as_string()).unwrap_or_else(|| s.to_string())
}

/// The current route's number.
pub(crate) fn generation() -> u64 {
    with(|s| s.generation)
}

pub(crate) fn current(generation: u64) -> bool {
    with(|s| s.generation == generation)
}

fn host_of(server: &str) -> String {
    server.trim_start_matches("https://").trim_start_matches("http://").to_string()
}

pub(crate) fn sign_out(message: Option<String>) {
    dom::store("citizen.token", None);
    with(|s| {
        s.session = None;
        s.loaded = None;
        s.history.clear();
    });
    dom::show("signout", false);
    dom::show("studio-link", false);
    dom::set_text("who", "");
    sign_in_view(message);
}

fn sign_in_with(server: String, token: String) {
    dom::store("citizen.token", Some(&token));
    dom::store("citizen.server", Some(&server));
    with(|s| s.session = Some(Session { server, token }));
    route();
}

// ---- sign in ----

fn sign_in_view(message: Option<String>) {
    let server = dom::stored("citizen.server").unwrap_or_else(origin);
    dom::fill(
        "main",
        [el("section").class("panel narrow").children([
            el("h1").text("Sign in"),
            el("p").text("Paste the API token you were given. It stays in this browser."),
            el("form").id("signin").attr("novalidate", "").children([
                el("div").class("field").children([
                    el("label").attr("for", "token").text("API token"),
                    el("input")
                        .id("token")
                        .attr("type", "password")
                        .attr("autocomplete", "off")
                        .attr("required", "")
                        .attr("aria-describedby", "signin-error"),
                ]),
                el("details").children([
                    el("summary").text("Server"),
                    el("div").class("field").children([
                        el("label").attr("for", "server").text("Server address"),
                        el("input").id("server").attr("type", "url").attr("value", &server),
                    ]),
                ]),
                el("button").id("signin-button").attr("type", "submit").class("primary").text("Sign in"),
                el("p").id("signin-error").class("error").attr("role", "alert").text(message.as_deref().unwrap_or("")),
            ]),
        ])],
    );
    if let Some(f) = dom::by_id("signin") {
        dom::on(&f, "submit", |e| {
            e.prevent_default();
            let token = dom::input_value("token").unwrap_or_default().trim().to_string();
            let server = dom::input_value("server").unwrap_or_default().trim().to_string();
            let server = if server.is_empty() { origin() } else { server };
            if token.is_empty() {
                dom::set_text("signin-error", "Enter your API token.");
                return;
            }
            dom::set_text("signin-error", "Checking…");
            spawn_local(async move {
                match fetch(&server, &token, "GET", "/models", None).await {
                    Ok(_) => sign_in_with(server, token),
                    Err(Failure::Unreachable) => {
                        dom::set_text("signin-error", &format!("Cannot reach the server at {server}."))
                    }
                    Err(Failure::Status(401, m)) => {
                        dom::set_text("signin-error", &format!("This token was not accepted: {m}"))
                    }
                    Err(f) => dom::set_text("signin-error", &f.message()),
                }
            });
        });
    }
    dom::focus("token");
}

// ---- model picker ----

async fn picker_view(generation: u64) {
    dom::fill("main", [el("p").class("loading").text("Loading models…")]);
    let reply = match call("GET", "/models", None).await {
        Ok(r) => r,
        Err(Failure::Status(401, m)) => return sign_out(Some(format!("Sign in again: {m}"))),
        Err(f) => {
            if current(generation) {
                dom::fill(
                    "main",
                    [el("p")
                        .class("error")
                        .attr("role", "alert")
                        .text(&format!("The models cannot be listed: {}.", f.message()))],
                );
            }
            return;
        }
    };
    if !current(generation) {
        return;
    }
    let list = reply.json();
    let models = list["models"].as_array().cloned().unwrap_or_default();
    let cards: Vec<El> = models.iter().map(model_card).collect();
    let empty = models.is_empty();
    dom::fill(
        "main",
        [el("section").class("panel").children([
            el("h1").text("Models"),
            el("p").text(if empty {
                "This token may not read any model yet. Ask a maker to publish one, or for a reader token on it."
            } else {
                "Pick a model to open its form."
            }),
            el("ul").class("cards").id("models").children(cards),
            settings(),
        ])],
    );
    dom::focus("main");
}

fn model_card(m: &Value) -> El {
    let name = m["name"].as_str().unwrap_or_default();
    let task = m["task"].as_str().unwrap_or_default();
    let latest = m["latest"].as_u64().unwrap_or_default();
    let metrics = metric_line(&m["metrics"]);
    el("li").class("card").attr("data-model", name).children([el("a")
        .attr("href", &format!("#/models/{}", encode(name)))
        .children([
            el("h2").text(name),
            el("p").class("desc").text(m["description"].as_str().unwrap_or("")),
            el("p").class("meta").text(
                &[
                    task.replace('_', " "),
                    format!("version {latest}"),
                    metrics,
                    m["error"].as_str().map(|e| format!("cannot load: {e}")).unwrap_or_default(),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            ),
        ])])
}

pub(crate) fn encode(s: &str) -> String {
    js_sys::encode_uri_component(s).as_string().unwrap_or_else(|| s.to_string())
}

/// The cross-validated metrics in words: `CV RMSE 5.17 ± 1.52`.
fn metric_line(metrics: &Value) -> String {
    let Some(map) = metrics.as_object() else { return String::new() };
    map.iter()
        .filter(|(k, _)| !k.ends_with("_std"))
        .filter_map(|(k, v)| {
            let v = v.as_f64()?;
            let std = map.get(&format!("{k}_std")).and_then(Value::as_f64);
            let words = |m: &str| if m.len() <= 4 { m.to_uppercase() } else { m.replace('_', " ") };
            let name = k.strip_prefix("cv_").map(|m| format!("CV {}", words(m)));
            let name = name.unwrap_or_else(|| k.replace('_', " "));
            Some(match std {
                Some(s) => format!("{name} {} ± {}", text::value(v), text::value(s)),
                None => format!("{name} {}", text::value(v)),
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn settings() -> El {
    let limit = local_limit_ms() / 1000.0;
    el("details").class("settings").children([
        el("summary").text("Settings"),
        el("div").class("field").children([
            el("label").attr("for", "local-limit").text("Score a batch on this device when it takes at most (seconds)"),
            el("input")
                .id("local-limit")
                .attr("type", "number")
                .attr("min", "0")
                .attr("step", "any")
                .attr("value", &text::number(limit, 3).replace(',', ""))
                .on("change", |_| {
                    let v = dom::input_value("local-limit").and_then(|v| v.parse::<f64>().ok());
                    if let Some(v) = v.filter(|v| *v >= 0.0) {
                        dom::store("citizen.localLimitMs", Some(&(v * 1000.0).to_string()));
                    }
                }),
            el("small").class("hint").text("Larger batches go to the cloud's batch service when it can be reached."),
        ]),
    ])
}

// ---- one model ----

async fn model_view(name: String, generation: u64) {
    dom::fill("main", [el("p").class("loading").text(&format!("Loading {name}…"))]);
    match load(&name).await {
        Ok(()) if current(generation) => render_model(),
        Ok(()) => {}
        Err(Failure::Status(401, m)) => sign_out(Some(format!("Sign in again: {m}"))),
        Err(f) => {
            if current(generation) {
                dom::fill(
                    "main",
                    [el("section").class("panel").children([
                        el("p")
                            .class("error")
                            .attr("role", "alert")
                            .text(&format!("The model {name} cannot be opened: {}.", f.message())),
                        el("a").attr("href", "#/").text("All models"),
                    ])],
                );
            }
        }
    }
}

/// Fetches the model's latest version (bytes kept per version: a version
/// never changes) and measures its cost per row for batch routing.
async fn load(name: &str) -> Result<(), Failure> {
    let entry = call("GET", &format!("/models/{}", encode(name)), None).await?.json();
    let version = entry["latest"].as_u64().ok_or_else(|| Failure::Status(404, "it has no version".into()))?;
    let cached = with(|s| s.models.get(&(name.to_string(), version)).cloned());
    let model = match cached {
        Some(m) => m,
        None => {
            let bytes = call("GET", &format!("/models/{}/versions/{version}/model.onnx", encode(name)), None).await?;
            let model =
                Model::load(&bytes.body).map_err(|e| Failure::Status(422, format!("it does not load here: {e}")))?;
            with(|s| s.models.insert((name.to_string(), version), model.clone()));
            model
        }
    };
    let manifest = model
        .manifest()
        .ok_or_else(|| Failure::Status(422, "it has no manifest, so there is no form for it".into()))?;
    let fields = form::fields(manifest);
    let same = with(|s| s.loaded.as_ref().is_some_and(|l| l.name == name));
    with(|s| {
        if !same {
            s.history.clear();
        }
        s.loaded = Some(Loaded { name: name.to_string(), version, model, fields, ms_per_row: None })
    });
    Ok(())
}

/// Milliseconds per row on this device: the best of three runs of 256
/// typical rows.
fn cost_per_row(model: &Model, fields: &[FormField]) -> f64 {
    let entries: Vec<Entered> = fields.iter().map(FormField::initial_entry).collect();
    let row = Value::Object(form::row(fields, &entries));
    let rows = Value::Array(vec![row; 256]).to_string();
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = dom::now();
        if model.predict_json(&rows).is_err() {
            return 0.01;
        }
        best = best.min(dom::now() - t);
    }
    (best / 256.0).max(1e-4)
}

fn render_model() {
    let Some((name, version, fields, description, metrics)) = with(|s| {
        s.loaded.as_ref().map(|l| {
            let m = l.model.manifest();
            (
                l.name.clone(),
                l.version,
                l.fields.clone(),
                m.map(|m| m.description.clone()).unwrap_or_default(),
                m.map(|m| serde_json::to_value(&m.metrics).unwrap_or(Value::Null)).unwrap_or(Value::Null),
            )
        })
    }) else {
        return;
    };
    let inputs: Vec<El> = fields.iter().enumerate().map(|(i, f)| field_view(i, f)).collect();
    dom::fill(
        "main",
        [el("section").class("panel model").attr("data-model", &name).children([
            el("nav").class("crumbs").children([
                el("a").attr("href", "#/").text("← All models"),
                el("a")
                    .id("model-studio-link")
                    .class("studio-only")
                    .attr("href", &format!("#/studio/models/{}", encode(&name)))
                    .attr("hidden", "")
                    .text("Drift and retraining in the studio"),
            ]),
            el("h1").text(&text::label(&name)),
            el("p").class("desc").text(&description),
            el("p").class("meta").text(
                &[format!("version {version}"), metric_line(&metrics)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
            ),
            el("div").class("layout").children([
                el("form")
                    .id("predict-form")
                    .attr("novalidate", "")
                    .attr("aria-label", "Inputs")
                    .children([
                        el("div").class("fields").children(inputs),
                        el("div").class("actions").children([
                            el("button").id("predict").attr("type", "submit").class("primary").text("Predict"),
                            el("button").id("reset").attr("type", "button").class("quiet").text("Reset").on(
                                "click",
                                |_| {
                                    let fields = with(|s| s.loaded.as_ref().map(|l| l.fields.clone()));
                                    for (i, f) in fields.unwrap_or_default().iter().enumerate() {
                                        fill_entry(i, &f.initial_entry());
                                    }
                                },
                            ),
                        ]),
                        el("p").id("form-error").class("error").attr("role", "alert"),
                    ])
                    .on("submit", |e| {
                        e.prevent_default();
                        predict();
                    }),
                el("section").id("result-panel").class("result-panel").attr("aria-live", "polite").children([
                    el("h2").text("Prediction"),
                    el("div").id("result").child(el("p").class("muted").text("Fill in the form and press Predict.")),
                    el("div").id("explain"),
                ]),
            ]),
            el("section")
                .id("history-panel")
                .class("history")
                .attr("hidden", "")
                .children([el("h2").text("This session"), el("ol").id("history")]),
            batch_panel(),
        ])],
    );
    render_history();
    crate::studio::reveal_links();
}

fn field_view(i: usize, f: &FormField) -> El {
    let id = format!("f-{i}");
    let described = format!("h-{i} e-{i}");
    let input = match &f.control {
        Control::Number { .. } => el("input")
            .attr("type", "text")
            .attr("inputmode", "decimal")
            .attr("autocomplete", "off")
            .attr("value", &entry_text(&f.initial_entry())),
        Control::Select { options } => {
            let initial = entry_text(&f.initial_entry());
            el("select").children(
                options.iter().map(|o| el("option").attr("value", o).text(o).attr_if(*o == initial, "selected", "")),
            )
        }
        Control::Toggle => el("input").attr("type", "checkbox").attr("role", "switch").attr_if(
            matches!(f.initial_entry(), Entered::Checked(true)),
            "checked",
            "",
        ),
    };
    let input = input.id(&id).attr("name", &f.name).attr("aria-describedby", &described);
    let kind = match f.control {
        Control::Toggle => "field toggle",
        _ => "field",
    };
    el("div").class(kind).attr("data-field", &f.name).children([
        el("label").attr("for", &id).text(&f.label),
        input,
        el("small").id(&format!("h-{i}")).class("hint").text(&f.hint),
        el("small").id(&format!("e-{i}")).class("error"),
    ])
}

fn entry_text(e: &Entered) -> String {
    match e {
        Entered::Text(t) => t.clone(),
        Entered::Checked(b) => b.to_string(),
    }
}

fn read_entry(i: usize, f: &FormField) -> Entered {
    let id = format!("f-{i}");
    match f.control {
        Control::Toggle => Entered::Checked(dom::checked(&id)),
        _ => Entered::Text(dom::input_value(&id).unwrap_or_default()),
    }
}

fn fill_entry(i: usize, e: &Entered) {
    let id = format!("f-{i}");
    match e {
        Entered::Checked(b) => dom::set_checked(&id, *b),
        Entered::Text(t) => dom::set_input(&id, t),
    }
}

fn set_field_message(i: usize, message: &str, invalid: bool) {
    dom::set_text(&format!("e-{i}"), message);
    if let Some(input) = dom::by_id(&format!("f-{i}")) {
        let _ =
            if invalid { input.set_attribute("aria-invalid", "true") } else { input.remove_attribute("aria-invalid") };
    }
    if let Some(field) = dom::by_id(&format!("f-{i}")).and_then(|e| e.parent_element()) {
        let _ = field.class_list().toggle_with_force("warn", !message.is_empty() && !invalid);
        let _ = field.class_list().toggle_with_force("invalid", invalid);
    }
}

/// Reads the form, predicts on this device, shows the result and why.
fn predict() {
    let Some((model, fields)) = with(|s| s.loaded.as_ref().map(|l| (l.model.clone(), l.fields.clone()))) else {
        return;
    };
    let entries: Vec<Entered> = fields.iter().enumerate().map(|(i, f)| read_entry(i, f)).collect();
    let row = form::row(&fields, &entries);
    for (i, f) in fields.iter().enumerate() {
        let warning = f.warning(&row[&f.name]).unwrap_or_default();
        set_field_message(i, &warning, false);
    }
    dom::set_text("form-error", "");
    let json = Value::Object(row.clone()).to_string();
    let started = dom::now();
    let result = model.predict_json(&json);
    let took = dom::now() - started;
    let p = match result {
        Ok(p) => p,
        Err(e) => {
            let mut general = Vec::new();
            let mut first = None;
            for (field, reason) in form::field_errors(&e) {
                match fields.iter().position(|f| f.name == field) {
                    Some(i) => {
                        set_field_message(i, &reason, true);
                        first.get_or_insert(i);
                    }
                    None => general.push(reason),
                }
            }
            dom::set_text("form-error", &general.join(" "));
            if let Some(i) = first {
                dom::focus(&format!("f-{i}"));
            }
            return;
        }
    };
    let out = p.json_rows().into_iter().next().unwrap_or_default();
    let summary = show_result(&model, &out, took);
    with(|s| {
        s.history.insert(0, Past { at: clock(), result: summary, took: text::millis(took), entries: entries.clone() });
        s.history.truncate(HISTORY);
    });
    render_history();
    // The result is drawn first; the explanation (a few thousand rows) follows.
    dom::fill("explain", [el("p").class("muted").text("Working out why…")]);
    spawn_local(async move {
        dom::yield_now().await;
        show_explanation(&model, &row);
    });
}

/// Draws the outputs; returns a one-line summary for the history.
fn show_result(model: &Model, out: &Map<String, Value>, took: f64) -> String {
    let manifest = model.manifest();
    let classification = manifest.is_some_and(|m| m.task == manifest::Task::Classification);
    let mut parts: Vec<El> = Vec::new();
    let mut summary = String::new();
    let mut main_done = false;
    for (name, v) in out {
        match v {
            Value::Object(probabilities) => {
                let mut probs: Vec<(&String, f64)> =
                    probabilities.iter().map(|(k, v)| (k, v.as_f64().unwrap_or(0.0))).collect();
                probs.sort_by(|a, b| b.1.total_cmp(&a.1));
                parts.push(el("div").class("probs").attr("aria-label", &text::label(name)).children(probs.iter().map(
                    |(class, p)| {
                        el("div").class("prob").attr("data-class", class).attr("data-value", &p.to_string()).children([
                            el("span").class("name").text(class),
                            el("span").class("track").child(
                                el("span").class("fill").style(&format!("width:{:.1}%", (p * 100.0).clamp(0.0, 100.0))),
                            ),
                            el("span").class("num").text(&text::percent(*p)),
                        ])
                    },
                )));
            }
            v if !main_done => {
                main_done = true;
                let (shown, raw) = match v {
                    Value::Number(n) => (text::value(n.as_f64().unwrap_or(f64::NAN)), n.to_string()),
                    Value::String(s) => (s.clone(), s.clone()),
                    other => (other.to_string(), other.to_string()),
                };
                summary = format!("{} {shown}", text::label(name));
                parts.insert(
                    0,
                    el("div").class(if classification { "result main class" } else { "result main" }).children([
                        el("div").class("result-label").text(&text::label(name)),
                        el("div")
                            .id("result-value")
                            .class("result-value")
                            .attr("data-output", name)
                            .attr("data-value", &raw)
                            .text(&shown),
                    ]),
                );
            }
            v => parts.push(el("p").class("other").attr("data-output", name).text(&format!(
                "{}: {}",
                text::label(name),
                match v {
                    Value::Number(n) => text::value(n.as_f64().unwrap_or(f64::NAN)),
                    other => other.as_str().map(String::from).unwrap_or_else(|| other.to_string()),
                }
            ))),
        }
    }
    parts.push(el("p").class("where").id("where").text(&format!("Computed on this device in {}", text::millis(took))));
    dom::fill("result", parts);
    summary
}

fn show_explanation(model: &Model, row: &Map<String, Value>) {
    let started = dom::now();
    let e = match runtime_wasm::explain::explain(model, row) {
        Ok(e) => e,
        Err(err) => {
            dom::fill("explain", [el("p").class("muted").text(&format!("No explanation: {err}"))]);
            return;
        }
    };
    let took = dom::now() - started;
    let mut items: Vec<&runtime_wasm::explain::Contribution> = e.contributions.iter().collect();
    items.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
    const SHOWN: usize = 8;
    let rest: f64 = items.iter().skip(SHOWN).map(|c| c.contribution).sum();
    let scale = items.iter().map(|c| c.contribution.abs()).fold(rest.abs(), f64::max).max(1e-12);
    let bar = |label: String, field: &str, c: f64| {
        let width = c.abs() / scale * 50.0;
        let (left, class) = if c >= 0.0 { (50.0, "fill pos") } else { (50.0 - width, "fill neg") };
        el("div")
            .class("contrib")
            .attr("data-field", field)
            .attr("data-value", &c.to_string())
            .attr("role", "listitem")
            .children([
                el("span").class("name").attr("title", &label).text(&label),
                el("span")
                    .class("track")
                    .child(el("span").class(class).style(&format!("left:{left:.2}%;width:{width:.2}%"))),
                el("span").class("num").text(&text::signed(c)),
            ])
    };
    let mut bars: Vec<El> = items
        .iter()
        .take(SHOWN)
        .map(|c| {
            let value = match &c.value {
                Value::String(s) => s.clone(),
                Value::Null => "(default)".into(),
                Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
                Value::Number(n) => text::value(n.as_f64().unwrap_or(f64::NAN)),
                other => other.to_string(),
            };
            bar(format!("{} = {value}", text::label(&c.field)), &c.field, c.contribution)
        })
        .collect();
    if items.len() > SHOWN {
        bars.push(bar(format!("{} other fields", items.len() - SHOWN), "", rest));
    }
    let moved = items.iter().any(|c| c.contribution != 0.0);
    let output = match e.output.split_once('.') {
        Some((head, class)) => format!("{} of {class}", text::label(head)),
        None => text::label(&e.output),
    };
    dom::fill(
        "explain",
        [
            el("h3").text("Why this prediction"),
            el("p").class("muted").text(&text::explain_lead(&output, e.baseline, e.value, moved)),
            el("div").class("contribs").attr("role", "list").children(bars),
            el("p").class("fine").text(&format!(
                "Shapley values against the typical input, {}; computed here in {}.",
                e.method,
                text::millis(took)
            )),
        ],
    );
}

fn clock() -> String {
    let d = js_sys::Date::new_0();
    format!("{:02}:{:02}:{:02}", d.get_hours(), d.get_minutes(), d.get_seconds())
}

fn render_history() {
    let items: Vec<(usize, String, String, String)> = with(|s| {
        s.history.iter().enumerate().map(|(i, p)| (i, p.at.clone(), p.result.clone(), p.took.clone())).collect()
    });
    dom::show("history-panel", !items.is_empty());
    dom::fill(
        "history",
        items.into_iter().map(|(i, at, result, took)| {
            el("li").children([
                el("span").class("at").text(&at),
                el("span").class("what").text(&result),
                el("span").class("muted").text(&took),
                el("button").attr("type", "button").class("quiet small").text("Use these values").on(
                    "click",
                    move |_| {
                        let Some((fields, entries)) = with(|s| {
                            let l = s.loaded.as_ref()?;
                            Some((l.fields.clone(), s.history.get(i)?.entries.clone()))
                        }) else {
                            return;
                        };
                        for (k, e) in entries.iter().enumerate().take(fields.len()) {
                            fill_entry(k, e);
                        }
                        predict();
                    },
                ),
            ])
        }),
    );
}

// ---- batches ----

fn batch_panel() -> El {
    el("section").id("batch-panel").class("batch").children([
        el("h2").text("Score a file"),
        el("div")
            .id("drop")
            .class("drop")
            .children([
                el("p").children([
                    el("span").text("Drop a CSV file here, or "),
                    el("label").attr("for", "batch-file").class("linklike").text("choose a file"),
                    el("span").text("."),
                ]),
                el("input").id("batch-file").attr("type", "file").attr("accept", ".csv,text/csv").on("change", |e| {
                    let file = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                        .and_then(|i| i.files())
                        .and_then(|f| f.get(0));
                    if let Some(file) = file {
                        start_batch(file);
                    }
                    // Choosing the same file again must start again.
                    if let Some(i) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        i.set_value("");
                    }
                }),
            ])
            .on("dragover", |e| {
                e.prevent_default();
                if let Some(d) = dom::by_id("drop") {
                    let _ = d.class_list().add_1("over");
                }
            })
            .on("dragleave", |_| {
                if let Some(d) = dom::by_id("drop") {
                    let _ = d.class_list().remove_1("over");
                }
            })
            .on("drop", |e| {
                e.prevent_default();
                if let Some(d) = dom::by_id("drop") {
                    let _ = d.class_list().remove_1("over");
                }
                let file = e
                    .dyn_ref::<web_sys::DragEvent>()
                    .and_then(|d| d.data_transfer())
                    .and_then(|t| t.files())
                    .and_then(|f| f.get(0));
                if let Some(file) = file {
                    start_batch(file);
                }
            }),
        el("p").id("batch-plan").attr("role", "status"),
        el("progress").id("batch-progress").attr("max", "1").attr("value", "0").attr("hidden", ""),
        el("p").id("batch-status").attr("role", "status"),
        el("div").id("batch-problems"),
        el("div").id("batch-links").class("links"),
    ])
}

/// Marks the panel busy at once (a test or a script waiting for the end must
/// not see the last batch's state), then runs the batch.
fn start_batch(file: web_sys::File) {
    set_batch_state("running");
    spawn_local(run_batch(file));
}

fn set_batch_state(state: &str) {
    if let Some(p) = dom::by_id("batch-panel") {
        let _ = p.set_attribute("data-state", state);
    }
}

fn progress(value: f64) {
    if let Some(p) = dom::by_id("batch-progress") {
        let _ = p.set_attribute("value", &format!("{:.4}", value.clamp(0.0, 1.0)));
        let _ = p.remove_attribute("hidden");
    }
}

fn batch_failed(message: &str) {
    set_batch_state("failed");
    dom::set_text("batch-status", "");
    dom::show("batch-progress", false);
    dom::fill("batch-problems", [el("p").class("error").attr("role", "alert").text(message)]);
}

async fn run_batch(file: web_sys::File) {
    let Some((name, version, model, fields, known)) = with(|s| {
        s.loaded.as_ref().map(|l| (l.name.clone(), l.version, l.model.clone(), l.fields.clone(), l.ms_per_row))
    }) else {
        return;
    };
    let ms_per_row = known.unwrap_or_else(|| {
        let cost = cost_per_row(&model, &fields);
        with(|s| {
            if let Some(l) = s.loaded.as_mut().filter(|l| l.name == name && l.version == version) {
                l.ms_per_row = Some(cost);
            }
        });
        cost
    });
    for url in with(|s| std::mem::take(&mut s.links)) {
        let _ = web_sys::Url::revoke_object_url(&url);
    }
    dom::fill("batch-problems", []);
    dom::fill("batch-links", []);
    dom::set_text("batch-status", "");
    let file_name = file.name();
    let bytes = match JsFuture::from(file.array_buffer()).await {
        Ok(b) => js_sys::Uint8Array::new(&b).to_vec(),
        Err(_) => return batch_failed(&format!("{file_name} cannot be read.")),
    };
    let header = manifest::CsvRows::new(bytes.as_slice()).map(|r| r.columns().to_vec());
    let checked = header.map_err(runtime_wasm::Error::Input).and_then(|c| model.interface().check_columns(&c));
    if let Err(e) = checked {
        return batch_failed(&format!("{file_name}: {e}"));
    }
    let rows = batch::estimate_rows(&bytes);
    let estimate = rows as f64 * ms_per_row;
    let limit = local_limit_ms();
    let route = batch::route(rows, ms_per_row, limit, !is_offline());
    let over = estimate > limit;
    let plan = match route {
        Route::Local if over => format!(
            "{file_name}: about {} rows, about {} here. The cloud cannot be reached, so this device scores it.",
            text::number(rows as f64, 0),
            text::millis(estimate)
        ),
        Route::Local => format!(
            "{file_name}: about {} rows, about {} on this device (limit {}): scoring here.",
            text::number(rows as f64, 0),
            text::millis(estimate),
            text::millis(limit)
        ),
        Route::Cloud => format!(
            "{file_name}: about {} rows, about {} on this device (limit {}): sending to the cloud.",
            text::number(rows as f64, 0),
            text::millis(estimate),
            text::millis(limit)
        ),
    };
    dom::set_text("batch-plan", &plan);
    if let Some(p) = dom::by_id("batch-panel") {
        let _ = p.set_attribute("data-route", if route == Route::Local { "local" } else { "cloud" });
        let _ = p.remove_attribute("data-job");
    }
    progress(0.0);
    let stem = file_name.trim_end_matches(".csv").to_string();
    let outcome = match route {
        Route::Local => run_local(model, bytes, &stem).await,
        Route::Cloud => run_cloud(&name, version, bytes, &stem).await,
    };
    match outcome {
        Ok(()) => set_batch_state("done"),
        Err(m) => batch_failed(&m),
    }
}

async fn run_local(model: Model, bytes: Vec<u8>, stem: &str) -> Result<(), String> {
    let started = dom::now();
    let mut b = LocalBatch::new(model, bytes).map_err(|e| e.to_string())?;
    while !b.is_finished() {
        b.step(LOCAL_STEP_ROWS).map_err(|e| e.to_string())?;
        progress(b.progress());
        dom::set_text(
            "batch-status",
            &format!("Scored {} rows on this device…", text::number(b.rows_done() as f64, 0)),
        );
        dom::yield_now().await;
    }
    let scored = b.finish().map_err(|e| e.to_string())?;
    progress(1.0);
    dom::set_text(
        "batch-status",
        &format!(
            "Scored {} rows on this device in {}{}.",
            text::number(scored.rows_done as f64, 0),
            text::millis(dom::now() - started),
            failed_words(scored.rows_failed)
        ),
    );
    show_problems(&scored.problems);
    add_link(&format!("{stem}-predictions.csv"), "Download the results", &scored.csv, "batch-result");
    if !scored.problems.is_empty() {
        add_link(
            &format!("{stem}-problems.csv"),
            "Download the problems",
            &batch::problems_csv(&scored.problems),
            "batch-errors",
        );
    }
    Ok(())
}

fn failed_words(n: u64) -> String {
    match n {
        0 => String::new(),
        1 => "; 1 row has problems and was left out".into(),
        n => format!("; {} rows have problems and were left out", text::number(n as f64, 0)),
    }
}

fn show_problems(problems: &[manifest::RowError]) {
    if problems.is_empty() {
        return;
    }
    const SHOWN: usize = 20;
    let mut rows: Vec<El> = problems
        .iter()
        .take(SHOWN)
        .map(|p| {
            el("tr").children([el("td").text(&p.row.to_string()), el("td").text(&p.field), el("td").text(&p.reason)])
        })
        .collect();
    if problems.len() > SHOWN {
        rows.push(
            el("tr").child(el("td").attr("colspan", "3").text(&format!("… and {} more", problems.len() - SHOWN))),
        );
    }
    dom::fill(
        "batch-problems",
        [el("table").class("problems").children([
            el("caption").text("Rows left out"),
            el("thead").child(el("tr").children([
                el("th").attr("scope", "col").text("Row"),
                el("th").attr("scope", "col").text("Field"),
                el("th").attr("scope", "col").text("Problem"),
            ])),
            el("tbody").children(rows),
        ])],
    );
}

fn add_link(file: &str, label: &str, bytes: &[u8], id: &str) {
    let Some(url) = dom::blob_url(bytes, "text/csv") else { return };
    with(|s| s.links.push(url.clone()));
    if let Some(links) = dom::by_id("batch-links") {
        let a = el("a").id(id).class("button").attr("href", &url).attr("download", file).text(label);
        let _ = links.append_child(&a.0);
    }
}

async fn run_cloud(name: &str, version: u64, bytes: Vec<u8>, stem: &str) -> Result<(), String> {
    let started = dom::now();
    dom::set_text("batch-status", "Uploading…");
    let path = format!("/models/{}/versions/{version}/batch", encode(name));
    let job = call("POST", &path, Some((&bytes, "text/csv"))).await.map_err(|f| f.message())?.json();
    drop(bytes);
    let id = job["id"].as_str().ok_or("the cloud did not return a job id")?.to_string();
    if let Some(p) = dom::by_id("batch-panel") {
        let _ = p.set_attribute("data-job", &id);
    }
    let job = loop {
        let job = match call("GET", &format!("/jobs/{id}"), None).await {
            Ok(r) => r.json(),
            Err(Failure::Unreachable) => {
                dom::set_text("batch-status", &format!("Job {id}: waiting for the cloud to be reachable…"));
                dom::sleep(2000).await;
                continue;
            }
            Err(f) => return Err(f.message()),
        };
        let total = job["bytes_total"].as_f64().unwrap_or(0.0);
        let done = job["bytes_done"].as_f64().unwrap_or(0.0);
        if total > 0.0 {
            progress(done / total);
        }
        let state = job["state"].as_str().unwrap_or_default().to_string();
        dom::set_text(
            "batch-status",
            &format!(
                "Job {id} in the cloud: {state}, {} rows scored…",
                text::number(job["rows_done"].as_f64().unwrap_or(0.0), 0)
            ),
        );
        match state.as_str() {
            "succeeded" => break job,
            "failed" | "cancelled" => {
                return Err(format!(
                    "The cloud job {id} {state}: {}",
                    job["error"].as_str().unwrap_or("no reason given")
                ));
            }
            _ => dom::sleep(400).await,
        }
    };
    let result = call("GET", &format!("/jobs/{id}/result"), None).await.map_err(|f| f.message())?;
    progress(1.0);
    let failed = job["rows_failed"].as_u64().unwrap_or(0);
    dom::set_text(
        "batch-status",
        &format!(
            "Scored {} rows in the cloud (job {id}) in {}{}.",
            text::number(job["rows_done"].as_f64().unwrap_or(0.0), 0),
            text::millis(dom::now() - started),
            failed_words(failed)
        ),
    );
    add_link(&format!("{stem}-predictions.csv"), "Download the results", &result.body, "batch-result");
    if failed > 0
        && let Ok(errors) = call("GET", &format!("/jobs/{id}/errors"), None).await
    {
        let problems = parse_problems(&errors.body);
        show_problems(&problems);
        add_link(&format!("{stem}-problems.csv"), "Download the problems", &errors.body, "batch-errors");
    }
    Ok(())
}

fn parse_problems(csv: &[u8]) -> Vec<manifest::RowError> {
    let mut r = csv::Reader::from_reader(csv);
    r.records()
        .filter_map(Result::ok)
        .map(|rec| manifest::RowError {
            row: rec.get(0).and_then(|v| v.parse().ok()).unwrap_or(0),
            field: rec.get(1).unwrap_or_default().to_string(),
            reason: rec.get(2).unwrap_or_default().to_string(),
        })
        .collect()
}
