//! `citizen-serve-bench`: single-row prediction requests per second and
//! p50/p99 latency of `citizen serve` (auth, validation, metrics, the
//! runtime) under `wrk`, against a minimal axum + ONNX Runtime server (no
//! auth, no validation: the prepared feature vector in, the number out)
//! measured in the same run, on the same model and loopback.
//!
//! Usage: citizen-serve-bench [--model M.onnx] [--duration 10] [--connections 16] [--rounds 2]

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use host::ort_engine::OrtModel;
use runtime_wasm::interface::{Data, NamedTensor};
use serde_json::{Value, json};

struct Args {
    model: PathBuf,
    duration: u32,
    connections: u32,
    /// Rounds of one wrk run against each server.
    rounds: usize,
}

fn args() -> Result<Args> {
    let mut a =
        Args { model: tests::repo().join("models/car-price-gbr.onnx"), duration: 10, connections: 16, rounds: 2 };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--model" => a.model = v.into(),
            "--duration" => a.duration = v.parse()?,
            "--connections" => a.connections = v.parse()?,
            "--rounds" => a.rounds = v.parse::<usize>()?.max(1),
            _ => bail!("unknown option {k}"),
        }
    }
    Ok(a)
}

struct Wrk {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: String,
}

/// Runs wrk with one thread (the other core serves) posting `body`.
fn wrk(url: &str, token: Option<&str>, body: &str, a: &Args, dir: &Path) -> Result<Wrk> {
    let auth = token.map(|t| format!("wrk.headers[\"Authorization\"] = \"Bearer {t}\"\n")).unwrap_or_default();
    let script = format!(
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n{auth}wrk.body = {}\n",
        serde_json::to_string(body)?
    );
    let lua = dir.join("post.lua");
    std::fs::write(&lua, script)?;
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{}", a.connections), &format!("-d{}s", a.duration), "--latency", "-s"])
        .arg(&lua)
        .arg(url)
        .output()
        .context("running wrk (scripts/setup.sh installs it)")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let find = |prefix: &str| {
        text.lines().map(str::trim).find(|l| l.starts_with(prefix)).map(|l| l[prefix.len()..].trim().to_string())
    };
    let ms = |s: String| -> f64 {
        let (n, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
        let n: f64 = n.parse().unwrap_or(f64::NAN);
        match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            _ => f64::NAN,
        }
    };
    let rps = find("Requests/sec:").and_then(|s| s.parse().ok()).with_context(|| format!("wrk said:\n{text}"))?;
    let errors = find("Non-2xx or 3xx responses:").map(|n| format!("{n} non-2xx")).unwrap_or_default();
    Ok(Wrk {
        rps,
        p50_ms: find("50%").map(ms).unwrap_or(f64::NAN),
        p99_ms: find("99%").map(ms).unwrap_or(f64::NAN),
        errors,
    })
}

thread_local! {
    static SESSION: RefCell<Option<OrtModel>> = const { RefCell::new(None) };
}

/// The reference: axum + ort, one session per worker thread, no checks.
async fn minimal_server(bytes: Arc<Vec<u8>>, input: String) -> Result<String> {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/predict",
        post(move |body: axum::body::Bytes| {
            let (bytes, input) = (bytes.clone(), input.clone());
            async move {
                let features: Vec<f32> = serde_json::from_slice(&body).unwrap_or_default();
                let width = features.len();
                let out = SESSION.with(|s| {
                    let mut s = s.borrow_mut();
                    let m = s.get_or_insert_with(|| OrtModel::load(&bytes, 1).expect("ORT loads the model"));
                    m.run(vec![NamedTensor { name: input, shape: vec![1, width], data: Data::F32(features) }])
                });
                match out.ok().and_then(|o| o.into_iter().next()) {
                    Some(NamedTensor { data: Data::F32(v), .. }) => axum::Json(json!({ "y": v[0] })),
                    _ => axum::Json(json!({ "error": "failed" })),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/predict", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

fn main() -> Result<()> {
    let a = args()?;
    let dir = std::env::temp_dir().join(format!("citizen-serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let bytes = std::fs::read(&a.model).with_context(|| format!("reading {}", a.model.display()))?;
    let model = runtime_wasm::Model::load(&bytes)?;
    let manifest = model.manifest().context("the bench model needs a manifest")?.clone();
    let golden = manifest.golden.first().context("the bench model needs a golden case")?;
    let row = Value::Object(golden.input.clone());
    let table = manifest::Table::from_json_value(&row)?;
    let features = manifest.encode(&table)?;
    let input_name = manifest.preprocessing.onnx_input.clone();

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    // The real server, as a separate process on a fresh store.
    let store = dir.join("store");
    let store_s = store.to_string_lossy().into_owned();
    let token = rt.block_on(async {
        let s = host::server::store::Store::open(&store_s)?;
        host::server::registry::Registry::new(s.clone()).publish("bench", bytes.clone().into(), "bench", None).await?;
        let (token, _) = host::server::auth::Auth::new(s).create(host::server::auth::Role::Reader, None, None).await?;
        Ok::<_, anyhow::Error>(token)
    })?;
    let exe = std::env::current_exe()?.with_file_name("citizen");
    let mut child = Command::new(&exe)
        .args(["serve", "--store", &store_s, "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {} (cargo build --release -p host)", exe.display()))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).context("no address from citizen serve")?;
    let real_url = format!("{base}/models/bench/predict");
    let row_json = row.to_string();
    // Warm up (loads the model) and check the answer before timing.
    let check = rt.block_on(async {
        reqwest::Client::new()
            .post(&real_url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(row_json.clone())
            .send()
            .await?
            .text()
            .await
    })?;
    if !check.contains("predictions") {
        bail!("citizen serve did not predict: {check}");
    }
    let check_real = check;
    let measured = (|| {
        // ONNX Runtime must load here, before the minimal server relies on it.
        OrtModel::load(&bytes, 1).context("loading the model into ONNX Runtime (source scripts/env.sh)")?;
        let min_url = rt.block_on(minimal_server(Arc::new(bytes.clone()), input_name.clone()))?;
        let body = serde_json::to_string(&features)?;
        let check =
            rt.block_on(async { reqwest::Client::new().post(&min_url).body(body.clone()).send().await?.text().await })?;
        let expected = model.predict(&table)?.json_rows()[0].values().next().cloned().unwrap_or_default();
        if !check.contains("\"y\"") {
            bail!("the minimal server did not predict: {check} (expected {expected})");
        }
        println!("check: minimal server answers {check}, citizen serve {}", check_real.trim());
        // Both servers stay up and are measured in turns, the order swapped
        // each round, so a slow spell of a shared machine falls on both.
        let (mut mins, mut reals) = (Vec::new(), Vec::new());
        for round in 0..a.rounds {
            if round % 2 == 0 {
                mins.push(wrk(&min_url, None, &body, &a, &dir)?);
                reals.push(wrk(&real_url, Some(&token), &row_json, &a, &dir)?);
            } else {
                reals.push(wrk(&real_url, Some(&token), &row_json, &a, &dir)?);
                mins.push(wrk(&min_url, None, &body, &a, &dir)?);
            }
        }
        Ok((mins, reals))
    })();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let (mins, reals) = measured?;
    let mut ratios: Vec<f64> = mins.iter().zip(&reals).map(|(m, r)| r.rps / m.rps).collect();
    ratios.sort_by(f64::total_cmp);
    let fastest = |runs: Vec<Wrk>| runs.into_iter().max_by(|x, y| x.rps.total_cmp(&y.rps));
    let (min, real) = (fastest(mins).context("no rounds")?, fastest(reals).context("no rounds")?);

    println!(
        "\nSingle-row predict over HTTP on loopback: {} (its first golden case), wrk -t1 -c{} -d{}s\n",
        a.model.display(),
        a.connections,
        a.duration
    );
    println!("{:<52} {:>10} {:>9} {:>9} {:>12}", "server", "req/s", "p50 ms", "p99 ms", "vs minimal");
    for (name, w) in [
        ("minimal axum + ONNX Runtime (no auth, no validation)", &min),
        ("citizen serve (token, validation, metrics, runtime)", &real),
    ] {
        println!(
            "{name:<52} {:>10.0} {:>9.3} {:>9.3} {:>11.2}x {}",
            w.rps,
            w.p50_ms,
            w.p99_ms,
            w.rps / min.rps,
            w.errors
        );
    }
    println!(
        "\nEach server's fastest of {} rounds above; the ratio of each round's pair: {} (median {:.2}).",
        ratios.len(),
        ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>().join(" "),
        ratios[ratios.len() / 2]
    );
    println!("\nGoals (issue 4): >= 50,000 req/s, p99 < 2 ms, within 1.5x of the minimal server (ratio >= 0.67).");
    Ok(())
}
