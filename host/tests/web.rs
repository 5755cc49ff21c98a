//! The web app as a field agent uses it: headless Chromium (Debian's
//! chromium, driven by playwright-core from npm) loads the trunk build from a
//! real `citizen serve` on 127.0.0.1 and goes through sign-in, the generated
//! form, on-device prediction and its explanation, batches scored here and in
//! the cloud, phone width, tab mode inside a Teams-like host on another
//! origin, and offline use after the server is killed. The browser steps are
//! in `web-app/tests/e2e.mjs`; this test checks what it reports against the
//! models' golden cases and the native runtime.

mod common;

use std::path::PathBuf;

use common::{Server, citizen, repo, scratch};
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

/// Two result CSVs agree: the same header and input cells, and numbers
/// within the model's tolerance (the browser's matrix kernels and ONNX
/// Runtime round differently in the last digits of an MLP).
fn same_csv(got: &str, want: &str, tol: &manifest::Tolerance) {
    let read = |s: &str| -> Vec<Vec<String>> {
        let mut r = csv::Reader::from_reader(s.as_bytes());
        let mut rows = vec![r.headers().unwrap().iter().map(String::from).collect()];
        rows.extend(r.records().map(|rec| rec.unwrap().iter().map(String::from).collect()));
        rows
    };
    let (g, w) = (read(got), read(want));
    assert_eq!(g.len(), w.len(), "row counts differ");
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert_eq!(a.len(), b.len(), "row {i} widths differ");
        for (x, y) in a.iter().zip(b) {
            if x == y {
                continue;
            }
            let (Ok(x), Ok(y)) = (x.parse::<f64>(), y.parse::<f64>()) else { panic!("row {i}: {a:?} vs {b:?}") };
            assert!(close(x, y, tol), "row {i}: {x} vs {y}");
        }
    }
}

#[test]
fn the_field_agents_journey_in_headless_chromium() {
    let dist = dist();
    let dir = scratch("web");
    let store = dir.join("store");
    let store = store.to_str().unwrap();
    for m in ["car-price", "car-price-gbr", "iris-species"] {
        let o =
            citizen().args(["publish", &format!("models/{m}.onnx"), "--name", m, "--store", store]).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // The Teams-like host page, served from another origin by a second server.
    let demo_store = dir.join("demo-store");
    let demo_dir = repo().join("web-app/demo-host");
    let demo = Server::start(demo_store.to_str().unwrap(), &[], &["--web-dir", demo_dir.to_str().unwrap()]);
    let app = Server::start(
        store,
        &[],
        &["--web-dir", dist.to_str().unwrap(), "--frame-ancestor", demo.url.trim_end_matches('/')],
    );
    let reader = app.token("reader", Some("car-price"));
    let admin = app.token("admin", None);
    let iris = Model::load(&std::fs::read(repo().join("models/iris-species.onnx")).unwrap()).unwrap();
    let iris_golden = iris.manifest().unwrap().golden[0].clone();

    let model = Model::load(&std::fs::read(repo().join("models/car-price.onnx")).unwrap()).unwrap();
    let manifest = model.manifest().unwrap().clone();
    let tol = manifest.tolerance;
    let golden: Vec<Value> = manifest.golden.iter().map(|g| json!({"input": g.input, "output": g.output})).collect();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let plan = json!({
        "base": app.url.trim_end_matches('/'),
        "demo": demo.url.trim_end_matches('/'),
        "demoOther": demo.url.trim_end_matches('/').replace("127.0.0.1", "localhost"),
        "reader": reader,
        "admin": admin,
        "iris": {"input": iris_golden.input, "output": iris_golden.output},
        "model": "car-price",
        "golden": golden,
        "smallCsv": repo().join("data/cars93.csv"),
        "out": out,
        "serverPid": app.child.id(),
    });
    // A file with other columns, and one with two broken rows (a word for a
    // number on row 3, too few fields on row 5).
    let wrong = out.join("wrong-headers.csv");
    std::fs::write(&wrong, "colour,size\nred,3\n").unwrap();
    let cars = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    let mut lines: Vec<String> = cars.lines().map(String::from).collect();
    let hp = lines[0].split(',').position(|h| h.trim_matches('"') == "Horsepower").unwrap();
    let mut cells: Vec<String> = lines[3].split(',').map(String::from).collect();
    cells[hp] = "lots".into();
    lines[3] = cells.join(",");
    lines[5] = "1,2".into();
    let broken = out.join("broken-rows.csv");
    std::fs::write(&broken, lines.join("\n") + "\n").unwrap();
    let mut plan = plan;
    plan["wrongHeadersCsv"] = json!(wrong);
    plan["brokenRowsCsv"] = json!(broken);
    let r = common::browser_report("e2e.mjs", &plan, &dir);
    println!("screenshots in {}", out.display());
    assert!(r["error"].is_null(), "the browser journey stopped: {}\nconsole: {}", r["error"], r["console"]);
    let console: Vec<&str> = r["console"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(!console.iter().any(|l| l.contains("pageerror") || l.contains("panicked")), "{console:?}");

    let golden_price = |i: usize| manifest.golden[i].output["Price"].as_f64().unwrap();
    let shown = |step: &str| r[step]["value"].as_str().unwrap().parse::<f64>().unwrap();

    // Sign-in and the picker: only what the reader may read.
    assert!(r["signin"]["refused"].as_str().unwrap().contains("not accepted"), "{}", r["signin"]);
    assert_eq!(r["signin"]["models"], json!(["car-price"]));
    assert!(r["signin"]["card"].as_str().unwrap().contains("CV RMSE"), "{}", r["signin"]["card"]);

    // The generated form: one labelled control per field, from the signature.
    let fields = r["predict"]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), manifest.signature.inputs.len());
    assert!(fields.iter().all(|f| f["labelFor"] == json!(true)), "{fields:?}");
    let field = |name: &str| fields.iter().find(|f| f["name"] == json!(name)).unwrap();
    assert_eq!(field("MPG.city")["label"], json!("MPG city"));
    assert_eq!(field("MPG.city")["hint"], json!("seen 15 to 46"));
    assert_eq!(field("Type")["control"], json!("select"));
    assert_eq!(field("Type")["options"], json!(6));
    assert_eq!(field("Man.trans.avail")["control"], json!("checkbox"));

    // The shown price is the golden one, computed on this device.
    assert!(close(shown("predict"), golden_price(0), &tol), "{} vs {}", shown("predict"), golden_price(0));
    assert_eq!(r["predict"]["text"].as_str().unwrap(), format!("{:.2}", golden_price(0)));
    assert!(r["predict"]["where"].as_str().unwrap().starts_with("Computed on this device in "));
    // Why: the browser's contributions are the native runtime's.
    let native = runtime_wasm::explain::explain(&model, &manifest.golden[0].input).unwrap();
    let bars: Vec<f64> =
        r["predict"]["contributions"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let total: f64 = bars.iter().sum();
    assert!((total - (native.value - native.baseline)).abs() < 1e-3, "{total} vs {}", native.value - native.baseline);
    let mut top: Vec<f64> = native.contributions.iter().map(|c| c.contribution).collect();
    top.sort_by(|a, b| b.abs().total_cmp(&a.abs()));
    assert!((bars[0] - top[0]).abs() < 1e-3, "{} vs {}", bars[0], top[0]);

    // A bad value is named next to its field.
    assert!(r["fieldError"]["text"].as_str().unwrap().contains("lots"), "{}", r["fieldError"]);
    assert_eq!(r["fieldError"]["invalid"], json!("true"));
    assert_eq!(r["fieldError"]["history"], json!(1));
    assert_eq!(r["fieldError"]["historyAfter"], json!(2));

    // Batches: here below the limit, in the cloud above it; both give what
    // `citizen predict` gives.
    let cli = citizen().args(["predict", "--model", "models/car-price.onnx", "data/cars93.csv"]).output().unwrap();
    assert!(cli.status.success());
    let want = String::from_utf8(cli.stdout).unwrap();
    for (step, route) in [("localBatch", "local"), ("cloudBatch", "cloud")] {
        let b = &r[step];
        assert_eq!(b["state"], json!("done"), "{b}");
        assert_eq!(b["route"], json!(route), "{b}");
        assert_eq!(b["progress"], json!("1.0000"), "{b}");
        assert!(b["status"].as_str().unwrap().starts_with("Scored 93 rows"), "{b}");
        let got = std::fs::read_to_string(b["file"].as_str().unwrap()).unwrap();
        same_csv(&got, &want, &tol);
    }
    assert!(r["cloudBatch"]["job"].as_str().is_some_and(|j| !j.is_empty()));
    let tab = &r["tab"]["batch"];
    assert_eq!((&tab["state"], &tab["route"]), (&json!("done"), &json!("cloud")), "{tab}");
    same_csv(&std::fs::read_to_string(tab["file"].as_str().unwrap()).unwrap(), &want, &tol);

    // Out of range: a warning, not an error, and still a price.
    let o = &r["outOfRange"];
    assert!(o["warning"].as_str().unwrap().contains("outside the range seen in training"), "{o}");
    assert!(o["invalid"].is_null(), "{o}");
    assert!(o["value"].as_str().unwrap().parse::<f64>().is_ok(), "{o}");
    // Bad files: the page says what is wrong.
    let w = &r["wrongHeaders"];
    assert_eq!(w["state"], json!("failed"), "{w}");
    assert!(w["problems"].as_str().unwrap().contains("no column `"), "{w}");
    let b = &r["brokenRows"];
    assert_eq!(b["state"], json!("done"), "{b}");
    assert_eq!(b["problemRows"], json!(2), "{b}");
    assert!(
        b["status"].as_str().unwrap().contains("Scored 91 rows")
            && b["status"].as_str().unwrap().contains("2 rows have problems"),
        "{b}"
    );
    assert!(b["problems"].as_str().unwrap().contains("Horsepower"), "{b}");
    assert!(r["cloudBatch"]["plan"].as_str().unwrap().contains("sending to the cloud"));

    // Phone width, tab mode, offline: the same golden answers.
    assert!(r["phone"]["overflow"].as_f64().unwrap() <= 0.0, "{}", r["phone"]);
    assert!(close(shown("phone"), golden_price(1), &tol));
    assert!(r["tab"]["compact"].as_str().unwrap().contains("tab"), "{}", r["tab"]);
    assert_eq!(r["tab"]["blocked"], json!(0), "a host origin not allowed must not frame the app");
    assert!(close(shown("tab"), golden_price(2), &tol));
    // A classifier shows its class and every class's probability.
    let c = &r["classifier"];
    assert_eq!(c["models"], json!(["car-price", "car-price-gbr", "iris-species"]), "{c}");
    let label = iris_golden.output.values().find_map(Value::as_str).unwrap();
    assert_eq!(c["value"], json!(label), "{c}");
    let probs = c["probs"].as_array().unwrap();
    assert_eq!(probs.len(), 3, "{c}");
    assert!(c["unknownModel"].as_str().unwrap().contains("cannot be opened"), "{c}");
    assert!(c["unreachable"].as_str().unwrap().contains("Cannot reach the server"), "{c}");
    assert_eq!(probs[0][0], json!(label), "the likeliest class comes first: {c}");
    let sum: f64 = probs.iter().map(|p| p[1].as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4, "{sum}");
    assert_eq!(r["offline"]["badge"]["hidden"], json!(false), "{}", r["offline"]);
    assert!(r["offline"]["badge"]["text"].as_str().unwrap().starts_with("Offline"));
    assert!(close(shown("offline"), golden_price(3), &tol));
    assert!(r["offline"]["where"].as_str().unwrap().starts_with("Computed on this device"));
    drop(demo);
    drop(app);
}

#[tokio::test]
async fn the_web_app_is_served_with_its_framing_policy() {
    let dist = dist();
    let dir = scratch("web-headers");
    let store = dir.join("store");
    let s = Server::start(
        store.to_str().unwrap(),
        &[],
        &["--web-dir", dist.to_str().unwrap(), "--frame-ancestor", "https://teams.example.com"],
    );
    let r = reqwest::get(s.at("/")).await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["content-security-policy"], "frame-ancestors 'self' https://teams.example.com");
    assert_eq!(h["cache-control"], "no-cache");
    assert!(r.text().await.unwrap().contains("citizen"));
    // The service worker and the API share the origin; the API still answers JSON.
    assert_eq!(reqwest::get(s.at("/sw.js")).await.unwrap().status(), 200);
    let api = reqwest::get(s.at("/models")).await.unwrap();
    assert_eq!(api.status(), 401);
    // A frame-ancestor that is not an origin is refused at start.
    let o = citizen()
        .args(["serve", "--store", store.to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .args(["--web-dir", dist.to_str().unwrap(), "--frame-ancestor", "https://x.example; script-src *"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an origin"), "{}", String::from_utf8_lossy(&o.stderr));
    // So is a web dir without an app in it.
    let o = citizen()
        .args(["serve", "--store", store.to_str().unwrap(), "--addr", "127.0.0.1:0", "--web-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no index.html"));
}
