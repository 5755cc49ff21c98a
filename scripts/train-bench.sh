#!/usr/bin/env bash
# The trainer's bench: citizen's test metric and fit time against LightGBM
# and scikit-learn's HistGradientBoosting (defaults), on the same fixed
# 80/20 splits of cars93, diamonds and iris, in one run.
#   bash scripts/train-bench.sh [--budget 30] [--only cars93,iris]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
venv="$CITIZEN_CACHE/venv"
# (Re)install when a package of scripts/requirements-bench.txt is missing or
# not at its pinned version.
check='
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    name, _, pin = line.strip().partition("==")
    try:
        assert not pin or version(name) == pin
    except (AssertionError, PackageNotFoundError):
        sys.exit(1)
'
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$check" scripts/requirements-bench.txt 2>/dev/null; then
  echo "setting up the Python venv for the bench at $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r scripts/requirements-bench.txt
fi
cargo run -q --release -p tests --bin citizen-train-bench -- "$@"
