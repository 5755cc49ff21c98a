//! `citizen-edge` as its users see it: the one-shot command against
//! `citizen predict`, and a real edge server on 127.0.0.1 against a real
//! `citizen serve`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::{Server, citizen, json_of, many_cars, publish, repo, scratch};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

fn edge() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_citizen-edge"));
    c.current_dir(repo());
    c
}

fn run(mut c: Command) -> (bool, Vec<u8>, String) {
    let o = c.output().unwrap();
    (o.status.success(), o.stdout, String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn one_shot_predict_is_byte_identical_to_citizen_predict() {
    // Trees are our own kernels: the same bytes in every format.
    for to in ["csv", "jsonl", "json"] {
        let args = ["predict", "--model", "models/car-price-gbr.onnx", "data/cars93.csv", "--to", to];
        let (ok, native, err) = run({
            let mut c = citizen();
            c.args(args);
            c
        });
        assert!(ok, "{err}");
        let (ok, wasm, err) = run({
            let mut c = edge();
            c.args(args);
            c
        });
        assert!(ok, "{err}");
        assert!(!wasm.is_empty());
        assert!(native == wasm, "citizen-edge predict --to {to} differs from citizen predict");
    }
    // -o writes the same file.
    let dir = scratch("edge-oneshot");
    let out = dir.join("out.csv");
    let (ok, _, err) = run({
        let mut c = edge();
        c.args(["predict", "--model", "models/car-price-gbr.onnx", "data/cars93.csv", "-o"]).arg(&out);
        c
    });
    assert!(ok, "{err}");
    let (_, native, _) = run({
        let mut c = citizen();
        c.args(["predict", "--model", "models/car-price-gbr.onnx", "data/cars93.csv"]);
        c
    });
    assert_eq!(std::fs::read(&out).unwrap(), native);

    // A bad row: an error naming the file, row and field; no output file.
    let text = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, text.replacen("\"Midsize\"", "\"Spaceship\"", 1)).unwrap();
    let bad_out = dir.join("bad-out.csv");
    let (ok, _, err) = run({
        let mut c = edge();
        c.args(["predict", "--model", "models/car-price-gbr.onnx"]).arg(&bad).arg("-o").arg(&bad_out);
        c
    });
    assert!(!ok);
    assert!(err.contains("bad.csv") && err.contains("row 2") && err.contains("Type"), "{err}");
    assert!(!bad_out.exists());
    let mut left: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["bad.csv", "out.csv"], "no temporary file left");

    // `serve` refuses a model whose golden cases the module does not
    // reproduce (here one expected price is changed in the file).
    let mut tampered = std::fs::read(repo().join("models/car-price-gbr.onnx")).unwrap();
    let at = tampered.windows(17).position(|w| w == b"15.79837733116261").expect("the first golden price");
    tampered[at] = b'2';
    let tampered_path = dir.join("tampered.onnx");
    std::fs::write(&tampered_path, &tampered).unwrap();
    let (ok, _, err) = run({
        let mut c = edge();
        c.args(["serve", "--addr", "127.0.0.1:0", "--model"]).arg(format!("car-price={}", tampered_path.display()));
        c
    });
    assert!(!ok);
    assert!(err.contains("tampered.onnx") && err.contains("golden cases"), "{err}");

    // A missing module is a clear error.
    let (ok, _, err) = run({
        let mut c = edge();
        c.args(["predict", "--model", "models/car-price-gbr.onnx", "data/cars93.csv", "--module", "/nonexistent.wasm"]);
        c
    });
    assert!(!ok && err.contains("/nonexistent.wasm"), "{err}");
}

/// A running `citizen-edge serve`, stopped when dropped.
struct Edge {
    child: Child,
    url: String,
}

impl Edge {
    fn start(args: &[&str]) -> Edge {
        let mut child = edge()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("{line:?}"));
        Edge { url: url.to_string(), child }
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(
    c: &Client,
    url: String,
    token: Option<&str>,
    ct: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut r = c.post(url).header("content-type", ct).body(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn the_edge_serves_the_clouds_predict_api_with_the_same_answers() {
    let dir = scratch("edge-serve");
    let cloud = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let c = Client::new();
    let maker = cloud.token("maker", None);
    let model = std::fs::read(repo().join("models/car-price-gbr.onnx")).unwrap();
    let r = publish(&c, &cloud, &maker, "car-price", model).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let e = Edge::start(&["--model", "car-price=models/car-price-gbr.onnx"]);

    // JSON rows: the cloud's answer, outputs only, same numbers.
    let car = json!({"Type": "Small", "AirBags": "None", "DriveTrain": "Front", "Cylinders": "4", "Man.trans.avail": "Yes", "Origin": "USA"});
    let mut other = car.clone();
    // `Price` is also the output's name: the answer still calls it `Price`.
    other["Type"] = json!("Midsize");
    other["Horsepower"] = json!(200);
    other["Price"] = json!(30.0);
    let rows = json!([car, other]);
    let body = rows.to_string();
    let (st, from_edge) =
        json_of(post(&c, e.at("/models/car-price/predict"), None, "application/json", body.clone()).await).await;
    assert_eq!(st, StatusCode::OK, "{from_edge}");
    let (st, from_cloud) =
        json_of(post(&c, cloud.at("/models/car-price/predict"), Some(&maker), "application/json", body).await).await;
    assert_eq!(st, StatusCode::OK, "{from_cloud}");
    assert_eq!(from_edge["predictions"], from_cloud["predictions"], "edge and cloud answer the same");
    assert_eq!(from_edge["model"], "car-price");
    // One row as an object.
    let (st, one) =
        json_of(post(&c, e.at("/models/car-price/predict"), None, "application/json", rows[0].to_string()).await).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(one["predictions"][0], from_cloud["predictions"][0]);

    // A CSV batch: the bytes of citizen predict.
    let (ok, native, err) = run({
        let mut c = citizen();
        c.args(["predict", "--model", "models/car-price-gbr.onnx", "data/cars93.csv"]);
        c
    });
    assert!(ok, "{err}");
    let csv = std::fs::read(repo().join("data/cars93.csv")).unwrap();
    let r = post(&c, e.at("/models/car-price/predict"), None, "text/csv", csv).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv");
    assert!(r.bytes().await.unwrap() == native, "same bytes as citizen predict");
    // A big one (1.5 MB) runs in pieces on every core: still those bytes,
    // and a bad row is named by its row in the whole file.
    let big = dir.join("big.csv");
    std::fs::write(&big, many_cars(100)).unwrap();
    let (ok, native_big, err) = run({
        let mut c = citizen();
        c.args(["predict", "--model", "models/car-price-gbr.onnx"]).arg(&big);
        c
    });
    assert!(ok, "{err}");
    let r = post(&c, e.at("/models/car-price/predict"), None, "text/csv", std::fs::read(&big).unwrap()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap() == native_big, "same bytes as citizen predict, 9,300 rows");
    let mut lines: Vec<String> = many_cars(100).lines().map(String::from).collect();
    let mut fields: Vec<&str> = lines[9000].split(',').collect();
    fields[3] = "\"Spaceship\""; // Type
    lines[9000] = fields.join(",");
    let (st, err) =
        json_of(post(&c, e.at("/models/car-price/predict"), None, "text/csv", lines.join("\n")).await).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("row 9000") && message.contains("Spaceship"), "{err}");
    // JSON Lines.
    let line = format!("{}\n", rows[0]);
    let r = post(&c, e.at("/models/car-price/predict"), None, "application/x-ndjson", line.repeat(3)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap().lines().count(), 3);

    // Clear errors.
    let (st, err) =
        json_of(post(&c, e.at("/models/nope/predict"), None, "application/json", "{}".to_string()).await).await;
    assert_eq!((st, err["error"]["code"].clone()), (StatusCode::NOT_FOUND, json!("not_found")), "{err}");
    let (st, err) = json_of(
        post(&c, e.at("/models/car-price/predict"), None, "application/json", r#"{"Type": "Spaceship"}"#.to_string())
            .await,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("row 1") && message.contains("Type") && message.contains("Spaceship"), "{err}");
    let (st, err) =
        json_of(post(&c, e.at("/models/car-price/predict"), None, "application/json", "[1,".to_string()).await).await;
    assert_eq!((st, err["error"]["code"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_json")));
    let (st, _) = json_of(post(&c, e.at("/models/car-price/predict"), None, "text/plain", "x".to_string()).await).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Health and metrics.
    let (st, live) = json_of(c.get(e.at("/v2/health/live")).send().await.unwrap()).await;
    assert_eq!((st, live), (StatusCode::OK, json!({"live": true})));
    let (st, ready) = json_of(c.get(e.at("/v2/health/ready")).send().await.unwrap()).await;
    assert_eq!((st, ready["ready"].clone()), (StatusCode::OK, json!(true)));
    let metrics = c.get(e.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("citizen_predicted_rows_total{model=\"car-price\"} 9399"), "{metrics}");
    let (_, listed) = json_of(c.get(e.at("/models")).send().await.unwrap()).await;
    assert_eq!(listed["models"][0]["name"], "car-price");
    assert_eq!(listed["models"][0]["sha256"].as_str().unwrap().len(), 64);
}

#[tokio::test]
async fn a_call_over_its_fuel_or_memory_is_a_clear_error_and_the_edge_keeps_serving() {
    let c = Client::new();
    let one_row =
        r#"{"Type": "Small", "AirBags": "None", "DriveTrain": "Front", "Cylinders": "4", "Man.trans.avail": "Yes", "Origin": "USA"}"#
            .to_string();
    // 93 rows fit in 10 million fuel units; 9,300 rows do not.
    let e = Edge::start(&["--model", "car-price=models/car-price-gbr.onnx", "--fuel", "10000000"]);
    let r = post(&c, e.at("/models/car-price/predict"), None, "text/csv", many_cars(100)).await;
    let (st, err) = json_of(r).await;
    assert_eq!((st, err["error"]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("limit_exceeded")));
    assert!(err["error"]["message"].as_str().unwrap().contains("fuel"), "{err}");
    for _ in 0..3 {
        let (st, ok) =
            json_of(post(&c, e.at("/models/car-price/predict"), None, "application/json", one_row.clone()).await).await;
        assert_eq!(st, StatusCode::OK, "{ok}");
    }
    drop(e);

    // 32 MiB holds a model and a few rows, not the 29 MB of 186,000 rows
    // (and their output) in the instance's memory.
    let e = Edge::start(&["--model", "car-price=models/car-price-gbr.onnx", "--memory-mib", "32"]);
    let r = post(&c, e.at("/models/car-price/predict"), None, "text/csv", many_cars(2000)).await;
    let (st, err) = json_of(r).await;
    assert_eq!((st, err["error"]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("limit_exceeded")));
    assert!(err["error"]["message"].as_str().unwrap().contains("memory limit (32 MiB)"), "{err}");
    let (st, ok) = json_of(post(&c, e.at("/models/car-price/predict"), None, "application/json", one_row).await).await;
    assert_eq!(st, StatusCode::OK, "{ok}");
}

/// Polls the edge's list until it holds `version` of `name` (a wait, not a
/// timing: the sync runs every second; this gives it up to two minutes).
async fn wait_for_version(c: &Client, e: &Edge, name: &str, version: u64) -> Value {
    for _ in 0..240 {
        if let Ok(r) = c.get(e.at("/models")).send().await {
            let (_, list) = json_of(r).await;
            let held = list["models"].as_array().unwrap().iter().find(|m| m["name"] == name).cloned();
            if let Some(m) = held.filter(|m| m["version"] == version) {
                return m;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("the edge never held {name} v{version}");
}

#[tokio::test]
async fn a_synced_model_swaps_to_a_new_version_and_a_restart_serves_it_offline() {
    let dir = scratch("edge-sync");
    let cloud = Server::start(dir.join("store").to_str().unwrap(), &[], &[]);
    let c = Client::new();
    let maker = cloud.token("maker", None);
    let reader = cloud.token("reader", Some("car-price"));
    let publish_file = |file: &str| {
        let bytes = std::fs::read(repo().join("models").join(file)).unwrap();
        publish(&c, &cloud, &maker, "car-price", bytes)
    };
    assert_eq!(publish_file("car-price-gbr.onnx").await.status(), StatusCode::CREATED);
    let data = dir.join("edge-data");
    let data_arg = data.to_str().unwrap().to_string();
    let cloud_url = cloud.url.clone();
    let args = [
        "--cloud",
        cloud_url.as_str(),
        "--token",
        reader.as_str(),
        "--model",
        "car-price",
        "--data-dir",
        data_arg.as_str(),
        "--sync-secs",
        "1",
    ];
    let e = Edge::start(&args);
    let held = wait_for_version(&c, &e, "car-price", 1).await;
    let gbr = std::fs::read(repo().join("models/car-price-gbr.onnx")).unwrap();
    assert_eq!(held["sha256"].as_str().unwrap().len(), 64);
    let (st, ready) = json_of(c.get(e.at("/v2/health/ready")).send().await.unwrap()).await;
    assert_eq!((st, ready["ready"].clone()), (StatusCode::OK, json!(true)));
    let row = json!({"Type": "Small", "AirBags": "None", "DriveTrain": "Front", "Cylinders": "4", "Man.trans.avail": "Yes", "Origin": "USA"});
    let (st, v1) =
        json_of(post(&c, e.at("/models/car-price/predict"), None, "application/json", row.to_string()).await).await;
    assert_eq!((st, v1["version"].clone()), (StatusCode::OK, json!(1)), "{v1}");
    let (_, cloud_v1) = json_of(
        post(&c, cloud.at("/models/car-price/versions/1/predict"), Some(&reader), "application/json", row.to_string())
            .await,
    )
    .await;
    assert_eq!(v1["predictions"], cloud_v1["predictions"]);

    // Publish v2: the edge pulls it, checks it and swaps to it, while
    // requests keep coming: every one is answered, by v1 or by v2.
    let load = {
        let (c, url, body) = (c.clone(), e.at("/models/car-price/predict"), row.to_string());
        tokio::spawn(async move {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            let mut seen = Vec::new();
            while std::time::Instant::now() < deadline {
                let (st, v) = json_of(post(&c, url.clone(), None, "application/json", body.clone()).await).await;
                assert_eq!(st, StatusCode::OK, "during the swap: {v}");
                let version = v["version"].as_u64().unwrap();
                if seen.last() != Some(&version) {
                    seen.push(version);
                }
                if version == 2 {
                    break;
                }
            }
            seen
        })
    };
    assert_eq!(publish_file("car-price.onnx").await.status(), StatusCode::CREATED);
    assert_eq!(load.await.unwrap(), [1, 2], "v1 until the swap, v2 after it, never back");
    wait_for_version(&c, &e, "car-price", 2).await;
    let (st, v2) = json_of(
        post(&c, e.at("/models/car-price/versions/2/predict"), None, "application/json", row.to_string()).await,
    )
    .await;
    assert_eq!((st, v2["version"].clone()), (StatusCode::OK, json!(2)), "{v2}");
    // v1 is no longer held here: the cloud answers for it, through the edge.
    let r = post(&c, e.at("/models/car-price/versions/1/predict"), None, "application/json", row.to_string()).await;
    assert_eq!(r.headers().get("via").map(|v| v.to_str().unwrap().to_string()), Some("1.1 citizen-edge".into()));
    let (st, passed) = json_of(r).await;
    assert_eq!((st, passed["version"].clone()), (StatusCode::OK, json!(1)), "{passed}");
    assert_eq!(passed["predictions"], cloud_v1["predictions"]);
    // The old file goes just after the swap: wait for it (up to 10 s).
    let kept = || {
        let mut kept: Vec<String> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().unwrap().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        kept.sort();
        kept
    };
    for _ in 0..100 {
        if kept().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(kept(), ["car-price.json", "car-price.v2.onnx"], "v1's file is gone");
    assert_ne!(std::fs::read(data.join("car-price.v2.onnx")).unwrap(), gbr);

    // Following an alias: the edge holds what `prod` points at, and moves with it.
    let set_prod = |v: u64| {
        c.put(cloud.at("/models/car-price/aliases/prod")).bearer_auth(&maker).json(&json!({ "version": v })).send()
    };
    assert!(set_prod(1).await.unwrap().status().is_success());
    let data_prod = dir.join("edge-data-prod");
    let e_prod = Edge::start(&[
        "--cloud",
        cloud_url.as_str(),
        "--token",
        reader.as_str(),
        "--model",
        "car-price:prod",
        "--data-dir",
        data_prod.to_str().unwrap(),
        "--sync-secs",
        "1",
    ]);
    wait_for_version(&c, &e_prod, "car-price", 1).await;
    assert!(set_prod(2).await.unwrap().status().is_success());
    wait_for_version(&c, &e_prod, "car-price", 2).await;
    drop(e_prod);

    // Restart with the cloud gone: the kept copy serves at once.
    drop(e);
    drop(cloud);
    let e = Edge::start(&args);
    let (st, again) =
        json_of(post(&c, e.at("/models/car-price/predict"), None, "application/json", row.to_string()).await).await;
    assert_eq!((st, again["version"].clone()), (StatusCode::OK, json!(2)), "{again}");
    assert_eq!(again["predictions"], v2["predictions"]);
    drop(e);

    // A kept copy that does not match its checksum is not served.
    std::fs::write(data.join("car-price.v2.onnx"), &gbr).unwrap();
    let e = Edge::start(&args);
    let (st, ready) = json_of(c.get(e.at("/v2/health/ready")).send().await.unwrap()).await;
    assert_eq!((st, ready["missing"].clone()), (StatusCode::SERVICE_UNAVAILABLE, json!(["car-price"])));
}

/// An edge job, polled until it is settled: refused, or forwarded and
/// finished by the cloud.
async fn wait_for_forwarded(c: &Client, e: &Edge, id: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (st, job) = json_of(c.get(e.at(&format!("/jobs/{id}"))).send().await.unwrap()).await;
        assert_eq!(st, StatusCode::OK, "{job}");
        let cloud_state = job["cloud"]["state"].as_str().unwrap_or("");
        if job["state"] == "refused" || matches!(cloud_state, "succeeded" | "failed") {
            return job;
        }
        assert!(std::time::Instant::now() < deadline, "edge job {id} stuck: {job}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The same rows with the same prices, within the model's tolerance (ONNX
/// Runtime in the cloud sums trees in its own order).
fn assert_same_prices(got: &str, want: &str) {
    assert_eq!(got.lines().count(), want.lines().count());
    assert_eq!(got.lines().next(), want.lines().next());
    for (g, w) in got.lines().zip(want.lines()).skip(1) {
        let (g_rest, g_price) = g.rsplit_once(',').unwrap();
        let (w_rest, w_price) = w.rsplit_once(',').unwrap();
        assert_eq!(g_rest, w_rest);
        let (g, w): (f64, f64) = (g_price.parse().unwrap(), w_price.parse().unwrap());
        assert!((g - w).abs() <= 1e-5 * w.abs(), "{g} vs {w}");
    }
}

#[tokio::test]
async fn a_batch_over_the_budget_reaches_the_cloud_once_across_an_outage_and_a_kill_9() {
    let dir = scratch("edge-forward");
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    let cloud = Server::start(store, &[], &[]);
    let cloud_addr = cloud.url.trim_start_matches("http://").to_string();
    let c = Client::new();
    let maker = cloud.token("maker", None);
    let reader = cloud.token("reader", Some("car-price"));
    let gbr = std::fs::read(repo().join("models/car-price-gbr.onnx")).unwrap();
    let r = publish(&c, &cloud, &maker, "car-price", gbr).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let data = dir.join("edge-data");
    let cloud_url = cloud.url.clone();
    let args = [
        "--cloud",
        cloud_url.as_str(),
        "--token",
        reader.as_str(),
        "--model",
        "car-price",
        "--data-dir",
        data.to_str().unwrap(),
        "--local-max-rows",
        "200",
        "--sync-secs",
        "1",
    ];
    let e = Edge::start(&args);
    wait_for_version(&c, &e, "car-price", 1).await;

    // 93 rows are within the budget: the edge answers them itself.
    let r = post(&c, e.at("/models/car-price/predict"), None, "text/csv", many_cars(1)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("via").is_none(), "answered here");
    let local = r.text().await.unwrap();
    let (header, rows) = local.split_once('\n').unwrap();
    let local_times_3 = format!("{header}\n{}", rows.repeat(3));

    // 279 rows are not: a job id now, the cloud's answers later, the same ones.
    let r = post(&c, e.at("/models/car-price/predict"), None, "text/csv", many_cars(3)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (_, queued) = json_of(r).await;
    let first = queued["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/jobs/{first}"));
    assert_eq!((queued["rows"].clone(), queued["version"].clone()), (json!(279), json!(1)), "{queued}");
    assert!(queued["reason"].as_str().unwrap().contains("200"), "{queued}");
    let job = wait_for_forwarded(&c, &e, &first).await;
    assert_eq!(
        (job["state"].clone(), job["cloud"]["state"].clone()),
        (json!("forwarded"), json!("succeeded")),
        "{job}"
    );
    let result = c.get(e.at(&format!("/jobs/{first}/result"))).send().await.unwrap();
    assert_eq!(result.status(), StatusCode::OK);
    assert_same_prices(&result.text().await.unwrap(), &local_times_3);
    // The edge's job id is the submission's Idempotency-Key: sent again (as
    // after a crash before the edge recorded the cloud's answer), it is the
    // same cloud job, not a second one.
    let again = c
        .post(cloud.at("/models/car-price/versions/1/batch"))
        .bearer_auth(&reader)
        .header("content-type", "text/csv")
        .header("idempotency-key", first.as_str())
        .body(many_cars(3))
        .send()
        .await
        .unwrap();
    let (st, again) = json_of(again).await;
    assert_eq!((st, again["id"].clone()), (StatusCode::OK, job["cloud_job"].clone()), "{again}");

    // The cloud goes down: a big batch is queued on the edge's disk; JSON
    // rows for a model the edge does not hold cannot be answered.
    drop(cloud);
    let r = post(&c, e.at("/models/car-price/predict"), None, "text/csv", many_cars(3)).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let (_, queued) = json_of(r).await;
    let second = queued["id"].as_str().unwrap().to_string();
    let row = json!({"Sepal.Length": 5.1, "Sepal.Width": 3.5, "Petal.Length": 1.4, "Petal.Width": 0.2});
    let (st, err) =
        json_of(post(&c, e.at("/models/iris/predict"), None, "application/json", row.to_string()).await).await;
    assert_eq!(
        (st, err["error"]["code"].clone()),
        (StatusCode::SERVICE_UNAVAILABLE, json!("cloud_unreachable")),
        "{err}"
    );

    // kill -9 the edge with the batch still queued, and start it again, still offline.
    drop(e);
    let e = Edge::start(&args);
    let (_, jobs) = json_of(c.get(e.at("/jobs")).send().await.unwrap()).await;
    let states: Vec<(String, String)> = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["id"].as_str().unwrap().to_string(), j["state"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(states, [(first.clone(), "forwarded".to_string()), (second.clone(), "queued".to_string())]);

    // The cloud comes back on the same address and store: the batch is delivered.
    let cloud = Server::start(store, &[], &["--addr", &cloud_addr]);
    let job = wait_for_forwarded(&c, &e, &second).await;
    assert_eq!(job["cloud"]["state"], "succeeded", "{job}");
    let result = c.get(e.at(&format!("/jobs/{second}/result"))).send().await.unwrap().text().await.unwrap();
    assert_same_prices(&result, &local_times_3);
    // Exactly one cloud job per batch, each named by the edge's job id.
    let (_, cloud_jobs) = json_of(c.get(cloud.at("/jobs")).bearer_auth(&reader).send().await.unwrap()).await;
    let mut ids: Vec<&str> = cloud_jobs["jobs"].as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut want = vec![
        job["cloud_job"].as_str().unwrap().to_string(),
        wait_for_forwarded(&c, &e, &first).await["cloud_job"].as_str().unwrap().to_string(),
    ];
    want.sort();
    assert_eq!(ids, want);

    // A batch the cloud refuses (this edge's token may not read `iris`) ends refused.
    let iris = std::fs::read_to_string(repo().join("data/iris.csv")).unwrap();
    let r = post(&c, e.at("/models/iris/predict"), None, "text/csv", iris).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let (_, queued) = json_of(r).await;
    let refused = queued["id"].as_str().unwrap().to_string();
    let job = wait_for_forwarded(&c, &e, &refused).await;
    assert_eq!(job["state"], "refused", "{job}");
    assert!(job["error"].as_str().unwrap().contains("403"), "{job}");
    let r = c.get(e.at(&format!("/jobs/{refused}/result"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let metrics = c.get(e.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("citizen_edge_forwarded_batches_total{state=\"refused\"} 1"), "{metrics}");
}
