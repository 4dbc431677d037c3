#!/usr/bin/env bash
# memmath next to llm-analysis (PyPI) for the same setting: Llama-2-7B, BF16,
# one A100-SXM4-80GB, batch 8 x (2048 prompt + 512 output) tokens, inference.
# Prints both tools' weights and KV bytes and their wall time per estimate,
# as a process (CLI) and inside the process (library call, startup excluded).
#
#   python3 -m venv /tmp/llmvenv && /tmp/llmvenv/bin/pip install llm-analysis
#   cargo build --release && benches/peer/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${LLM_ANALYSIS_PY:-/tmp/llmvenv/bin/python}
BIN=${MEMMATH:-target/release/memmath}
SPEC=benches/peer/llama-2-7b-a100.yaml
N=${N:-10}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 NO_COLOR=1

echo "== llm-analysis $("$PY" -m pip show llm-analysis 2>/dev/null | sed -n 's/^Version: //p') (offline, bundled configs)"
"$PY" - "$N" <<'PYEOF'
import json, sys, time, logging, contextlib, io
n = int(sys.argv[1])
t0 = time.perf_counter()
from llm_analysis.analysis import infer
t_import = time.perf_counter() - t0
kw = dict(model_name="NousResearch_Llama-2-7b-hf", gpu_name="a100-sxm-80gb",
          dtype_name="w16a16e16", batch_size_per_gpu=8, seq_len=2048,
          num_tokens_to_generate=512, log_level="ERROR", output_dir=None)
times = []
for _ in range(n):
    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        r = infer(**kw)
    times.append(time.perf_counter() - t)
times.sort()
print(f"  weights  {int(r['weight_memory_per_gpu']):>16,} B")
print(f"  kv cache {int(r['kv_cache_memory_per_gpu']):>16,} B")
print(f"  prefill activations {int(r['prefill_activation_memory_per_gpu']):,} B")
print(f"  import {t_import*1e3:.0f} ms; in-process estimate: median {times[len(times)//2]*1e3:.2f} ms over {n}")
PYEOF
start=$(date +%s%N)
for (( i = 0; i < N; i++ )); do
  "$PY" -m llm_analysis.analysis infer --model_name NousResearch_Llama-2-7b-hf \
    --gpu_name a100-sxm-80gb --dtype_name w16a16e16 --batch_size_per_gpu 8 \
    --seq_len 2048 --num_tokens_to_generate 512 --log_level ERROR --output_dir "$OUT" >/dev/null 2>&1
done
end=$(date +%s%N)
py_ms=$(( (end - start) / N / 1000000 ))
echo "  CLI wall per estimate: ${py_ms} ms (mean of $N)"

echo "== memmath $("$BIN" --version)"
"$BIN" report "$SPEC" --format json | "$PY" -c '
import json, sys
p = json.load(sys.stdin); c = p["classes"][0]
print(f"  weights  {p[\"weights\"][\"total_bytes\"]:>16,} B")
print(f"  kv cache {c[\"required_concurrency\"] * c[\"kv_bytes_per_sequence\"]:>16,} B  (8 x {c[\"kv_bytes_per_sequence\"]:,})")
print(f"  activation peak (vLLM profiling run) {p[\"per_gpu\"][\"activation_peak_bytes\"]:,} B")'
start=$(date +%s%N)
for (( i = 0; i < N; i++ )); do
  "$BIN" report "$SPEC" --format json >/dev/null
done
end=$(date +%s%N)
mm_us=$(( (end - start) / N / 1000 ))
echo "  CLI wall per estimate: ${mm_us} us (mean of $N)"
echo "== ratio (CLI wall): llm-analysis / memmath = $(( py_ms * 1000 / (mm_us > 0 ? mm_us : 1) ))x"
