//! Helpers the tests that run `citizen serve` share.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("citizen-server-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn citizen() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_citizen"));
    c.current_dir(repo());
    c
}

/// cars93's rows repeated `times` times, under one header.
pub fn many_cars(times: usize) -> String {
    let csv = std::fs::read_to_string(repo().join("data/cars93.csv")).unwrap();
    let (header, rows) = csv.split_once('\n').unwrap();
    let rows = rows.strip_suffix('\n').unwrap_or(rows);
    format!("{header}\n{}", format!("{rows}\n").repeat(times))
}

/// A running `citizen serve`, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub store: String,
    pub env: Vec<(String, String)>,
}

impl Server {
    /// Starts on a free port, or on the `--addr` in `args`.
    pub fn start(store: &str, env: &[(&str, &str)], args: &[&str]) -> Server {
        Server::launch(store, env, args, Stdio::inherit(), "error")
    }

    /// [`Server::start`], logging at `info` into the file `log`.
    pub fn start_logging_to(store: &str, env: &[(&str, &str)], log: &Path) -> Server {
        Server::launch(store, env, &[], std::fs::File::create(log).unwrap().into(), "info")
    }

    fn launch(store: &str, env: &[(&str, &str)], args: &[&str], stderr: Stdio, level: &str) -> Server {
        let mut cmd = citizen();
        cmd.args(["serve", "--store", store]);
        if !args.contains(&"--addr") {
            cmd.args(["--addr", "127.0.0.1:0"]);
        }
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.env("RUST_LOG", level).stdout(Stdio::piped()).stderr(stderr).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Server { url: url.to_string(), child, store: store.to_string(), env }
    }

    /// A token made by the CLI, straight in the store (how an admin bootstraps).
    pub fn token(&self, role: &str, model: Option<&str>) -> String {
        let mut cmd = citizen();
        cmd.args(["token", "create", "--role", role, "--store", &self.store]);
        if let Some(m) = model {
            cmd.args(["--model", m]);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Publishes a model file's bytes under `name` (a maker's or admin's token).
pub async fn publish(c: &reqwest::Client, s: &Server, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    c.post(s.at(&format!("/models/{name}/versions")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

/// A response's status and JSON body (a panic naming the body if it is not JSON).
pub async fn json_of(r: reqwest::Response) -> (reqwest::StatusCode, serde_json::Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")))
}

/// Sends a table file to a dataset (`query`: `?replace=true`...).
pub async fn upload(
    c: &reqwest::Client,
    s: &Server,
    token: &str,
    dataset: &str,
    query: &str,
    ct: &str,
    body: Vec<u8>,
) -> (reqwest::StatusCode, serde_json::Value) {
    json_of(
        c.post(s.at(&format!("/datasets/{dataset}/files{query}")))
            .bearer_auth(token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Waits (at most a minute) for training job `id` to finish; its last state.
pub async fn wait_train(c: &reqwest::Client, s: &Server, token: &str, id: &str) -> serde_json::Value {
    let mut last = serde_json::Value::Null;
    for _ in 0..240 {
        last = json_of(c.get(s.at(&format!("/train/{id}"))).bearer_auth(token).send().await.unwrap()).await.1;
        if ["succeeded", "failed", "cancelled"].contains(&last["state"].as_str().unwrap_or("")) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("training job {id} did not finish in a minute: {last}")
}

/// cars93 with every car's horsepower raised by 60%.
pub fn more_horsepower(csv: &str) -> String {
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let hp = header.split(',').position(|h| h.trim_matches('"') == "Horsepower").unwrap();
    let mut out = format!("{header}\n");
    for line in lines.filter(|l| !l.is_empty()) {
        let mut fields: Vec<String> = line.split(',').map(String::from).collect();
        let v: f64 = fields[hp].parse().unwrap();
        fields[hp] = format!("{}", (v * 1.6).round());
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Runs a headless-Chromium script of `web-app/tests/` with a JSON plan
/// (written to `dir/plan.json`); the one-line JSON report it prints last.
pub fn browser_report(script: &str, plan: &serde_json::Value, dir: &Path) -> serde_json::Value {
    let plan_file = dir.join("plan.json");
    std::fs::write(&plan_file, plan.to_string()).unwrap();
    let o = Command::new("node")
        .arg(repo().join("web-app/tests").join(script))
        .arg(&plan_file)
        .current_dir(repo())
        .output()
        .expect("node is on PATH (source scripts/env.sh)");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_else(|| {
        panic!("no report from the browser script {script}: {stdout}\n{}", String::from_utf8_lossy(&o.stderr))
    });
    serde_json::from_str(line).unwrap()
}
