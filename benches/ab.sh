#!/usr/bin/env bash
# Compare commands on a noisy machine: ROUNDS rounds (default 5), each running
# every command once through hyperfine (-N, 10 warm-up + 100 runs) in turn, so
# load that comes and goes hits them alike. Prints, per command, the median of
# the rounds' medians, the mean of their means and the overall minimum (ms).
#
#   benches/ab.sh 'old/memmath check specs/llama-3.1-8b-h100.yaml' \
#                 'target/release/memmath check specs/llama-3.1-8b-h100.yaml'
#   ROUNDS=3 RUNS=50 benches/ab.sh CMD...
set -euo pipefail
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-100}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for (( r = 0; r < ROUNDS; r++ )); do
  i=0
  for cmd in "$@"; do
    hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$WORK/h.json" "$cmd" >/dev/null 2>&1
    python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['results'][0]; print(sys.argv[2], d['median'], d['mean'], d['min'])" \
      "$WORK/h.json" "$i" >> "$WORK/rows"
    i=$(( i + 1 ))
  done
done

python3 - "$WORK/rows" "$@" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    i, med, mean, low = line.split()
    rows.setdefault(int(i), []).append((float(med), float(mean), float(low)))
for i, cmd in enumerate(sys.argv[2:]):
    r = rows[i]
    print(f"{statistics.median(x[0] for x in r) * 1e3:6.2f} ms median  "
          f"{statistics.mean(x[1] for x in r) * 1e3:6.2f} ms mean  "
          f"{min(x[2] for x in r) * 1e3:6.2f} ms min   {cmd}")
PY
