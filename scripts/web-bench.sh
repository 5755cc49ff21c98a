#!/usr/bin/env bash
# The web app's first-load bench (web-app/tests/bench.mjs): bytes downloaded
# before the first prediction and time from page load to it, in fresh
# headless Chromium profiles, against onnxruntime-web's own download size.
#   bash scripts/web-bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build -q --release -p host
bash scripts/build-web.sh >/dev/null
citizen="$CARGO_TARGET_DIR/release/citizen"
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$citizen" publish models/car-price.onnx --name car-price --store "$tmp/store" >/dev/null
token=$("$citizen" token create --role reader --model car-price --store "$tmp/store" | tail -1)
RUST_LOG=error "$citizen" serve --store "$tmp/store" --addr 127.0.0.1:0 --web-dir "$CARGO_TARGET_DIR/web-dist" > "$tmp/serve.log" &
pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/serve.log" && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$tmp/serve.log" | head -1)
node web-app/tests/bench.mjs "$base" "$token" car-price "${1:-5}"
