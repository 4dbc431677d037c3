#!/usr/bin/env bash
# Build the fake NVML (tools/fake-nvml) and print the folder that holds its
# libnvidia-ml.so.1, to put first on LD_LIBRARY_PATH:
#
#   export LD_LIBRARY_PATH=$(scripts/fake-nvml.sh)
#   MEMMATH_FAKE_NVML=tests/fixtures/snapshots/h100x1-busy.json \
#       memmath verify specs/llama-3.1-8b-h100.yaml
#
# The library answers every NVML call memmath makes from the snapshot file
# named by MEMMATH_FAKE_NVML (the `--save-snapshot` format);
# MEMMATH_FAKE_NVML_FAIL=FUNCTION[@DEVICE][=CODE],... makes chosen calls fail
# (docs/hardware.md, "Testing without a GPU"). Build output goes to stderr,
# the folder alone to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
target=target/fake-nvml
# --offline: the library needs only serde_json, which memmath's own build
# already fetched (the same versions are locked).
cargo build --offline --locked --quiet \
    --manifest-path tools/fake-nvml/Cargo.toml --target-dir "$target" >&2
mkdir -p "$target/lib"
# Copy then rename, so a process loading the library never sees half a file.
cp "$target/debug/libmemmath_fake_nvml.so" "$target/lib/.libnvidia-ml.so.1.tmp.$$"
mv -f "$target/lib/.libnvidia-ml.so.1.tmp.$$" "$target/lib/libnvidia-ml.so.1"
echo "$PWD/$target/lib"
