#!/usr/bin/env bash
# Build the memmath wheel with maturin (from PyPI, in a throwaway venv),
# install it into a fresh venv, and run `memmath --version` and
# `memmath check specs/` from that venv. Not part of .ci/run (it needs PyPI
# and a second, release build): docs/ci.md, "The wheel test".
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/build"
"$work/build/bin/pip" install --quiet 'maturin>=1.7,<2.0'
"$work/build/bin/maturin" build --release --out "$work/wheels"
wheel=$(ls "$work"/wheels/memmath-*.whl)
echo "built $(basename "$wheel")"

"$python" -m venv "$work/user"
"$work/user/bin/pip" install --quiet "$wheel"
version=$("$work/user/bin/memmath" --version)
expected="memmath $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
if [ "$version" != "$expected" ]; then
  echo "wheel-test: --version printed '$version', expected '$expected'" >&2
  exit 1
fi
echo "$version"
"$work/user/bin/memmath" check specs/
echo "wheel-test: ok"
