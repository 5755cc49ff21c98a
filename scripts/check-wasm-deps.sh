#!/usr/bin/env bash
# The runtime that compiles to WebAssembly, and the web app around it, must
# stay pure: no async runtime, sockets, ONNX Runtime, server or object
# storage in their dependency trees.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
for pair in runtime-wasm:wasm32-unknown-unknown runtime-wasm:wasm32-wasip1 web-app:wasm32-unknown-unknown; do
  crate=${pair%%:*}; target=${pair#*:}
  deps=$(cargo tree -p "$crate" --target "$target" -e normal,build --prefix none --no-dedupe | awk '{print $1}' | sort -u)
  for forbidden in tokio mio ort ort-sys axum hyper object_store wasmtime; do
    if grep -qx "$forbidden" <<<"$deps"; then
      echo "$crate for $target depends on $forbidden:"; cargo tree -p "$crate" --target "$target" -i "$forbidden" | head -20
      bad=1
    fi
  done
  echo "$crate for $target: $(wc -l <<<"$deps") crates, none of tokio/mio/ort/axum/hyper/object_store/wasmtime"
done
# The edge host (citizen-edge) is built without host's `cloud` feature:
# no ONNX Runtime, trainer, object storage or Parquet.
deps=$(cargo tree -p host --no-default-features -e normal,build --prefix none --no-dedupe | awk '{print $1}' | sort -u)
for forbidden in ort ort-sys trainer candle-core object_store parquet arrow; do
  if grep -qx "$forbidden" <<<"$deps"; then
    echo "host without the cloud feature (citizen-edge) depends on $forbidden:"; cargo tree -p host --no-default-features -i "$forbidden" | head -20
    bad=1
  fi
done
echo "host --no-default-features (citizen-edge): $(wc -l <<<"$deps") crates, none of ort/trainer/candle/object_store/parquet/arrow"
exit $bad
