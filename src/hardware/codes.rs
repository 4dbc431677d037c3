//! The long user doc of each HW code (What it does / Why is this bad? /
//! Example / How to fix), printed by `memmath rule HW003`. The code's name,
//! severity and summary are its row in the code registry ([`crate::codes`]);
//! HW checks are not lint rules (they need a probe, not just a spec), so they
//! run through [`super::check`] rather than the rules registry.

/// (code, user doc), in code order.
const DOCS: &[(&str, &str)] = &[
    (
        "HW001",
        "## What it does\nCompares the spec's GPU with the name NVML reports for each GPU the deployment uses, after normalising both (vendor words dropped; family, memory size and form factor compared where both state them).\n\n## Why is this bad?\nEvery memory figure of the plan is for the spec's GPU; on another model they are wrong.\n\n## Example\nThe spec says `hardware.gpu: h100-sxm-80gb`; NVML reports `NVIDIA A100-SXM4-80GB`.\n\n## How to fix\nSet `hardware.gpu` to the machine's GPU and re-plan, or run on the GPU the spec names.",
    ),
    (
        "HW002",
        "## What it does\nCompares the GPUs the spec places on one node (ceil(replicas x tensor x pipeline x data / nodes)) with the devices NVML sees.\n\n## Why is this bad?\nThe deployment cannot be placed: an engine instance waits for GPUs that do not exist.\n\n## Example\n2 replicas of tensor 4 on one node need 8 GPUs; the machine has 4.\n\n## How to fix\nRun on a node with enough GPUs, or reduce replicas or parallelism.",
    ),
    (
        "HW003",
        "## What it does\nCompares each used GPU's free memory (NVML) with what the plan needs on it: the engine's budget (`per_gpu.budget_bytes`; the re-planned one when HW004 fires), or the training total. Names the processes holding memory, with MiB.\n\n## Why is this bad?\nvLLM and SGLang refuse to start when free memory is below fraction x total; a training job runs out of memory. TensorRT-LLM starts with a smaller KV cache than planned (a warning).\n\n## Example\nGPU 0 has 41.2 GiB free because pid 4242 holds 38,912 MiB; the vLLM budget is 71.3 GiB.\n\n## How to fix\nStop the processes holding memory, or lower `gpu_memory_utilization` to the fraction the finding computes.",
    ),
    (
        "HW004",
        "## What it does\nCompares NVML's total with the catalogue's NVML figure for the spec's GPU (an inline GPU: the CUDA-visible total estimated from NVML with the spec's `memory`), with a tolerance of 1%. Then re-runs the plan on the measured CUDA-visible total and reports the new KV cache size and capacity. An error when the re-plan leaves no KV cache (the engine will not start).\n\n## Why is this bad?\nThe plan's KV capacity rests on the total memory; a different board (94 GB H100 NVL, 40 GB A100) changes every number.\n\n## Example\nThe catalogue's h100-sxm-80gb has 81,559 MiB in NVML; the device reports 95,830 MiB.\n\n## How to fix\nName the right GPU in `hardware.gpu`, or describe it inline with its measured memory.",
    ),
    (
        "HW005",
        "## What it does\nReports GPUs with MIG (Multi-Instance GPU) enabled, or pending at the next reset (a warning).\n\n## Why is this bad?\nWith MIG on, processes see MIG instances, each a slice of the memory; the plan assumes whole GPUs.\n\n## Example\n`nvidia-smi -i 0 -mig 1` was run on a serving node.\n\n## How to fix\nDisable MIG (`nvidia-smi -i N -mig 0` and a GPU reset), or plan for one instance as an inline GPU with its memory.",
    ),
    (
        "HW006",
        "## What it does\nReports FP8 weights or an FP8 KV cache on a GPU below compute capability 8.9, and FP4 (NVFP4, MXFP4) weights below 10.0, and says whether the engine falls back.\n\n## Why is this bad?\nWithout FP8/FP4 tensor cores the engine either runs weight-only kernels (vLLM's Marlin fallback on Ampere: memory as planned, slower; a warning) or refuses to load (TensorRT-LLM, or below compute capability 8.0: an error).\n\n## Example\n`weights.dtype: fp8` with vLLM on an A100 (8.0).\n\n## How to fix\nUse a GPU with the needed compute capability, or a weight format it runs natively.",
    ),
];

/// The user doc of HW code `code` (any case), if it is one.
pub fn hardware_doc(code: &str) -> Option<&'static str> {
    DOCS.iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, doc)| *doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{self, Kind};

    #[test]
    fn every_hw_code_of_the_registry_has_a_doc_and_no_other() {
        let rows: Vec<&str> = codes::all()
            .iter()
            .filter(|c| c.kind == Kind::Hardware)
            .map(|c| c.code)
            .collect();
        let documented: Vec<&str> = DOCS.iter().map(|(c, _)| *c).collect();
        assert_eq!(rows, documented);
        for (code, doc) in DOCS {
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## How to fix",
            ] {
                assert!(doc.contains(heading), "{code} lacks {heading}");
            }
        }
        assert!(hardware_doc("hw003").is_some());
    }
}
