#!/usr/bin/env bash
# Runs every test: builds the WebAssembly modules the parity suite loads and
# the web app the browser journey loads, then the whole workspace's tests
# (unit, CLI, server, web app in headless Chromium, and the cross-target
# parity suite: native tract, ONNX Runtime, wasmtime, node, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/build-wasm.sh
bash scripts/build-web.sh
cargo test --release --workspace --all-targets --no-fail-fast 2>&1 | tee "$CITIZEN_CACHE/last-test.log"
grep -h '^test result:' "$CITIZEN_CACHE/last-test.log" | awk '{p+=$4; f+=$6} END {printf "%d passed, %d failed\n", p, f}'
