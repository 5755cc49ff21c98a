# Sourced by the other scripts: where citizen keeps its build and tools.
# Everything lives outside the clone so a fresh clone reuses a warm build.
export CITIZEN_CACHE="${CITIZEN_CACHE:-$HOME/.cache/citizen}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/citizen-target}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export ORT_VERSION=1.31.1
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$CITIZEN_CACHE/onnxruntime-$ORT_VERSION/libonnxruntime.so.$ORT_VERSION}"
export CITIZEN_WASM_PKG="${CITIZEN_WASM_PKG:-$CARGO_TARGET_DIR/wasm-pkg}"
# The WebAssembly builds (runtime modules, web app) have a target directory of
# their own, so setup can run them beside the native build: two cargo
# processes never wait on one directory's lock.
export CITIZEN_WASM_TARGET_DIR="${CITIZEN_WASM_TARGET_DIR:-$CARGO_TARGET_DIR/wasm-build}"
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_root/node_modules/.bin:$CARGO_HOME/bin:$PATH"
unset _root
