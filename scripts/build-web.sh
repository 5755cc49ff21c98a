#!/usr/bin/env bash
# Builds the web app (web-app/, with trunk) into $CARGO_TARGET_DIR/web-dist:
# static files any web server can serve, and what `citizen serve --web-dir`
# serves at `/`. The runtime is compiled into the app's one WebAssembly
# module. wasm-opt (binaryen 132 from npm) runs here rather than in trunk so
# its result can be cached by the hash of its input (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
DIST=${WEB_DIST:-$CARGO_TARGET_DIR/web-dist}
# The same target directory as the runtime's browser module: they share the
# wasm-release build of tract.
(cd web-app && CARGO_TARGET_DIR="$CITIZEN_WASM_TARGET_DIR" trunk build --release --dist "$DIST")
for f in "$DIST"/*_bg.wasm; do bash scripts/wasm-opt-cached.sh "$f"; done
# Gzipped copies beside the files: citizen serve (ServeDir) sends them to
# browsers that accept gzip; other web servers can do the same.
for f in "$DIST"/*.wasm "$DIST"/*.js "$DIST"/*.css "$DIST"/*.html "$DIST"/*.svg "$DIST"/*.webmanifest; do
  [ -f "$f" ] && gzip -9 -k -f -n "$f"
done
echo "web app in $DIST:"
for f in "$DIST"/*_bg.wasm "$DIST"/*.js; do
  printf '  %-40s %9d bytes, %8d gzipped\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
