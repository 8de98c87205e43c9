#!/usr/bin/env bash
# Creates (or refreshes) python/.venv with the exact pins of python/pyproject.toml.
# Idempotent: a stamp file holds a hash of pyproject.toml and of this script; when
# it matches, nothing is done. Usage: bash python/setup_venv.sh   (from anywhere)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
STAMP="$VENV/.e3j-stamp"
PY="${PYTHON:-python3}"

want="$(cat "$HERE/pyproject.toml" "$HERE/setup_venv.sh" | sha256sum | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    echo "python/.venv is up to date"
    exit 0
fi

ver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$ver" != "3.11" ]]; then
    echo "setup_venv.sh: need Python 3.11 (jax 0.10.2 pins), found $ver at $(command -v "$PY")" >&2
    exit 1
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PY" -m venv "$VENV"
fi
rm -f "$STAMP"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24" "setuptools>=68" wheel
"$VENV/bin/python" -m pip install --quiet -e "$HERE[test,import]"
# The two model packages the graph exporters read, without their declared dependencies
# (jax[cuda12], wandb, pymatgen, ...: not imported by the code paths we use; see pyproject.toml).
"$VENV/bin/python" -m pip install --quiet --no-deps "nequip-eqx==0.1.0" "jax-md==0.2.29"
"$VENV/bin/python" - <<'PY'
import importlib.metadata as md
for p in ["jax", "jaxlib", "flax", "e3nn-jax", "jraph", "numpy", "safetensors", "ase", "pytest",
          "equinox", "ml_collections", "nequip-eqx", "jax-md"]:
    print(f"  {p}=={md.version(p)}")
PY
echo "$want" > "$STAMP"
echo "python/.venv ready"
