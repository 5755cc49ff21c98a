#!/usr/bin/env bash
# The server bench: single-row predict requests/s and p50/p99 latency of
# `citizen serve` under wrk, against a minimal axum + ONNX Runtime server
# measured in the same run. Run it on a quiet machine.
#   bash scripts/serve-bench.sh [--model M.onnx] [--duration 10] [--connections 16] [--rounds 2]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build -q --release -p host -p tests --bins
"$CARGO_TARGET_DIR/release/citizen-serve-bench" "$@"
