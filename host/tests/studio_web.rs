//! The studio as a maker uses it: headless Chromium (playwright-core from
//! npm) loads the trunk build from a real `citizen serve` on 127.0.0.1,
//! uploads `data/cars93.csv`, reads the schema for `Price`, leaves out the
//! leaky `Min.Price` and `Max.Price`, trains for a few seconds, reads the
//! evaluation charts, publishes the model as `cars`, follows the link to its
//! form and predicts a golden case; cancels a second run mid-search; and a
//! reader sees no studio. The browser steps are in `web-app/tests/studio.mjs`;
//! this test checks its report against the server's own answers and the
//! native runtime.

mod common;

use std::path::PathBuf;

use common::{Server, repo, scratch};
use runtime_wasm::Model;
use serde_json::{Value, json};

/// The trunk build (`bash scripts/build-web.sh`), next to the test binaries.
fn dist() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_citizen"));
    let dir = exe.parent().and_then(|p| p.parent()).unwrap().join("web-dist");
    assert!(dir.join("index.html").is_file(), "no web app build at {} (run bash scripts/build-web.sh)", dir.display());
    dir
}

fn close(a: f64, b: f64, tol: &manifest::Tolerance) -> bool {
    (a - b).abs() <= tol.absolute + tol.relative * b.abs()
}

async fn get(c: &reqwest::Client, s: &Server, token: &str, path: &str) -> reqwest::Response {
    c.get(s.at(path)).bearer_auth(token).send().await.unwrap()
}

#[test]
fn the_makers_journey_through_the_studio_in_headless_chromium() {
    let dist = dist();
    let dir = scratch("studio-web");
    let store = dir.join("store");
    let app = Server::start(store.to_str().unwrap(), &[], &["--web-dir", dist.to_str().unwrap()]);
    let maker = app.token("maker", None);
    let reader = app.token("reader", Some("cars"));
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let plan = json!({
        "base": app.url.trim_end_matches('/'),
        "maker": maker,
        "reader": reader,
        "csv": repo().join("data/cars93.csv"),
        "dataset": "cars",
        "model": "cars",
        "budget": 5,
        "out": out,
    });
    let bad = out.join("not-a-table.json");
    std::fs::write(&bad, "{\"price\": ").unwrap();
    let mut plan = plan;
    plan["badJson"] = json!(bad);
    plan["irisCsv"] = json!(repo().join("data/iris.csv"));
    let r = common::browser_report("studio.mjs", &plan, &dir);
    println!("screenshots in {}", out.display());
    assert!(
        r["error"].is_null(),
        "the studio journey stopped: {}\nsteps: {}\nconsole: {}",
        r["error"],
        r["steps"],
        r["console"]
    );
    let console: Vec<&str> = r["console"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(!console.iter().any(|l| l.contains("pageerror") || l.contains("panicked")), "{console:?}");

    // Upload: the name suggested from the file; the dataset's page follows.
    assert_eq!(r["upload"]["suggested"], json!("cars93"), "{}", r["upload"]);
    assert_eq!(r["upload"]["hash"], json!("#/studio/datasets/cars"), "{}", r["upload"]);
    let refused = r["upload"]["refusedUpload"].as_str().unwrap();
    assert!(refused.starts_with("not-a-table.json was not added: "), "{refused}");

    // Schema: the last column is the default target; Price is a regression;
    // the leak warnings go once the leaky columns are left out.
    let s = &r["schema"];
    let columns = s["columns"].as_array().unwrap();
    assert_eq!(s["defaultTarget"], *columns.last().unwrap(), "{s}");
    assert!(columns.contains(&json!("Price")) && columns.contains(&json!("Min.Price")), "{s}");
    assert!(s["task"].as_str().unwrap().to_lowercase().contains("regression"), "{s}");
    let leaks =
        |key: &str| s[key].as_array().unwrap().iter().filter(|w| w.as_str().unwrap().contains("Min.Price")).count();
    assert!(leaks("warningsBefore") > 0, "a leak of the target is warned about: {s}");
    assert_eq!(leaks("warningsAfter"), 0, "{s}");
    assert_eq!(s["roles"]["Price"], json!("target"));
    assert_eq!(s["roles"]["Min.Price"], json!("excluded"));
    assert_eq!(s["roles"]["Max.Price"], json!("excluded"));
    assert_eq!(s["roles"]["Horsepower"], json!("feature"));
    assert_eq!(s["rowsBefore"].as_u64().unwrap() as usize, columns.len(), "one schema row per column");
    assert_eq!(s["preview"], json!(10));

    // The run: seen running with its progress, then succeeded, with charts
    // that hold the server's evaluation.
    let run = &r["run"];
    assert_eq!(run["state"], json!("succeeded"), "{run}");
    let id = run["id"].as_str().unwrap();
    let live = &run["live"];
    assert!(!live.is_null(), "the run was seen running: {run}");
    if live["state"] == json!("running") {
        assert!(live["numbers"].as_str().unwrap().contains("candidates tried"), "{live}");
        let p = live["progress"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{live}");
        assert_eq!(live["cancelVisible"], json!(true));
    }
    assert_eq!(run["cancelVisible"], json!(false), "no Cancel once finished");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let c = reqwest::Client::new();
    let (status, job) =
        rt.block_on(async { common::json_of(get(&c, &app, &maker, &format!("/train/{id}")).await).await });
    assert_eq!(status, 200, "{job}");
    let e = &job["evaluation"];
    let points = e["points"].as_array().unwrap().len();
    assert!(points > 0, "{e}");
    assert_eq!(run["scatterPoints"], json!(points), "one circle per held-out row");
    assert_eq!(run["scatterData"], json!(points.to_string()));
    assert_eq!(run["residualPoints"], json!(points));
    assert_eq!(run["outside"], json!(0), "every point inside the plot");
    let importance = e["importance"].as_array().unwrap().len().min(15);
    assert!(importance > 0, "{e}");
    assert_eq!(run["importanceBars"], json!(importance));
    let widths: Vec<f64> = run["importanceWidths"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let values: Vec<f64> = run["importanceValues"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (w, v) in widths.iter().zip(&values) {
        assert!((w / widths[0] - v / values[0]).abs() < 0.01, "bar lengths follow the shares: {widths:?} {values:?}");
    }
    assert!(!e["importance"].as_array().unwrap().iter().any(|i| i["field"] == json!("Min.Price")), "{e}");
    assert_eq!(run["leaderboard"], json!(e["leaderboard"].as_array().unwrap().len()));
    assert_eq!(run["winners"], json!(1));
    assert_eq!(run["summary"], e["summary"]);
    assert!(run["svgLabels"].as_array().unwrap().iter().all(|l| l.as_str().unwrap().starts_with("img:")));

    // Published as `cars`; its form predicts the golden price of the
    // published model, which the native runtime reproduces.
    let p = &r["publish"];
    assert_eq!(p["publishError"], json!(""), "{p}");
    assert!(p["published"].as_str().unwrap().starts_with("Published cars version"), "{p}");
    assert_eq!(p["hash"], json!("#/models/cars"));
    assert_eq!(p["studioLink"], json!(true), "a maker sees the model's studio link");
    let version = p["version"].as_u64().unwrap();
    let bytes = rt.block_on(async {
        let r = get(&c, &app, &maker, &format!("/models/cars/versions/{version}/model.onnx")).await;
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap().to_vec()
    });
    let model = Model::load(&bytes).unwrap();
    let manifest = model.manifest().unwrap().clone();
    assert!(manifest.signature.inputs.iter().all(|f| f.name != "Min.Price" && f.name != "Max.Price"));
    let golden = &manifest.golden[0];
    let used = p["golden"]["input"].as_object().unwrap();
    assert_eq!(used.len(), golden.input.len(), "the browser used the published model's golden case: {used:?}");
    for (k, v) in &golden.input {
        let same = match (v.as_f64(), used[k].as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => *v == used[k],
        };
        assert!(same, "{k}: {v} in the model, {} in the browser", used[k]);
    }
    let want = golden.output["Price"].as_f64().unwrap();
    let shown: f64 = p["value"].as_str().unwrap().parse().unwrap();
    assert!(close(shown, want, &manifest.tolerance), "the form says {shown}, the golden case {want}");
    let native = model.predict_json(&Value::Object(golden.input.clone()).to_string()).unwrap();
    let native = native.json_rows()[0]["Price"].as_f64().unwrap();
    assert!(close(native, want, &manifest.tolerance), "{native} vs {want}");

    // The model's studio page: drift shown, the policy saved as typed, a
    // challenger trained now and its decision logged.
    let l = &r["lifecycle"];
    // No request yet, and cars93's 93 rows are fewer than drift needs to
    // call a field drifted: both say so rather than "stable"; the dataset's
    // fields are still listed.
    assert_eq!((&l["flag"], &l["driftRows"]), (&json!("flag unsure"), &json!(0)), "{l}");
    assert!(l["driftFlag"].as_str().unwrap().starts_with("Too few rows to tell — 93 rows of dataset cars"), "{l}");
    assert_eq!(l["driftFields"].as_u64().unwrap() as usize, manifest.signature.inputs.len(), "{l}");
    assert_eq!(l["policySaved"], json!("Saved."), "{l}");
    assert_eq!(l["challengerState"], json!("succeeded"), "{l}");
    assert_eq!(l["decisions"].as_array().unwrap().len(), 1, "{l}");
    let (status, policy) =
        rt.block_on(async { common::json_of(get(&c, &app, &maker, "/models/cars/policy").await).await });
    assert_eq!(status, 200, "{policy}");
    assert_eq!((&policy["dataset"], &policy["target"]), (&json!("cars"), &json!("Price")), "{policy}");
    assert_eq!(policy["exclude"], json!(["Min.Price", "Max.Price"]), "{policy}");
    assert_eq!(policy["time_budget_secs"].as_f64(), Some(5.0), "{policy}");
    let (_, decisions) =
        rt.block_on(async { common::json_of(get(&c, &app, &maker, "/models/cars/decisions").await).await });
    assert_eq!(decisions["decisions"].as_array().unwrap().len(), 1, "{decisions}");
    let reason = decisions["decisions"][0]["reason"].as_str().unwrap();
    assert!(l["decisions"][0].as_str().unwrap().contains(reason), "the page shows the server's reason: {l}");

    // Cancelled mid-search: said so, and listed so.
    let k = &r["cancel"];
    assert_eq!(k["state"], json!("cancelled"), "{k}");
    assert!(k["message"].as_str().unwrap().contains("cancelled"), "{k}");
    assert_eq!(k["cancelVisible"], json!(false));
    let runs = k["runs"].as_array().unwrap();
    assert!(runs.contains(&json!([k["id"], "cancelled"])), "{k}");
    assert!(runs.contains(&json!([id, "succeeded"])), "{k}");
    assert_eq!(runs.len(), 3, "the run, the challenger and the cancelled one: {k}");
    assert_eq!(k["datasets"], json!(["cars"]));
    let (_, cancelled) = rt.block_on(async {
        common::json_of(get(&c, &app, &maker, &format!("/train/{}", k["id"].as_str().unwrap())).await).await
    });
    assert_eq!(cancelled["state"], json!("cancelled"), "{cancelled}");

    // A classifier's charts hold the server's confusion matrix and one ROC
    // curve per class.
    let k = &r["classifier"];
    assert_eq!((&k["state"], &k["target"]), (&json!("succeeded"), &json!("Species")), "{k}");
    let (_, job) = rt.block_on(async {
        common::json_of(get(&c, &app, &maker, &format!("/train/{}", k["id"].as_str().unwrap())).await).await
    });
    let e = &job["evaluation"];
    let classes: Vec<&str> = e["classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let cells = k["cells"].as_array().unwrap();
    assert_eq!(cells.len(), classes.len() * classes.len(), "{k}");
    for cell in cells {
        let (a, p) = (cell[0].as_str().unwrap(), cell[1].as_str().unwrap());
        let (i, j) = (classes.iter().position(|c| *c == a).unwrap(), classes.iter().position(|c| *c == p).unwrap());
        assert_eq!(cell[2].as_f64(), e["confusion"][i][j].as_f64(), "actual {a}, predicted {p}");
    }
    let curves = k["curves"].as_array().unwrap();
    assert_eq!(curves.len(), e["roc"].as_array().unwrap().len(), "{k}");
    for (shown, sent) in curves.iter().zip(e["roc"].as_array().unwrap()) {
        assert_eq!(shown[0], sent["class"], "{k}");
        assert_eq!(shown[1].as_f64(), sent["auc"].as_f64(), "{k}");
        assert_eq!(shown[2], json!(sent["points"].as_array().unwrap().len()), "{k}");
    }
    assert_eq!(k["scatter"], json!(0), "no regression charts for a classifier");

    // Errors in words.
    assert!(
        r["errors"]["unknownRun"].as_str().unwrap().starts_with("The training run nope cannot be read: "),
        "{}",
        r["errors"]
    );

    // A reader: no studio link anywhere, and a clear refusal.
    let rd = &r["reader"];
    assert_eq!(rd["onPicker"], json!(0), "{rd}");
    assert_eq!(rd["onModel"], json!(0), "{rd}");
    assert!(rd["refused"].as_str().unwrap().contains("for makers"), "{rd}");
    drop(app);
}
