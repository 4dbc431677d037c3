#!/usr/bin/env bash
# Time the release binary end to end (issue 8 targets on a 2-core machine):
#   check of one spec < 5 ms wall, check of 1,000 specs < 1 s, peak RSS < 30 MB,
# plus `report --format html`. Uses hyperfine when installed, else a bash loop;
# peak RSS from GNU time (`apt-get install -y time hyperfine`).
#
#   benches/cli.sh              build (cargo build --release) and measure
#   MEMMATH=path benches/cli.sh measure an existing binary
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${MEMMATH:-target/release/memmath}
if [[ -z ${MEMMATH:-} ]]; then
  cargo build --release --quiet
fi
SPEC=specs/llama-3.1-8b-h100.yaml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# 1,000 specs: the example specs over and over, each with its own name and a
# different concurrency, so no two files are identical.
mkdir -p "$WORK/many" "$WORK/many/configs"
cp -r specs/configs/. "$WORK/many/configs/"
i=0
while (( i < 1000 )); do
  for f in specs/*.yaml; do
    (( i < 1000 )) || break
    sed -e "s/^  name: .*/  name: gen-$i/" -e "s/concurrency: \([0-9]*\)/concurrency: $(( (i % 7) + 1 ))\1/" \
      "$f" > "$WORK/many/spec-$(printf %04d "$i").yaml"
    i=$(( i + 1 ))
  done
done

echo "memmath: $("$BIN" --version)   machine: $(nproc) cores, $(uname -sr)"
echo

run() { # label, command...
  local label=$1; shift
  echo "== $label"
  if command -v hyperfine >/dev/null; then
    hyperfine --shell=none --warmup 3 --runs "${RUNS:-30}" -i --style basic "$*" 2>&1 | grep -E "Time|Range"
  else
    local n=${RUNS:-30} start end
    start=$(date +%s%N)
    for (( k = 0; k < n; k++ )); do "$@" >/dev/null 2>&1 || true; done
    end=$(date +%s%N)
    echo "  mean $(( (end - start) / n / 1000 )) us over $n runs (bash loop)"
  fi
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "  peak RSS %M KB, wall %e s" "$@" >/dev/null 2>"$WORK/time.txt" || true
    tail -1 "$WORK/time.txt"
  fi
  echo
}

run "check, 1 spec" "$BIN" check "$SPEC"
RUNS=${RUNS_MANY:-10} run "check, 1,000 specs (folder walk)" "$BIN" check --output-format concise "$WORK/many"
run "report --format html, 1 spec" "$BIN" report "$SPEC" --format html -o "$WORK/r.html"
run "report --format json, 1 spec" "$BIN" report "$SPEC" --format json -o "$WORK/r.json"
