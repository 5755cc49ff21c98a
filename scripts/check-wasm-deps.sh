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
exit $bad
