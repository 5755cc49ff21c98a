//! The studio: a maker's pages for training without code.
//!
//! - `#/studio`: datasets, an upload form, recent training runs, models;
//! - `#/studio/datasets/NAME`: the schema for a target, columns to leave out
//!   or read as categories, a time budget, **Train**; a preview of the rows
//!   and links to the dataset's scored tables;
//! - `#/studio/runs/ID`: a run's live progress (polled every second while
//!   it runs), **Cancel**; once done the summary, leaderboard and
//!   evaluation charts, and **Publish**;
//! - `#/studio/datasets/NAME/scored/MODEL`: a scored table and histograms
//!   of the model's outputs;
//! - `#/studio/models/NAME`: drift, the retraining policy, **Retrain now**,
//!   the decisions log and rollbacks.
//!
//! Only `admin` and `maker` tokens see the studio (`GET /whoami`); a reader
//! who opens a studio address is told so. Every server error is shown in
//! the server's words.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{JsFuture, spawn_local};

use crate::app::{Failure, call, current, decode, encode, sign_out};
use crate::charts::{self, Bar, Curve};
use crate::dom::{self, El, el};
use crate::text;
use crate::wire::{self, Decision, Evaluation, Job, Policy, Role, Schema};

/// The time budget a run gets unless the maker changes it.
const DEFAULT_BUDGET_SECS: f64 = 30.0;
/// Bars of the importance chart.
const IMPORTANCE_SHOWN: usize = 15;

#[derive(Default)]
struct Studio {
    /// The role of the signed-in token, with the token it is for.
    role: Option<(String, String)>,
    dataset: Option<DatasetForm>,
    /// Increases with every schema request; older answers are dropped.
    schema_seq: u64,
}

/// What the maker chose on a dataset's page.
struct DatasetForm {
    name: String,
    columns: Vec<String>,
    target: String,
    exclude: BTreeSet<String>,
    categorical: BTreeSet<String>,
}

thread_local! {
    static STUDIO: RefCell<Studio> = RefCell::new(Studio::default());
}

fn with<R>(f: impl FnOnce(&mut Studio) -> R) -> R {
    STUDIO.with(|s| f(&mut s.borrow_mut()))
}

fn token() -> Option<String> {
    dom::stored("citizen.token")
}

/// The signed-in token's role (`admin`, `maker`, `reader`), asked once per token.
async fn role() -> Result<String, Failure> {
    let token = token().unwrap_or_default();
    if let Some(r) = with(|s| s.role.clone()).filter(|(t, _)| *t == token) {
        return Ok(r.1);
    }
    let who = call("GET", "/whoami", None).await?.json();
    let role = who["role"].as_str().unwrap_or("reader").to_string();
    with(|s| s.role = Some((token, role.clone())));
    Ok(role)
}

fn may_make(role: &str) -> bool {
    matches!(role, "admin" | "maker")
}

/// Shows the studio links (header, model page) to makers and admins only.
pub fn reveal_links() {
    if token().is_none() {
        return;
    }
    spawn_local(async {
        let on = role().await.is_ok_and(|r| may_make(&r));
        dom::show("studio-link", on);
        dom::show("model-studio-link", on);
    });
}

pub fn route(rest: &str, generation: u64) {
    let rest = rest.trim_start_matches('/').to_string();
    spawn_local(async move {
        dom::fill("main", [el("p").class("loading").text("Loading the studio…")]);
        match role().await {
            Ok(r) if may_make(&r) => {}
            Ok(_) => {
                if current(generation) {
                    dom::fill(
                        "main",
                        [el("section").class("panel narrow").id("studio-refused").children([
                            el("h1").text("The studio is for makers"),
                            el("p").attr("role", "alert").text(
                                "This token may read models and predict, not train or publish. Ask an admin for a maker token to use the studio.",
                            ),
                            el("a").attr("href", "#/").text("← Your models"),
                        ])],
                    );
                }
                return;
            }
            Err(f) => return failed(generation, "The studio cannot be opened", &f),
        }
        let parts: Vec<String> = rest.split('/').map(decode).collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        match parts.as_slice() {
            [""] => home(generation).await,
            ["datasets", name] => dataset_page(name.to_string(), generation).await,
            ["datasets", name, "scored", model] => scored_page(name.to_string(), model.to_string(), generation).await,
            ["runs", id] => run_page(id.to_string(), generation).await,
            ["models", name] => model_page(name.to_string(), generation).await,
            _ => {
                if current(generation) {
                    dom::fill(
                        "main",
                        [el("section").class("panel").children([
                            el("p").class("error").attr("role", "alert").text("There is no such studio page."),
                            el("a").attr("href", "#/studio").text("← Studio"),
                        ])],
                    );
                }
            }
        }
    });
}

/// Replaces the page with what went wrong (a 401 signs out).
fn failed(generation: u64, what: &str, f: &Failure) {
    if let Failure::Status(401, m) = f {
        return sign_out(Some(format!("Sign in again: {m}")));
    }
    if current(generation) {
        dom::fill(
            "main",
            [el("section").class("panel").children([
                crumbs(&[]),
                el("p")
                    .class("error")
                    .id("page-error")
                    .attr("role", "alert")
                    .text(&format!("{what}: {}.", f.message())),
            ])],
        );
    }
}

/// An error shown in place, in the server's words.
fn problem(what: &str, f: &Failure) -> El {
    el("p").class("error").attr("role", "alert").text(&format!("{what}: {}.", f.message()))
}

fn crumbs(more: &[(&str, String)]) -> El {
    let mut links = vec![el("a").attr("href", "#/studio").text("← Studio")];
    for (label, href) in more {
        links.push(el("span").class("sep").text(" / "));
        links.push(el("a").attr("href", href).text(label));
    }
    el("nav").class("crumbs").children(links)
}

fn go(hash: &str) {
    let _ = dom::window().location().set_hash(hash);
}

/// A time as `2026-12-04 17:42`, in the browser's time zone.
fn when(secs: f64) -> String {
    if secs <= 0.0 {
        return String::new();
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs * 1000.0));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

fn table(class: &str, caption: &str, head: &[&str], rows: Vec<El>) -> El {
    el("div").class("table-wrap").child(el("table").class(class).children([
        el("caption").text(caption),
        el("thead").child(el("tr").children(head.iter().map(|h| el("th").attr("scope", "col").text(h)))),
        el("tbody").children(rows),
    ]))
}

fn td(s: &str) -> El {
    el("td").text(s)
}

fn num_td(s: &str) -> El {
    el("td").class("num").text(s)
}

fn chart(svg: String) -> El {
    el("figure").class("chart-box").html(&svg)
}

// ---- #/studio ----

async fn home(generation: u64) {
    let datasets = call("GET", "/datasets", None).await;
    let runs = call("GET", "/train", None).await;
    let models = call("GET", "/models", None).await;
    if !current(generation) {
        return;
    }
    if let Err(f @ Failure::Status(401, _)) = &datasets {
        return failed(generation, "", f);
    }
    let datasets_view = match datasets {
        Ok(r) => {
            let list = r.json()["datasets"].as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                el("p").class("muted").text("No dataset yet: upload a file to start.")
            } else {
                el("ul").class("cards").id("datasets").children(list.iter().map(|d| {
                    let name = d["name"].as_str().unwrap_or_default();
                    let rows = d["table_rows"].as_f64().map(|n| format!("{} rows", text::number(n, 0)));
                    el("li").class("card").attr("data-dataset", name).child(
                        el("a").attr("href", &format!("#/studio/datasets/{}", encode(name))).children([
                            el("h3").text(name),
                            el("p").class("meta").text(&rows.unwrap_or_else(|| "no table yet".into())),
                        ]),
                    )
                }))
            }
        }
        Err(f) => problem("The datasets cannot be listed", &f),
    };
    let runs_view = match runs {
        Ok(r) => {
            let jobs: Vec<Job> = r.json()["jobs"]
                .as_array()
                .map(|a| a.iter().filter_map(|j| serde_json::from_value(j.clone()).ok()).collect())
                .unwrap_or_default();
            if jobs.is_empty() {
                el("p").class("muted").text("No training run yet.")
            } else {
                table(
                    "data runs",
                    "Recent training runs",
                    &["Started", "Dataset", "To predict", "State", ""],
                    jobs.iter()
                        .take(20)
                        .map(|j| {
                            el("tr").attr("data-run", &j.id).attr("data-state", &j.state).children([
                                td(&when(j.created)),
                                td(&j.dataset),
                                td(&j.target),
                                el("td").child(el("span").class(&format!("state {}", j.state)).text(j.state_words())),
                                el("td").child(el("a").attr("href", &format!("#/studio/runs/{}", j.id)).text("Open")),
                            ])
                        })
                        .collect(),
                )
            }
        }
        Err(f) => problem("The training runs cannot be listed", &f),
    };
    let models_view = match models {
        Ok(r) => {
            let list = r.json()["models"].as_array().cloned().unwrap_or_default();
            el("ul").class("plain").children(list.iter().map(|m| {
                let name = m["name"].as_str().unwrap_or_default();
                el("li").children([
                    el("a").attr("href", &format!("#/studio/models/{}", encode(name))).text(name),
                    el("span").class("muted").text(&format!(" · version {}", m["latest"].as_u64().unwrap_or(0))),
                ])
            }))
        }
        Err(f) => problem("The models cannot be listed", &f),
    };
    dom::fill(
        "main",
        [el("section").class("panel studio").id("studio-home").children([
            el("h1").text("Studio"),
            el("p").class("desc").text("Upload a table, pick what to predict, train, check how good it is, publish."),
            upload_form(),
            el("h2").text("Datasets"),
            datasets_view,
            el("h2").text("Training runs"),
            runs_view,
            el("h2").text("Models"),
            models_view,
        ])],
    );
}

fn upload_form() -> El {
    el("form")
        .id("upload-form")
        .class("upload")
        .attr("novalidate", "")
        .children([
            el("h2").text("Upload a dataset"),
            el("div").class("row").children([
                el("div").class("field").children([
                    el("label").attr("for", "upload-file").text("File (CSV, JSON, JSON Lines or Parquet)"),
                    el("input")
                        .id("upload-file")
                        .attr("type", "file")
                        .attr("accept", ".csv,.json,.jsonl,.ndjson,.parquet,text/csv,application/json")
                        .on("change", |_| {
                            if let Some(f) = chosen_file() {
                                dom::set_input("upload-name", &wire::dataset_name(&f.name()));
                            }
                        }),
                ]),
                el("div").class("field").children([
                    el("label").attr("for", "upload-name").text("Dataset name"),
                    el("input")
                        .id("upload-name")
                        .attr("type", "text")
                        .attr("autocomplete", "off")
                        .attr("pattern", "[A-Za-z0-9._-]+"),
                    el("small").class("hint").text("Letters, digits, '-', '_' and '.'."),
                ]),
            ]),
            el("div").class("field toggle").children([
                el("label")
                    .attr("for", "upload-replace")
                    .text("Replace what the dataset holds (when its columns changed)"),
                el("input").id("upload-replace").attr("type", "checkbox"),
            ]),
            el("button").id("upload").attr("type", "submit").class("primary").text("Upload"),
            el("p").id("upload-status").attr("role", "status"),
            el("p").id("upload-error").class("error").attr("role", "alert"),
        ])
        .on("submit", |e| {
            e.prevent_default();
            spawn_local(upload());
        })
}

fn chosen_file() -> Option<web_sys::File> {
    dom::by_id("upload-file")?.dyn_into::<web_sys::HtmlInputElement>().ok()?.files()?.get(0)
}

async fn upload() {
    dom::set_text("upload-error", "");
    let Some(file) = chosen_file() else {
        dom::set_text("upload-error", "Choose a file first.");
        return;
    };
    let file_name = file.name();
    let Some(content_type) = wire::content_type(&file_name) else {
        dom::set_text(
            "upload-error",
            &format!("{file_name} is not a CSV, JSON, JSON Lines or Parquet file (by its name's ending)."),
        );
        return;
    };
    let name = dom::input_value("upload-name").unwrap_or_default().trim().to_string();
    let name = if name.is_empty() { wire::dataset_name(&file_name) } else { name };
    dom::set_text("upload-status", &format!("Reading {file_name}…"));
    let bytes = match JsFuture::from(file.array_buffer()).await {
        Ok(b) => js_sys::Uint8Array::new(&b).to_vec(),
        Err(_) => {
            dom::set_text("upload-status", "");
            dom::set_text("upload-error", &format!("{file_name} cannot be read."));
            return;
        }
    };
    dom::set_text(
        "upload-status",
        &format!("Uploading {file_name} ({}) as {name}…", text::number(bytes.len() as f64 / 1024.0, 0) + " KB"),
    );
    let replace = if dom::checked("upload-replace") { "&replace=true" } else { "" };
    let path = format!("/datasets/{}/files?filename={}{replace}", encode(&name), encode(&file_name));
    match call("POST", &path, Some((&bytes, content_type))).await {
        Ok(_) => go(&format!("/studio/datasets/{}", encode(&name))),
        Err(f) => {
            dom::set_text("upload-status", "");
            let hint = match &f {
                Failure::Status(409, _) => {
                    " Tick \u{201c}Replace what the dataset holds\u{201d} to replace it, or choose another name."
                }
                _ => "",
            };
            dom::set_text("upload-error", &format!("{file_name} was not added: {}.{hint}", f.message()));
        }
    }
}

// ---- #/studio/datasets/NAME ----

async fn dataset_page(name: String, generation: u64) {
    let rows = match call("GET", &format!("/datasets/{}/rows?limit=10", encode(&name)), None).await {
        Ok(r) => r.json(),
        Err(f) => return failed(generation, &format!("The dataset {name} cannot be read"), &f),
    };
    let scored = call("GET", &format!("/datasets/{}/scored", encode(&name)), None).await;
    if !current(generation) {
        return;
    }
    let columns: Vec<String> = rows["columns"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let target = with(|s| s.dataset.as_ref().filter(|d| d.name == name).map(|d| d.target.clone()))
        .filter(|t| columns.contains(t))
        .or_else(|| columns.last().cloned())
        .unwrap_or_default();
    let keep = with(|s| s.dataset.as_ref().is_some_and(|d| d.name == name));
    with(|s| {
        if !keep {
            s.dataset = Some(DatasetForm {
                name: name.clone(),
                columns: columns.clone(),
                target: target.clone(),
                exclude: BTreeSet::new(),
                categorical: BTreeSet::new(),
            });
        } else if let Some(d) = s.dataset.as_mut() {
            d.columns = columns.clone();
            d.target = target.clone();
        }
    });
    let total = rows["total"].as_f64().unwrap_or(0.0);
    let scored_view = match scored {
        Ok(r) => {
            let list = r.json()["scored"].as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                el("p").class("muted").text("No model has scored this dataset yet.")
            } else {
                el("ul").class("plain").id("scored-links").children(list.iter().map(|s| {
                    let model = s["model"].as_str().unwrap_or_default();
                    el("li").child(
                        el("a")
                            .attr("href", &format!("#/studio/datasets/{}/scored/{}", encode(&name), encode(model)))
                            .text(&format!("Scored by {model} (version {})", s["version"].as_u64().unwrap_or(0))),
                    )
                }))
            }
        }
        Err(f) => problem("The scored tables cannot be listed", &f),
    };
    dom::fill(
        "main",
        [el("section").class("panel studio").id("dataset").attr("data-dataset", &name).children([
            crumbs(&[]),
            el("h1").text(&name),
            el("p").class("meta").text(&format!(
                "{} rows · {} columns",
                text::number(total, 0),
                text::number(columns.len() as f64, 0)
            )),
            el("form")
                .id("train-form")
                .class("train")
                .attr("novalidate", "")
                .children([
                    el("div").class("row").children([
                        el("div").class("field").children([
                            el("label").attr("for", "target").text("Column to predict"),
                            el("select")
                                .id("target")
                                .children(columns.iter().map(|c| {
                                    el("option").attr("value", c).text(c).attr_if(*c == target, "selected", "")
                                }))
                                .on("change", |_| {
                                    let t = dom::input_value("target").unwrap_or_default();
                                    with(|s| {
                                        if let Some(d) = s.dataset.as_mut() {
                                            d.exclude.remove(&t);
                                            d.categorical.remove(&t);
                                            d.target = t;
                                        }
                                    });
                                    refresh_schema();
                                }),
                        ]),
                        el("div").class("field").children([
                            el("label").attr("for", "budget").text("Time to search (seconds)"),
                            el("input")
                                .id("budget")
                                .attr("type", "number")
                                .attr("min", "1")
                                .attr("step", "1")
                                .attr("value", &text::plain(DEFAULT_BUDGET_SECS)),
                        ]),
                    ]),
                    el("div").class("actions").children([el("button")
                        .id("train")
                        .attr("type", "submit")
                        .class("primary")
                        .text("Train")]),
                    el("p").id("train-error").class("error").attr("role", "alert"),
                ])
                .on("submit", |e| {
                    e.prevent_default();
                    spawn_local(train());
                }),
            el("section").id("schema-panel").attr("data-state", "loading").attr("aria-live", "polite").children([
                el("h2").text("Columns"),
                el("p").id("schema-task").class("muted"),
                el("ul").id("schema-warnings").class("warnings"),
                el("div").id("schema"),
            ]),
            el("section")
                .class("preview")
                .children([el("h2").text("First rows"), preview_table("preview", &rows, &[])]),
            el("section").children([el("h2").text("Scored tables"), scored_view]),
        ])],
    );
    refresh_schema();
}

/// A table of the rows in a `/rows` answer; `outputs` come first, highlighted.
fn preview_table(id: &str, rows: &Value, outputs: &[String]) -> El {
    let columns: Vec<String> = rows["columns"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let is_output = |c: &String| outputs.contains(c);
    let (first, rest): (Vec<usize>, Vec<usize>) = (0..columns.len()).partition(|&j| is_output(&columns[j]));
    let order: Vec<usize> = first.into_iter().chain(rest).collect();
    let head = el("tr").children(order.iter().map(|&j| {
        let c = &columns[j];
        el("th").attr("scope", "col").attr_if(is_output(c), "class", "output").text(c)
    }));
    let body = rows["rows"].as_array().cloned().unwrap_or_default().into_iter().map(|r| {
        let cells = r.as_array().cloned().unwrap_or_default();
        el("tr").children(order.iter().filter_map(|&j| {
            let v = cells.get(j)?;
            let class = match (is_output(&columns[j]), v.is_number()) {
                (true, _) => "output num",
                (false, true) => "num",
                _ => "",
            };
            Some(el("td").attr_if(!class.is_empty(), "class", class).text(&wire::cell(v)))
        }))
    });
    el("div")
        .class("table-wrap")
        .child(el("table").id(id).class("data").children([el("thead").child(head), el("tbody").children(body)]))
}

fn query_list(items: &BTreeSet<String>) -> String {
    items.iter().map(|s| encode(s)).collect::<Vec<_>>().join(",")
}

/// Asks for the schema for the chosen target and columns, and draws it.
fn refresh_schema() {
    let Some((name, target, exclude, categorical, seq)) = with(|s| {
        s.schema_seq += 1;
        let seq = s.schema_seq;
        s.dataset.as_ref().map(|d| (d.name.clone(), d.target.clone(), d.exclude.clone(), d.categorical.clone(), seq))
    }) else {
        return;
    };
    if let Some(p) = dom::by_id("schema-panel") {
        let _ = p.set_attribute("data-state", "loading");
    }
    let mut path = format!("/datasets/{}/schema?target={}", encode(&name), encode(&target));
    if !exclude.is_empty() {
        path.push_str(&format!("&exclude={}", query_list(&exclude)));
    }
    if !categorical.is_empty() {
        path.push_str(&format!("&categorical={}", query_list(&categorical)));
    }
    spawn_local(async move {
        let answer = call("GET", &path, None).await;
        if with(|s| s.schema_seq) != seq {
            return;
        }
        let panel = dom::by_id("schema-panel");
        let set_state = |state: &str| {
            if let Some(p) = &panel {
                let _ = p.set_attribute("data-state", state);
                let _ = p.set_attribute("data-target", &target);
            }
        };
        let schema = answer.and_then(|r| {
            serde_json::from_value::<Schema>(r.json())
                .map_err(|e| Failure::Status(0, format!("the server's schema cannot be read ({e})")))
        });
        match schema {
            Ok(s) => {
                render_schema(&s, &exclude, &categorical);
                set_state("ready");
            }
            Err(f) => {
                dom::set_text("schema-task", "");
                dom::fill("schema-warnings", []);
                dom::fill("schema", [problem(&format!("{target} cannot be predicted from this table"), &f)]);
                set_state("error");
            }
        }
    });
}

fn render_schema(s: &Schema, exclude: &BTreeSet<String>, categorical: &BTreeSet<String>) {
    let features = s.columns.iter().filter(|c| c.role() == Role::Feature).count();
    dom::set_text(
        "schema-task",
        &format!(
            "{} · {} rows · {} columns used. {}",
            text::label(&s.task.replace('_', " ")),
            text::number(s.rows, 0),
            features,
            s.task_reason
        ),
    );
    dom::fill("schema-warnings", s.warnings.iter().map(|w| el("li").attr("role", "note").text(w)));
    let rows = s.columns.iter().enumerate().map(|(i, c)| {
        let role = c.role();
        let by_you = exclude.contains(&c.name);
        let (role_key, role_words) = match &role {
            Role::Target => ("target", "to predict".to_string()),
            Role::Feature => ("feature", "used".to_string()),
            Role::Excluded(why) => ("excluded", format!("left out: {why}")),
        };
        let include = match role {
            Role::Target => el("span").class("muted").text("—"),
            _ => {
                // Left out by the trainer itself (an identifier, a constant):
                // nothing to choose.
                let fixed = matches!(role, Role::Excluded(_)) && !by_you;
                let name = c.name.clone();
                el("input")
                    .id(&format!("inc-{i}"))
                    .class("include")
                    .attr("type", "checkbox")
                    .attr("aria-label", &format!("Use {}", c.name))
                    .attr_if(!matches!(role, Role::Excluded(_)), "checked", "")
                    .attr_if(fixed, "disabled", "")
                    .on("change", move |_| {
                        let on = dom::checked(&format!("inc-{i}"));
                        with(|s| {
                            if let Some(d) = s.dataset.as_mut() {
                                if on {
                                    d.exclude.remove(&name);
                                } else {
                                    d.exclude.insert(name.clone());
                                }
                            }
                        });
                        refresh_schema();
                    })
            }
        };
        let numeric = c.kind() == "numeric" || categorical.contains(&c.name);
        let category = if numeric && role != Role::Target {
            let name = c.name.clone();
            el("input")
                .id(&format!("cat-{i}"))
                .class("category")
                .attr("type", "checkbox")
                .attr("aria-label", &format!("Treat {} as a category", c.name))
                .attr_if(categorical.contains(&c.name), "checked", "")
                .on("change", move |_| {
                    let on = dom::checked(&format!("cat-{i}"));
                    with(|s| {
                        if let Some(d) = s.dataset.as_mut() {
                            if on {
                                d.categorical.insert(name.clone());
                            } else {
                                d.categorical.remove(&name);
                            }
                        }
                    });
                    refresh_schema();
                })
        } else {
            el("span")
        };
        el("tr").attr("data-column", &c.name).attr("data-role", role_key).attr("data-kind", c.kind()).children([
            el("th").attr("scope", "row").text(&c.name),
            td(&c.kind_words()),
            num_td(&c.missing_words()),
            num_td(&text::number(c.distinct, 0)),
            el("td").class(&format!("role {role_key}")).text(&role_words),
            el("td").class("note").text(c.note.as_deref().unwrap_or("")),
            el("td").class("center").child(include),
            el("td").class("center").child(category),
        ])
    });
    dom::fill(
        "schema",
        [table(
            "data schema",
            "What the trainer sees in each column",
            &["Column", "Type", "Missing", "Distinct", "Role", "Note", "Use", "Category"],
            rows.collect(),
        )],
    );
}

async fn train() {
    dom::set_text("train-error", "");
    let Some((dataset, target, exclude, categorical)) = with(|s| {
        s.dataset.as_ref().map(|d| (d.name.clone(), d.target.clone(), d.exclude.clone(), d.categorical.clone()))
    }) else {
        return;
    };
    let budget = dom::input_value("budget").and_then(|v| v.trim().parse::<f64>().ok());
    let Some(budget) = budget.filter(|b| *b >= 1.0 && b.is_finite()) else {
        dom::set_text("train-error", "Give the time to search in whole seconds, at least 1.");
        dom::focus("budget");
        return;
    };
    let body = json!({
        "dataset": dataset, "target": target, "time_budget_secs": budget,
        "exclude": exclude, "categorical": categorical, "name": null,
    })
    .to_string();
    if let Some(b) = dom::by_id("train") {
        let _ = b.set_attribute("disabled", "");
    }
    let answer = call("POST", "/train", Some((body.as_bytes(), "application/json"))).await;
    if let Some(b) = dom::by_id("train") {
        let _ = b.remove_attribute("disabled");
    }
    match answer {
        Ok(r) => match r.json()["id"].as_str() {
            Some(id) => go(&format!("/studio/runs/{id}")),
            None => dom::set_text("train-error", "The server did not say which run it started."),
        },
        Err(f) => dom::set_text("train-error", &format!("Training did not start: {}.", f.message())),
    }
}

// ---- #/studio/runs/ID ----

async fn run_page(id: String, generation: u64) {
    let mut drawn = false;
    loop {
        let answer = call("GET", &format!("/train/{}", encode(&id)), None).await;
        if !current(generation) {
            return;
        }
        let job = match answer.and_then(|r| {
            serde_json::from_value::<Job>(r.json())
                .map_err(|e| Failure::Status(0, format!("the server's answer cannot be read ({e})")))
        }) {
            Ok(j) => j,
            Err(Failure::Unreachable) if drawn => {
                dom::set_text("run-status", "The server cannot be reached; trying again…");
                dom::sleep(2000).await;
                continue;
            }
            Err(f) => return failed(generation, &format!("The training run {id} cannot be read"), &f),
        };
        if !drawn {
            run_skeleton(&job);
            drawn = true;
        }
        update_run(&job);
        if job.finished() {
            finish_run(&job);
            return;
        }
        dom::sleep(1000).await;
        if !current(generation) {
            return;
        }
    }
}

fn run_skeleton(job: &Job) {
    let id = job.id.clone();
    dom::fill(
        "main",
        [el("section")
            .class("panel studio")
            .id("run")
            .attr("data-run", &job.id)
            .attr("data-state", &job.state)
            .children([
                crumbs(&[(&job.dataset, format!("#/studio/datasets/{}", encode(&job.dataset)))]),
                el("h1").text(&format!("Predicting {} from {}", job.target, job.dataset)),
                el("p").class("meta").text(&format!("Run {} · started {}", job.id, when(job.created))),
                el("div").id("run-live").class("live").children([
                    el("progress")
                        .id("run-progress")
                        .attr("max", "1")
                        .attr("value", "0")
                        .attr("aria-label", "Time spent of the budget"),
                    el("p").id("run-numbers").class("numbers").attr("role", "status"),
                    el("p").id("run-status").class("muted"),
                    el("div").class("actions").children([el("button")
                        .id("cancel")
                        .attr("type", "button")
                        .class("quiet")
                        .text("Cancel")
                        .on("click", move |_| {
                            let id = id.clone();
                            spawn_local(async move {
                                if let Some(b) = dom::by_id("cancel") {
                                    let _ = b.set_attribute("disabled", "");
                                }
                                dom::set_text("run-status", "Cancelling…");
                                if let Err(f) = call("DELETE", &format!("/train/{}", encode(&id)), None).await {
                                    dom::set_text("run-error", &format!("The run was not cancelled: {}.", f.message()));
                                }
                            });
                        })]),
                    el("p").id("run-error").class("error").attr("role", "alert"),
                ]),
                el("details")
                    .id("run-log")
                    .children([el("summary").text("What the search did"), el("pre").id("run-lines")]),
                el("div").id("run-result"),
            ])],
    );
}

fn update_run(job: &Job) {
    if let Some(r) = dom::by_id("run") {
        let _ = r.set_attribute("data-state", &job.state);
    }
    if let Some(p) = dom::by_id("run-progress") {
        let _ = p.set_attribute("value", &format!("{:.4}", job.spent()));
    }
    let mut numbers = vec![job.state_words().to_string(), job.tried_words()];
    numbers.extend(job.best_words());
    numbers.extend(job.left_words());
    dom::set_text("run-numbers", &numbers.join(" · "));
    if !job.finished() {
        dom::set_text("run-status", &job.status);
    }
    dom::set_text("run-lines", &job.lines.join("\n"));
}

fn finish_run(job: &Job) {
    dom::show("cancel", false);
    dom::set_text("run-status", "");
    let message = match job.state.as_str() {
        "succeeded" => None,
        "cancelled" => Some("This run was cancelled: no model was kept.".to_string()),
        "failed" => Some(format!("Training failed: {}", job.error.as_deref().unwrap_or("no reason was given"))),
        other => Some(format!("The run ended as {other}.")),
    };
    if let Some(m) = message {
        dom::fill(
            "run-result",
            [
                el("p").id("run-message").class(&format!("error big {}", job.state)).attr("role", "alert").text(&m),
                el("a")
                    .attr("href", &format!("#/studio/datasets/{}", encode(&job.dataset)))
                    .text("Back to the dataset to try again"),
            ],
        );
        return;
    }
    let mut parts = Vec::new();
    match &job.evaluation {
        Some(e) => parts.extend(evaluation_view(e)),
        None => parts.push(el("p").class("muted").text("The run finished without an evaluation to show.")),
    }
    match &job.challenger {
        // A retraining policy's challenger: the server decides, not the maker.
        Some(c) => parts.push(el("section").class("publish").id("challenger").children([
            el("h2").text("Champion or challenger"),
            el("p").text(&format!(
                "This run trained a challenger for {}; the server compared it with the version {} serves and logged its decision.",
                c.model,
                c.alias.as_deref().unwrap_or("the alias")
            )),
            el("a").attr("href", &format!("#/studio/models/{}", encode(&c.model))).text("See the decision"),
        ])),
        None => parts.push(publish_form(job)),
    }
    dom::fill("run-result", parts);
}

fn evaluation_view(e: &Evaluation) -> Vec<El> {
    let mut out =
        vec![el("p").id("run-summary").class("summary").text(&e.summary), el("p").class("meta").text(&e.headline())];
    let better = if e.higher_is_better { "higher is better" } else { "lower is better" };
    // Best first (the search's order is kept in the log).
    let mut ranked: Vec<&wire::Candidate> = e.leaderboard.iter().collect();
    ranked.sort_by(|a, b| if e.higher_is_better { b.score.total_cmp(&a.score) } else { a.score.total_cmp(&b.score) });
    let board: Vec<El> = ranked
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let score = match c.std {
                Some(s) => format!("{} ± {}", text::value(c.score), text::value(s)),
                None => text::value(c.score),
            };
            el("tr").class(if c.winner { "winner" } else { "" }).attr("data-family", &c.family).children([
                num_td(&(i + 1).to_string()),
                el("td").children([
                    el("span").text(&c.family),
                    el("span").class("badge win").attr_if(!c.winner, "hidden", "").text("chosen"),
                ]),
                el("td").class("params").text(&c.params),
                num_td(&score),
                num_td(&c.fit_seconds.map(|s| text::millis(s * 1000.0)).unwrap_or_default()),
            ])
        })
        .collect();
    out.push(el("h2").text("Leaderboard"));
    out.push(table(
        "data leaderboard",
        &format!("Candidates by cross-validated {} ({better})", e.metric),
        &["#", "Model", "Settings", &format!("{} (held out)", e.metric), "Fit time"],
        board,
    ));
    let mut charts_row = Vec::new();
    if !e.importance.is_empty() {
        let items: Vec<Bar> = e
            .importance
            .iter()
            .take(IMPORTANCE_SHOWN)
            .map(|i| Bar { label: text::label(&i.field), value: i.share })
            .collect();
        charts_row.push(el("div").class("chart-card").id("importance").children([
            el("h3").text("What matters most"),
            chart(charts::bars("Share of the model's decisions per field", &items, &|v| text::percent(v))),
        ]));
    }
    if e.is_classification() {
        if !e.classes.is_empty() && !e.confusion.is_empty() {
            charts_row.push(el("div").class("chart-card").id("confusion").children([
                el("h3").text("Right and wrong, per class"),
                chart(charts::confusion(
                    &format!("Confusion matrix of {} on held-out rows", e.target),
                    &e.classes,
                    &e.confusion,
                )),
            ]));
        }
        if !e.roc.is_empty() {
            let curves: Vec<Curve> =
                e.roc.iter().map(|c| Curve { class: c.class.clone(), auc: c.auc, points: c.points.clone() }).collect();
            charts_row.push(el("div").class("chart-card").id("roc").children([
                el("h3").text("ROC curves"),
                chart(charts::roc(&format!("ROC curves of {} on held-out rows", e.target), &curves)),
            ]));
        }
    } else if !e.points.is_empty() {
        charts_row.push(el("div").class("chart-card").id("scatter").children([
            el("h3").text("Predicted against actual"),
            chart(charts::scatter(
                &format!("Predicted against actual {} on held-out rows", e.target),
                &e.points,
                &e.target,
            )),
        ]));
        charts_row.push(el("div").class("chart-card").id("residuals").children([
            el("h3").text("Errors against predictions"),
            chart(charts::residuals(
                &format!("Errors of {} against predictions on held-out rows", e.target),
                &e.points,
                &e.target,
            )),
        ]));
    }
    out.push(el("h2").text("How good it is"));
    out.push(el("div").class("charts").id("charts").children(charts_row));
    out
}

fn publish_form(job: &Job) -> El {
    let id = job.id.clone();
    let already: Vec<El> = job
        .published
        .iter()
        .map(|p| {
            el("li").children([
                el("span").text(&format!("Published as {} version {}: ", p.name, p.version)),
                el("a").attr("href", &format!("#/models/{}", encode(&p.name))).text("Open its prediction form"),
            ])
        })
        .collect();
    let default_name = job.name.clone().unwrap_or_else(|| wire::dataset_name(&format!("{}.x", job.dataset)));
    el("section").class("publish").id("publish-panel").children([
        el("h2").text("Publish"),
        el("ul").class("plain").children(already),
        el("form")
            .id("publish-form")
            .attr("novalidate", "")
            .children([
                el("div").class("row").children([
                    el("div").class("field").children([
                        el("label").attr("for", "publish-name").text("Model name"),
                        el("input")
                            .id("publish-name")
                            .attr("type", "text")
                            .attr("autocomplete", "off")
                            .attr("value", &default_name),
                    ]),
                    el("div").class("field grow").children([
                        el("label").attr("for", "publish-description").text("Description"),
                        el("input")
                            .id("publish-description")
                            .attr("type", "text")
                            .attr("value", &format!("{} from {}", text::label(&job.target), job.dataset)),
                    ]),
                ]),
                el("button").id("publish").attr("type", "submit").class("primary").text("Publish"),
                el("p").id("publish-error").class("error").attr("role", "alert"),
                el("p").id("publish-result").attr("role", "status"),
            ])
            .on("submit", move |e| {
                e.prevent_default();
                let id = id.clone();
                spawn_local(async move { publish(&id).await });
            }),
    ])
}

async fn publish(id: &str) {
    dom::set_text("publish-error", "");
    let name = dom::input_value("publish-name").unwrap_or_default().trim().to_string();
    if name.is_empty() {
        dom::set_text("publish-error", "Give the model a name.");
        dom::focus("publish-name");
        return;
    }
    let description = dom::input_value("publish-description").unwrap_or_default();
    let body = json!({"name": name, "description": description, "alias": null}).to_string();
    match call("POST", &format!("/train/{}/publish", encode(id)), Some((body.as_bytes(), "application/json"))).await {
        Ok(r) => {
            let v = r.json();
            let name = v["name"].as_str().unwrap_or(&name).to_string();
            let version = v["version"].as_u64().unwrap_or(0);
            dom::fill(
                "publish-result",
                [
                    el("span").text(&format!("Published {name} version {version}. ")),
                    el("a")
                        .id("open-form")
                        .attr("href", &format!("#/models/{}", encode(&name)))
                        .text("Open its prediction form"),
                    el("span").text(" · "),
                    el("a").attr("href", &format!("#/studio/models/{}", encode(&name))).text("Drift and retraining"),
                ],
            );
        }
        Err(f) => dom::set_text("publish-error", &format!("Not published: {}.", f.message())),
    }
}

// ---- #/studio/datasets/NAME/scored/MODEL ----

async fn scored_page(name: String, model: String, generation: u64) {
    let path = format!("/datasets/{}/scored/{}/rows?limit=50", encode(&name), encode(&model));
    let rows = match call("GET", &path, None).await {
        Ok(r) => r.json(),
        Err(f) => return failed(generation, &format!("The table of {name} scored by {model} cannot be read"), &f),
    };
    if !current(generation) {
        return;
    }
    let outputs: Vec<String> = rows["outputs"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let histograms: Vec<El> = outputs
        .iter()
        .filter_map(|o| {
            let h = &rows["histograms"][o];
            let edges: Vec<f64> = h["edges"].as_array()?.iter().filter_map(Value::as_f64).collect();
            let counts: Vec<f64> = h["counts"].as_array()?.iter().filter_map(Value::as_f64).collect();
            Some(el("div").class("chart-card").attr("data-output", o).children([
                el("h3").text(&format!("{o} over all rows")),
                chart(charts::histogram(&format!("Histogram of {o} over all scored rows"), &edges, &counts, o)),
            ]))
        })
        .collect();
    let shown = rows["rows"].as_array().map_or(0, Vec::len);
    dom::fill(
        "main",
        [el("section").class("panel studio").id("scored").attr("data-model", &model).children([
            crumbs(&[(&name, format!("#/studio/datasets/{}", encode(&name)))]),
            el("h1").text(&format!("{name} scored by {model}")),
            el("p").class("meta").text(&format!(
                "The first {} of {} rows; the model's outputs ({}) are highlighted.",
                shown,
                text::number(rows["total"].as_f64().unwrap_or(0.0), 0),
                outputs.join(", ")
            )),
            el("div").class("charts").children(histograms),
            preview_table("scored-table", &rows, &outputs),
        ])],
    );
}

// ---- #/studio/models/NAME ----

async fn model_page(name: String, generation: u64) {
    let entry = match call("GET", &format!("/models/{}", encode(&name)), None).await {
        Ok(r) => r.json(),
        Err(f) => return failed(generation, &format!("The model {name} cannot be opened"), &f),
    };
    let policy = call("GET", &format!("/models/{}/policy", encode(&name)), None).await;
    let datasets = call("GET", "/datasets", None).await.map(|r| r.json()).unwrap_or(Value::Null);
    if !current(generation) {
        return;
    }
    let policy: Result<Option<Policy>, Failure> = match policy {
        Ok(r) => serde_json::from_value(r.json())
            .map(Some)
            .map_err(|e| Failure::Status(0, format!("the server's policy cannot be read ({e})"))),
        Err(Failure::Status(404, _)) => Ok(None),
        Err(f) => Err(f),
    };
    let dataset_names: Vec<String> = datasets["datasets"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["name"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    let policy_view = match &policy {
        Ok(p) => policy_form(&name, p.as_ref(), &dataset_names),
        Err(f) => problem("The retraining policy cannot be read", f),
    };
    let alias = policy.as_ref().ok().and_then(Option::as_ref).and_then(|p| p.alias.clone());
    let n = name.clone();
    let drift_sources = std::iter::once(el("option").attr("value", "").text("recent prediction requests"))
        .chain(dataset_names.iter().map(|d| el("option").attr("value", d).text(&format!("dataset {d}"))));
    dom::fill(
        "main",
        [el("section").class("panel studio").id("model-studio").attr("data-model", &name).children([
            crumbs(&[]),
            el("h1").text(&name),
            el("p").class("meta").children([
                el("span").text(&format!("latest version {} · ", entry["latest"].as_u64().unwrap_or(0))),
                el("a").attr("href", &format!("#/models/{}", encode(&name))).text("Open its prediction form"),
            ]),
            el("section").id("drift-panel").children([
                el("h2").text("Drift"),
                el("div").class("field inline").children([
                    el("label").attr("for", "drift-source").text("Compare the training data with"),
                    el("select").id("drift-source").children(drift_sources).on("change", move |_| {
                        spawn_local(drift(n.clone()));
                    }),
                ]),
                el("div").id("drift"),
            ]),
            el("section").id("policy-panel").children([el("h2").text("Retraining policy"), policy_view]),
            el("section").id("versions-panel").children([
                el("h2").text("Versions"),
                versions_view(&name, &entry, alias.as_deref()),
                el("p").id("rollback-status").attr("role", "status"),
                el("p").id("rollback-error").class("error").attr("role", "alert"),
            ]),
            el("section").id("decisions-panel").children([el("h2").text("Decisions"), el("div").id("decisions")]),
        ])],
    );
    spawn_local(drift(name.clone()));
    spawn_local(decisions(name));
}

async fn drift(name: String) {
    dom::fill("drift", [el("p").class("muted").text("Checking…")]);
    let source = dom::input_value("drift-source").unwrap_or_default();
    let mut path = format!("/models/{}/drift", encode(&name));
    if !source.is_empty() {
        path.push_str(&format!("?dataset={}", encode(&source)));
    }
    let report = match call("GET", &path, None).await {
        Ok(r) => r.json(),
        Err(f) => {
            dom::fill("drift", [problem("Drift cannot be checked", &f)]);
            return;
        }
    };
    let drifted = report["drifted"].as_bool().unwrap_or(false);
    let rows = report["rows"].as_f64().unwrap_or(0.0);
    let fields = report["fields"].as_array().cloned().unwrap_or_default();
    let table_rows: Vec<El> = fields
        .iter()
        .map(|f| {
            let level = f["level"].as_str().unwrap_or_default();
            let moved = f["moved"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .take(2)
                        .filter_map(|b| {
                            let b = b.as_array()?;
                            Some(format!(
                                "{}: {} → {}",
                                b.first()?.as_str().map(String::from).unwrap_or_else(|| b[0].to_string()),
                                text::percent(b.get(1)?.as_f64()?),
                                text::percent(b.get(2)?.as_f64()?)
                            ))
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            el("tr").attr("data-field", f["name"].as_str().unwrap_or_default()).attr("data-level", level).children([
                el("th").attr("scope", "row").text(f["name"].as_str().unwrap_or_default()),
                num_td(&text::number(f["psi"].as_f64().unwrap_or(0.0), 3)),
                el("td").child(el("span").class(&format!("level {level}")).text(level)),
                num_td(&format!(
                    "{} → {}",
                    text::percent(f["missing_then"].as_f64().unwrap_or(0.0)),
                    text::percent(f["missing_now"].as_f64().unwrap_or(0.0))
                )),
                td(&moved),
            ])
        })
        .collect();
    // Too few rows to call a field drifted: say so rather than "stable".
    let unsure = !drifted && report["note"].is_string();
    let flag = if drifted {
        "drifted"
    } else if unsure {
        "unsure"
    } else {
        "stable"
    };
    let mut parts = vec![
        el("p")
            .id("drift-flag")
            .class(&format!("flag {flag}"))
            .attr("data-drifted", &drifted.to_string())
            .attr("data-rows", &text::plain(rows))
            .text(&format!(
                "{} — {} rows of {} (version {})",
                match flag {
                    "drifted" => "Drifted",
                    "unsure" => "Too few rows to tell",
                    _ => "Stable",
                },
                text::number(rows, 0),
                report["source"].as_str().unwrap_or(""),
                report["version"].as_u64().unwrap_or(0)
            )),
    ];
    if let Some(note) = report["note"].as_str() {
        parts.push(el("p").class("muted").text(note));
    }
    // Without a row there is nothing to compare field by field.
    if rows > 0.0 {
        parts.push(table(
            "data drift",
            "Population stability index per field (above 0.25: drifted; 0.1 to 0.25: shifted)",
            &["Field", "PSI", "Level", "Missing then → now", "Moved most"],
            table_rows,
        ));
    }
    dom::fill("drift", parts);
}

fn policy_form(name: &str, p: Option<&Policy>, datasets: &[String]) -> El {
    let dataset = p.map(|p| p.dataset.clone()).unwrap_or_default();
    let field = |id: &str, label: &str, input: El| {
        el("div").class("field").children([el("label").attr("for", id).text(label), input.id(id)])
    };
    let text_input = |value: &str| el("input").attr("type", "text").attr("autocomplete", "off").attr("value", value);
    let number_input = |value: f64, step: &str| {
        el("input").attr("type", "number").attr("min", "0").attr("step", step).attr("value", &text::plain(value))
    };
    let hours = p.and_then(|p| p.every_secs).map(|s| text::plain(s as f64 / 3600.0)).unwrap_or_default();
    let name = name.to_string();
    let retrain_name = name.clone();
    el("div").children([
        el("p")
            .class("muted")
            .attr_if(p.is_some(), "hidden", "")
            .text("No policy yet: this model is never retrained on its own. Fill in the form to set one."),
        el("form")
            .id("policy-form")
            .attr("novalidate", "")
            .children([
                el("div").class("row").children([
                    field(
                        "policy-dataset",
                        "Dataset",
                        el("select").children(
                            datasets
                                .iter()
                                .map(|d| el("option").attr("value", d).text(d).attr_if(*d == dataset, "selected", "")),
                        ),
                    ),
                    field("policy-target", "Column to predict", text_input(p.map_or("", |p| &p.target))),
                    field(
                        "policy-alias",
                        "Alias to move",
                        text_input(p.and_then(|p| p.alias.as_deref()).unwrap_or("prod")),
                    ),
                ]),
                el("div").class("row").children([
                    field(
                        "policy-every",
                        "Retrain every (hours; empty: never on a schedule)",
                        el("input").attr("type", "number").attr("min", "0").attr("step", "any").attr("value", &hours),
                    ),
                    field(
                        "policy-margin",
                        "Promote when better by at least (%)",
                        number_input(p.map_or(2.0, |p| p.margin * 100.0), "any"),
                    ),
                    field(
                        "policy-budget",
                        "Time to search (seconds)",
                        number_input(p.map_or(DEFAULT_BUDGET_SECS, |p| p.time_budget_secs), "1"),
                    ),
                    field(
                        "policy-holdout",
                        "Rows held out to compare (%)",
                        number_input(p.map_or(20.0, |p| p.holdout_share * 100.0), "any"),
                    ),
                ]),
                el("div").class("row").children([
                    field(
                        "policy-exclude",
                        "Columns to leave out (comma-separated)",
                        text_input(&p.map(|p| p.exclude.join(", ")).unwrap_or_default()),
                    ),
                    field(
                        "policy-categorical",
                        "Numbers to treat as categories",
                        text_input(&p.map(|p| p.categorical.join(", ")).unwrap_or_default()),
                    ),
                ]),
                el("div").class("field toggle").children([
                    el("label").attr("for", "policy-drift").text("Retrain when the inputs drift"),
                    el("input").id("policy-drift").attr("type", "checkbox").attr_if(
                        p.is_none_or(|p| p.on_drift),
                        "checked",
                        "",
                    ),
                ]),
                el("div").class("actions").children([
                    el("button").id("policy-save").attr("type", "submit").class("primary").text("Save the policy"),
                    el("button").id("retrain").attr("type", "button").text("Retrain now").on("click", move |_| {
                        spawn_local(retrain(retrain_name.clone()));
                    }),
                ]),
                el("p").id("policy-status").attr("role", "status"),
                el("p").id("policy-error").class("error").attr("role", "alert"),
            ])
            .on("submit", move |e| {
                e.prevent_default();
                spawn_local(save_policy(name.clone()));
            }),
    ])
}

fn read_number(id: &str) -> Result<Option<f64>, String> {
    let v = dom::input_value(id).unwrap_or_default();
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map(Some)
        .ok_or_else(|| format!("{v:?} is not a number"))
}

async fn save_policy(name: String) {
    dom::set_text("policy-error", "");
    dom::set_text("policy-status", "");
    let numbers = (|| -> Result<_, String> {
        Ok((
            read_number("policy-every")?,
            read_number("policy-margin")?.unwrap_or(0.0),
            read_number("policy-budget")?.unwrap_or(DEFAULT_BUDGET_SECS),
            read_number("policy-holdout")?.unwrap_or(20.0),
        ))
    })();
    let (every, margin, budget, holdout) = match numbers {
        Ok(n) => n,
        Err(m) => return dom::set_text("policy-error", &format!("Not saved: {m}.")),
    };
    let alias = dom::input_value("policy-alias").unwrap_or_default().trim().to_string();
    let policy = Policy {
        dataset: dom::input_value("policy-dataset").unwrap_or_default(),
        target: dom::input_value("policy-target").unwrap_or_default().trim().to_string(),
        alias: (!alias.is_empty()).then_some(alias),
        every_secs: every.map(|h| (h * 3600.0).round() as u64),
        on_drift: dom::checked("policy-drift"),
        margin: margin / 100.0,
        time_budget_secs: budget,
        holdout_share: holdout / 100.0,
        exclude: wire::names(&dom::input_value("policy-exclude").unwrap_or_default()),
        categorical: wire::names(&dom::input_value("policy-categorical").unwrap_or_default()),
    };
    let body = serde_json::to_string(&policy).unwrap_or_default();
    match call("PUT", &format!("/models/{}/policy", encode(&name)), Some((body.as_bytes(), "application/json"))).await {
        Ok(_) => dom::set_text("policy-status", "Saved."),
        Err(f) => dom::set_text("policy-error", &format!("Not saved: {}.", f.message())),
    }
}

async fn retrain(name: String) {
    dom::set_text("policy-error", "");
    dom::set_text("policy-status", "Starting a challenger…");
    match call("POST", &format!("/models/{}/retrain", encode(&name)), Some((b"{}", "application/json"))).await {
        Ok(r) => match r.json()["job"].as_str() {
            Some(id) => go(&format!("/studio/runs/{id}")),
            None => dom::set_text("policy-status", "Retraining started."),
        },
        Err(f) => {
            dom::set_text("policy-status", "");
            dom::set_text("policy-error", &format!("Retraining did not start: {}.", f.message()));
        }
    }
}

/// The versions, what each alias points at, and a rollback to each earlier one.
fn versions_view(name: &str, entry: &Value, alias: Option<&str>) -> El {
    let aliases: Vec<(String, u64)> = entry["aliases"]
        .as_object()
        .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_u64()?))).collect())
        .unwrap_or_default();
    let alias =
        alias.map(String::from).or_else(|| aliases.first().map(|a| a.0.clone())).unwrap_or_else(|| "prod".into());
    let serving = aliases.iter().find(|a| a.0 == alias).map(|a| a.1).or_else(|| entry["latest"].as_u64());
    let mut versions: Vec<u64> =
        entry["versions"].as_array().map(|a| a.iter().filter_map(Value::as_u64).collect()).unwrap_or_default();
    versions.sort_unstable_by(|a, b| b.cmp(a));
    let rows: Vec<El> = versions
        .iter()
        .map(|&v| {
            let on: Vec<&str> = aliases.iter().filter(|a| a.1 == v).map(|a| a.0.as_str()).collect();
            let earlier = serving.is_some_and(|s| v < s);
            let (n, a) = (name.to_string(), alias.clone());
            el("tr").attr("data-version", &v.to_string()).children([
                el("th").attr("scope", "row").text(&format!("v{v}")),
                td(&on.join(", ")),
                el("td").child(if earlier {
                    el("button")
                        .class("small")
                        .attr("type", "button")
                        .attr("data-rollback", &v.to_string())
                        .text(&format!("Roll back to v{v}"))
                        .on("click", move |_| spawn_local(rollback(n.clone(), v, a.clone())))
                } else {
                    el("span")
                }),
            ])
        })
        .collect();
    table("data versions", &format!("Rollbacks move the alias {alias}"), &["Version", "Aliases", ""], rows)
}

async fn rollback(name: String, version: u64, alias: String) {
    dom::set_text("rollback-error", "");
    dom::set_text("rollback-status", &format!("Rolling {alias} back to v{version}…"));
    let body = json!({"version": version, "alias": alias}).to_string();
    match call("POST", &format!("/models/{}/rollback", encode(&name)), Some((body.as_bytes(), "application/json")))
        .await
    {
        Ok(_) => {
            dom::set_text("rollback-status", &format!("{alias} now serves v{version}."));
            // Redraw the page: versions and decisions changed.
            let generation = crate::app::generation();
            spawn_local(model_page(name, generation));
        }
        Err(f) => {
            dom::set_text("rollback-status", "");
            dom::set_text("rollback-error", &format!("Not rolled back: {}.", f.message()));
        }
    }
}

async fn decisions(name: String) {
    let list = match call("GET", &format!("/models/{}/decisions", encode(&name)), None).await {
        Ok(r) => r.json(),
        Err(f) => {
            dom::fill("decisions", [problem("The decisions cannot be read", &f)]);
            return;
        }
    };
    let read: Vec<Result<Decision, String>> = list["decisions"]
        .as_array()
        .map(|a| a.iter().map(|d| serde_json::from_value(d.clone()).map_err(|e| e.to_string())).collect())
        .unwrap_or_default();
    let unreadable = read.iter().filter(|d| d.is_err()).count();
    let decisions: Vec<Decision> = read.into_iter().filter_map(Result::ok).collect();
    if unreadable > 0 {
        dom::fill(
            "decisions",
            [el("p")
                .class("error")
                .attr("role", "alert")
                .text(&format!("{unreadable} of the server's decisions cannot be read by this version of the app."))],
        );
        if decisions.is_empty() {
            return;
        }
    }
    if decisions.is_empty() {
        dom::fill("decisions", [el("p").class("muted").text("No retraining or rollback yet.")]);
        return;
    }
    let rows: Vec<El> = decisions
        .iter()
        .map(|d| {
            el("tr").attr("data-decision", &d.id).attr("data-promoted", &d.promoted.to_string()).children([
                td(&when(d.at)),
                td(&d.trigger),
                td(&wire::scored_words(&d.champion, &d.metric)),
                td(&wire::scored_words(&d.challenger, &d.metric)),
                el("td").child(
                    el("span").class(if d.promoted { "badge yes" } else { "badge no" }).text(if d.promoted {
                        "promoted"
                    } else {
                        "kept"
                    }),
                ),
                td(&d.reason),
            ])
        })
        .collect();
    dom::fill(
        "decisions",
        [table(
            "data decisions",
            "Champion against challenger, newest first",
            &["When", "Why", "Champion", "Challenger", "Outcome", "Reason"],
            rows,
        )],
    );
}
