#!/usr/bin/env bash
# The runtime that compiles to WebAssembly must stay pure: no async runtime,
# sockets, ONNX Runtime, server or object storage in its dependency tree.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
for target in wasm32-unknown-unknown wasm32-wasip1; do
  deps=$(cargo tree -p runtime-wasm --target "$target" -e normal,build --prefix none --no-dedupe | awk '{print $1}' | sort -u)
  for forbidden in tokio mio ort ort-sys axum hyper object_store wasmtime; do
    if grep -qx "$forbidden" <<<"$deps"; then
      echo "runtime-wasm for $target depends on $forbidden:"; cargo tree -p runtime-wasm --target "$target" -i "$forbidden" | head -20
      bad=1
    fi
  done
  echo "$target: $(wc -l <<<"$deps") crates, none of tokio/mio/ort/axum/hyper/object_store/wasmtime"
done
exit $bad
