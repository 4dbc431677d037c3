#!/usr/bin/env bash
# Live hardware check of every example spec, for a machine with an NVIDIA GPU:
# builds the release binary (or uses $MEMMATH_BIN), saves one NVML snapshot,
# then runs `memmath verify` and `memmath report --hardware --format md` on
# each spec in specs/.
#
# MEMMATH_GPU_CHECK_OUT=DIR writes the outputs there instead of target/gpu-check.
# MEMMATH_PROBE_SNAPSHOT=FILE replays a saved snapshot instead of NVML (to try
# the script on a machine without a GPU).
#
# Exit 1 from verify means findings (expected: the examples plan for GPUs this
# machine may not have); exit 2 means the tool failed (no NVML, bad snapshot)
# and makes this script fail. Output goes to stdout and to target/gpu-check/.
set -uo pipefail
cd "$(dirname "$0")/.."

out=${MEMMATH_GPU_CHECK_OUT:-target/gpu-check}
mkdir -p "$out"

if [[ -n "${MEMMATH_BIN:-}" ]]; then
    bin=$MEMMATH_BIN
else
    cargo build --release --locked || exit 2
    bin=target/release/memmath
fi

shopt -s nullglob
specs=(specs/*.yaml specs/*.yml)
if [[ ${#specs[@]} -eq 0 ]]; then
    echo "gpu-check: no specs in specs/" >&2
    exit 2
fi

echo "== machine"
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=index,name,memory.total,memory.used,memory.free,compute_cap,mig.mode.current \
        --format=csv || true
else
    echo "nvidia-smi not found"
fi

probe=()
if [[ -n "${MEMMATH_PROBE_SNAPSHOT:-}" ]]; then
    probe=(--probe-snapshot "$MEMMATH_PROBE_SNAPSHOT")
fi

failed=0
# One snapshot, saved next to the outputs, so the run can be replayed elsewhere
# with --probe-snapshot.
"$bin" verify "${specs[0]}" "${probe[@]}" --save-snapshot "$out/snapshot.json" >/dev/null
rc=$?
if [[ $rc -eq 2 ]]; then
    echo "gpu-check: NVML probe failed (exit 2); see the message above" >&2
    exit 2
fi
echo "snapshot saved to $out/snapshot.json"

for spec in "${specs[@]}"; do
    name=$(basename "${spec%.*}")
    echo
    echo "== verify $spec"
    "$bin" verify "$spec" "${probe[@]}" | tee "$out/$name.verify.txt"
    rc=${PIPESTATUS[0]}
    echo "exit $rc"
    [[ $rc -eq 2 ]] && failed=1
    echo "== report --hardware $spec"
    "$bin" report "$spec" --hardware "${probe[@]}" --format md >"$out/$name.report.md"
    rc=$?
    echo "exit $rc (written to $out/$name.report.md)"
    [[ $rc -eq 2 ]] && failed=1
done

exit $failed
