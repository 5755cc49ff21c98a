#!/usr/bin/env bash
# Sets up everything citizen needs on a fresh Debian machine, then runs the
# main job on the bundled example: train a car-price model on
# data/cars93.csv, then predict every car with it natively and in
# WebAssembly (the WASI module under wasmtime), and check both agree.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mkdir -p "$CITIZEN_CACHE"
t0=$(date +%s) t=
# Each step prints how long the one before took, so a slow machine shows where.
step() { local now; now=$(date +%s); [ -z "$t" ] || printf '    (%d s)\n' $((now - t)); t=$now; printf '\n==> %s\n' "$*"; }
# The two CLI tools are built from source by cargo install, without the fat
# LTO and single codegen unit their own release profiles ask for (11 minutes
# for trunk alone on 2 cores): wasm-bindgen at opt-level 1, as it rewrites
# 7 MB modules; trunk, which only orchestrates, as a debug build.
fast_release() { CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 "$@"; }

step "Rust targets for WebAssembly"
rustup target add wasm32-unknown-unknown wasm32-wasip1

step "System packages (Chromium for browser tests, Node.js, wrk for the server bench)"
need=()
command -v chromium >/dev/null || need+=(chromium chromium-driver)
command -v node >/dev/null || need+=(nodejs npm)
command -v unzip >/dev/null || need+=(unzip)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  sudo_="" ; [ "$(id -u)" = 0 ] || sudo_=sudo
  $sudo_ apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q "${need[@]}"
fi

step "wasm-bindgen CLI (the exact version in Cargo.lock)"
wbg=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  fast_release cargo install wasm-bindgen-cli --version "$wbg"
fi

step "trunk (builds the web app; offline, with the tools above)"
if [ "$(trunk --version 2>/dev/null)" != "trunk 0.21.14" ]; then
  # No TLS and no update check: trunk never downloads anything here.
  cargo install trunk --version 0.21.14 --locked --debug --no-default-features
fi

step "Node packages (playwright-core, onnxruntime-web, binaryen's wasm-opt, Azurite)"
npm ci --no-audit --no-fund

step "ONNX Runtime $ORT_VERSION library (from the PyPI wheel; no Python needed at run time)"
if [ ! -f "$ORT_DYLIB_PATH" ]; then
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps --only-binary=:all: "onnxruntime==$ORT_VERSION" -d "$tmp"
  dir=$(dirname "$ORT_DYLIB_PATH")
  mkdir -p "$dir.tmp"
  unzip -q -j -o "$tmp"/onnxruntime-*.whl "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" -d "$dir.tmp"
  rm -rf "$dir" && mv "$dir.tmp" "$dir" && rm -rf "$tmp"
fi
echo "ORT_DYLIB_PATH=$ORT_DYLIB_PATH"

step "Python venv: bench references (onnxruntime, numpy, scikit-learn, lightgbm, pandas); for the tests openapi-spec-validator and azure-storage-blob"
# Reinstalled whenever a requirements file changes.
stamp="$CITIZEN_CACHE/venv/requirements.sha256"
want=$(cat scripts/requirements-bench.txt scripts/requirements-test.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$CITIZEN_CACHE/venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$CITIZEN_CACHE/venv"
  "$CITIZEN_CACHE/venv/bin/pip" install -q -r scripts/requirements-bench.txt -r scripts/requirements-test.txt
  echo "$want" > "$stamp"
fi

step "Build: the citizen CLI and, beside it, the WebAssembly modules and the web app"
# Two builds at once keep both cores busy through each one's single-threaded
# stretches (LTO of the browser modules, wasm-opt, the last big crates). The
# WebAssembly side's output is shown when it is done.
wasm_log="$CITIZEN_CACHE/build-wasm.log"
(bash scripts/build-wasm.sh && bash scripts/build-web.sh) > "$wasm_log" 2>&1 &
wasm_pid=$!
native=0; cargo build --release -p host || native=$?
wasm=0; wait "$wasm_pid" || wasm=$?
cat "$wasm_log"
[ "$wasm" = 0 ] || { echo "building the WebAssembly modules or the web app failed (output above)" >&2; exit 1; }
[ "$native" = 0 ] || exit "$native"

step "Main job: train a car-price model on data/cars93.csv, then predict with it"
citizen="$CARGO_TARGET_DIR/release/citizen"
mkdir -p out
"$citizen" train data/cars93.csv --target Price --exclude Min.Price,Max.Price --time-budget 30s \
  --name car-price -o out/car-price.onnx
"$citizen" inspect out/car-price.onnx
"$citizen" predict --model out/car-price.onnx data/cars93.csv -o out/cars93-native.csv
"$citizen" predict --engine wasm --model out/car-price.onnx data/cars93.csv -o out/cars93-wasm.csv
# Same answers everywhere: the predicted prices (last column) agree within
# the manifest's tolerance, 1e-5 relative + 1e-5 absolute.
awk -F, 'NR == FNR { p[FNR] = $NF; next }
  FNR > 1 { d = $NF - p[FNR]; if (d < 0) d = -d; m = ($NF < 0 ? -$NF : $NF); if (d > 1e-5 * m + 1e-5) bad++ }
  END { if (bad) { print bad " predictions differ between native and WebAssembly"; exit 1 } }' \
  out/cars93-native.csv out/cars93-wasm.csv
printf '    (%d s; all of setup: %d s)\n' $(($(date +%s) - t)) $(($(date +%s) - t0))
echo
echo "Trained out/car-price.onnx, then predicted $(($(wc -l < out/cars93-native.csv) - 1)) cars natively"
echo "(out/cars93-native.csv) and in WebAssembly under wasmtime (out/cars93-wasm.csv): the same prices."
echo "First rows:"
cut -d, -f3,4,6,29 out/cars93-native.csv | head -4
echo
echo "To predict in the browser: publish it, make a token, serve the web app, open the address it prints:"
echo "  $citizen publish out/car-price.onnx --store out/store"
echo "  $citizen token create --role admin --store out/store"
echo "  $citizen serve --store out/store --web-dir $CARGO_TARGET_DIR/web-dist"
