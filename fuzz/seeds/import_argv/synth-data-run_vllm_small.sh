# source: https://github.com/Mikeriess/Synth_data/blob/70f20ed25b54c1ae1b61ce922cf6fef7c1bab92c/run_vllm_small.sh
python -m vllm.entrypoints.openai.api_server \
    --model google/gemma-2-9b-it \
    --gpu-memory-utilization 1.0 \
    --tensor-parallel-size 4 \
    --host 0.0.0.0 \
    --port 8000
