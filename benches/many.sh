#!/usr/bin/env bash
# 10,000 specs (the monorepo case): generate them (benches/gen-specs.py), then
# time `memmath check --output-format concise DIR` (folder walk included) with
# the default thread count and with one thread, report peak RSS (GNU time),
# and check that the output is byte-identical across thread counts.
#
#   benches/many.sh                        build --release, 10,000 specs
#   COUNT=1000 MEMMATH=path benches/many.sh
#   CALLGRIND=1 COUNT=500 benches/many.sh  instruction counts instead of wall time
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${MEMMATH:-target/release/memmath}
[[ -n ${MEMMATH:-} ]] || cargo build --release --quiet
COUNT=${COUNT:-10000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 benches/gen-specs.py "$COUNT" "$WORK/many"
echo "memmath: $("$BIN" --version)   machine: $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
CMD=("$BIN" check --output-format concise "$WORK/many")

if [[ -n ${CALLGRIND:-} ]]; then
  for t in 1 2; do
    RAYON_NUM_THREADS=$t valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.$t" "${CMD[@]}" \
      >/dev/null 2>"$WORK/cg.err" || true
    echo "threads=$t: $(grep -o 'refs: *[0-9,]*' "$WORK/cg.err") instructions, all threads"
  done
  exit 0
fi

for t in "" 1; do
  label=${t:-default}
  if command -v hyperfine >/dev/null; then
    RAYON_NUM_THREADS=$t hyperfine -N -i --warmup 1 --runs "${RUNS:-5}" --style basic "${CMD[*]}" 2>&1 \
      | grep -E "Time|Range" | sed "s/^/threads=$label /"
  fi
  RAYON_NUM_THREADS=$t /usr/bin/time -f "threads=$label: wall %e s, user %U s, peak RSS %M KB" \
    "${CMD[@]}" >"$WORK/out.$label" 2>"$WORK/time.$label" || true
  tail -1 "$WORK/time.$label"
done
cmp -s "$WORK/out.default" "$WORK/out.1" && echo "output: byte-identical across thread counts ($(wc -l <"$WORK/out.1") lines)" \
  || { echo "output differs across thread counts" >&2; exit 1; }
