#!/usr/bin/env bash
# Build every fuzz target the way `cargo fuzz build -s none -a` does, without
# needing cargo-fuzz or a nightly toolchain: libFuzzer's coverage passes, no
# sanitizer (memmath has no `unsafe`), debug assertions and overflow checks on
# (an integer overflow is a crash, not a silent wrap). Binaries land in
# fuzz/target/x86_64-unknown-linux-gnu/release/. docs/reliability.md says how
# they were run.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks \
-Cforce-frame-pointers"
cargo build --release --target x86_64-unknown-linux-gnu --bins "$@"
