//! The HW codes and their user docs, for `memmath rule HW003` and the docs.
//! HW checks are not lint rules (they need a probe, not just a spec), so they
//! are listed here rather than in the rules registry.

use crate::diagnostics::{Finding, Severity};
use crate::rules::RulesConfig;

/// One hardware check's code, name, usual severity and user doc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HardwareCode {
    pub code: &'static str,
    pub name: &'static str,
    /// The severity it usually has; some cases raise or lower it (see `doc`).
    pub default_severity: Severity,
    /// What it does / Why is this bad? / Example / How to fix.
    pub doc: &'static str,
}

const CODES: &[HardwareCode] = &[
    HardwareCode {
        code: "HW001",
        name: "gpu-model-mismatch",
        default_severity: Severity::Error,
        doc: "## What it does\nCompares the spec's GPU with the name NVML reports for each GPU the deployment uses, after normalising both (vendor words dropped; family, memory size and form factor compared where both state them).\n\n## Why is this bad?\nEvery memory figure of the plan is for the spec's GPU; on another model they are wrong.\n\n## Example\nThe spec says `hardware.gpu: h100-sxm-80gb`; NVML reports `NVIDIA A100-SXM4-80GB`.\n\n## How to fix\nSet `hardware.gpu` to the machine's GPU and re-plan, or run on the GPU the spec names.",
    },
    HardwareCode {
        code: "HW002",
        name: "gpu-count-below-spec",
        default_severity: Severity::Error,
        doc: "## What it does\nCompares the GPUs the spec places on one node (ceil(replicas x tensor x pipeline x data / nodes)) with the devices NVML sees.\n\n## Why is this bad?\nThe deployment cannot be placed: an engine instance waits for GPUs that do not exist.\n\n## Example\n2 replicas of tensor 4 on one node need 8 GPUs; the machine has 4.\n\n## How to fix\nRun on a node with enough GPUs, or reduce replicas or parallelism.",
    },
    HardwareCode {
        code: "HW003",
        name: "free-memory-below-plan",
        default_severity: Severity::Error,
        doc: "## What it does\nCompares each used GPU's free memory (NVML) with what the plan needs on it: the engine's budget (`per_gpu.budget_bytes`; the re-planned one when HW004 fires), or the training total. Names the processes holding memory, with MiB.\n\n## Why is this bad?\nvLLM and SGLang refuse to start when free memory is below fraction x total; a training job runs out of memory. TensorRT-LLM starts with a smaller KV cache than planned (a warning).\n\n## Example\nGPU 0 has 41.2 GiB free because pid 4242 holds 38,912 MiB; the vLLM budget is 71.3 GiB.\n\n## How to fix\nStop the processes holding memory, or lower `gpu_memory_utilization` to the fraction the finding computes.",
    },
    HardwareCode {
        code: "HW004",
        name: "gpu-memory-differs-from-catalog",
        default_severity: Severity::Warning,
        doc: "## What it does\nCompares NVML's total with the catalogue's NVML figure for the spec's GPU (an inline GPU: the CUDA-visible total estimated from NVML with the spec's `memory`), with a tolerance of 1%. Then re-runs the plan on the measured CUDA-visible total and reports the new KV cache size and capacity. An error when the re-plan leaves no KV cache (the engine will not start).\n\n## Why is this bad?\nThe plan's KV capacity rests on the total memory; a different board (94 GB H100 NVL, 40 GB A100) changes every number.\n\n## Example\nThe catalogue's h100-sxm-80gb has 81,559 MiB in NVML; the device reports 95,830 MiB.\n\n## How to fix\nName the right GPU in `hardware.gpu`, or describe it inline with its measured memory.",
    },
    HardwareCode {
        code: "HW005",
        name: "mig-enabled",
        default_severity: Severity::Error,
        doc: "## What it does\nReports GPUs with MIG (Multi-Instance GPU) enabled, or pending at the next reset (a warning).\n\n## Why is this bad?\nWith MIG on, processes see MIG instances, each a slice of the memory; the plan assumes whole GPUs.\n\n## Example\n`nvidia-smi -i 0 -mig 1` was run on a serving node.\n\n## How to fix\nDisable MIG (`nvidia-smi -i N -mig 0` and a GPU reset), or plan for one instance as an inline GPU with its memory.",
    },
    HardwareCode {
        code: "HW006",
        name: "dtype-unsupported-on-device",
        default_severity: Severity::Warning,
        doc: "## What it does\nReports FP8 weights or an FP8 KV cache on a GPU below compute capability 8.9, and FP4 (NVFP4, MXFP4) weights below 10.0, and says whether the engine falls back.\n\n## Why is this bad?\nWithout FP8/FP4 tensor cores the engine either runs weight-only kernels (vLLM's Marlin fallback on Ampere: memory as planned, slower; a warning) or refuses to load (TensorRT-LLM, or below compute capability 8.0: an error).\n\n## Example\n`weights.dtype: fp8` with vLLM on an A100 (8.0).\n\n## How to fix\nUse a GPU with the needed compute capability, or a weight format it runs natively.",
    },
];

/// Every HW code, in code order.
pub fn hardware_codes() -> &'static [HardwareCode] {
    CODES
}

/// A HW code by code (`HW003`, any case) or name (`free-memory-below-plan`).
pub fn hardware_code(code_or_name: &str) -> Option<&'static HardwareCode> {
    CODES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code_or_name) || c.name == code_or_name)
}

/// Apply `--select`/`--ignore`, memmath.toml (select, ignore, per-file
/// ignores, severity overrides) to HW findings, as the rules registry does for
/// lint rules; other findings pass through untouched.
pub fn apply_config(
    findings: Vec<Finding>,
    config: &RulesConfig,
    source_name: &str,
) -> Vec<Finding> {
    findings
        .into_iter()
        .filter_map(|mut f| {
            let Some(code) = hardware_code(&f.code) else {
                return Some(f);
            };
            if !config.is_enabled(code, Some(source_name)) {
                return None;
            }
            if let Some(severity) = config.severity_override(code) {
                f.severity = severity;
            }
            Some(f)
        })
        .collect()
}

/// So `memmath rule HW003` and `rule --all` document HW codes like lint rules.
/// HW checks need a GPU snapshot, which a lint rule's context does not carry:
/// they run through `hardware::check` (from `pipeline::analyze_with_hardware`),
/// so `check` here finds nothing. They are deliberately not in the rules
/// registry, which runs on every spec.
impl crate::rules::Rule for HardwareCode {
    fn code(&self) -> &'static str {
        self.code
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_severity(&self) -> Severity {
        self.default_severity
    }
    fn doc(&self) -> &'static str {
        self.doc
    }
    fn check(&self, _ctx: &crate::rules::RuleContext<'_>) -> Vec<Finding> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    #[test]
    fn codes_are_unique_ordered_and_documented() {
        let codes: Vec<&str> = hardware_codes().iter().map(|c| c.code).collect();
        assert_eq!(
            codes,
            ["HW001", "HW002", "HW003", "HW004", "HW005", "HW006"]
        );
        for c in hardware_codes() {
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## How to fix",
            ] {
                assert!(c.doc.contains(heading), "{} lacks {heading}", c.code);
            }
            assert!(!c.summary().is_empty());
            assert_eq!(hardware_code(c.name).map(|x| x.code), Some(c.code));
            assert_eq!(
                hardware_code(&c.code.to_lowercase()).map(|x| x.code),
                Some(c.code)
            );
        }
    }
}
