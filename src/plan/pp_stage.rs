//! The pipeline stage whose KV cache sizes vLLM's pool.
//!
//! Under pipeline parallelism each worker profiles its own stage
//! (`determine_available_memory`, vllm/v1/worker/gpu_worker.py) and sizes a
//! cache for its own layers (`get_kv_cache_config`); the engine core then gives
//! every worker the smallest block count among them (`unify_kv_cache_configs`,
//! vllm/v1/core/kv_cache_utils.py, read at 0.9.2; step 5 of
//! `get_kv_cache_configs` at 0.19.0: "Change the num_blocks of each worker to
//! the smallest among all workers"). Stages differ in weights (embeddings on
//! the first, final norm and lm_head on the last, the remainder layers on the
//! ones before the last, `get_pp_indices`), in their layers' KV bytes per
//! token, and in the profile run's peak: only the last stage runs the sampler
//! warm-up (`profile_run` calls `_dummy_sampler_run` only
//! `if get_pp_group().is_last_rank`, vllm/v1/worker/gpu_model_runner.py at
//! 0.9.2 and 0.19.0). So the stage that sizes the pool is the one with the
//! fewest blocks, which need not be the one with the most weights.

/// One pipeline stage's figures on one of its GPUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageKv {
    pub stage: u64,
    /// Budget - weights - activation peak - non-torch on this stage (may be
    /// negative: the stage does not fit).
    pub kv_bytes: i64,
    /// Bytes of one block of this stage's layers (block size x KV bytes per
    /// token of its layers).
    pub block_bytes: u64,
}

impl StageKv {
    /// vLLM's `get_num_blocks`: whole blocks of the memory left, none when
    /// nothing is left; `None` for a stage without KV layers (more stages
    /// than layers), which bounds nothing.
    pub fn blocks(&self) -> Option<u64> {
        let left = u64::try_from(self.kv_bytes).unwrap_or(0);
        left.checked_div(self.block_bytes)
    }
}

/// Index of the stage with the fewest blocks among those with KV layers; on
/// a tie the earlier entry (callers list the most-loaded stage first).
/// `None` when no stage holds KV layers.
pub fn fewest_blocks(stages: &[StageKv]) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, s) in stages.iter().enumerate() {
        let Some(b) = s.blocks() else { continue };
        if best.is_none_or(|(_, bb)| b < bb) {
            best = Some((i, b));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: i64 = 1 << 30;

    /// DeepSeek-V2-Lite at TP 2 x PP 2 (27 layers: 14 on stage 0, 13 on
    /// stage 1; MLA's 576 bf16 latent per layer and token, 1,152 B; block 16):
    /// stage 0 block = 16 x 14 x 1,152 = 258,048 B, stage 1 = 16 x 13 x 1,152
    /// = 239,616 B. With 10 GiB left on stage 0 and 9.5 GiB on stage 1 (the
    /// sampler warm-up runs there): 10,737,418,240 / 258,048 = 41,610 blocks
    /// (41,610.2), 10,200,547,328 / 239,616 = 42,570 blocks (42,570.3):
    /// stage 0 sizes the pool although stage 1 has less memory left.
    #[test]
    fn fewest_blocks_not_least_memory_by_hand() {
        let s = [
            StageKv {
                stage: 0,
                kv_bytes: 10 * GIB,
                block_bytes: 258_048,
            },
            StageKv {
                stage: 1,
                kv_bytes: 19 * GIB / 2,
                block_bytes: 239_616,
            },
        ];
        assert_eq!(s[0].blocks(), Some(41_610));
        assert_eq!(s[1].blocks(), Some(42_570));
        assert_eq!(fewest_blocks(&s), Some(0));
    }

    /// A stage that does not fit has no blocks and sizes the pool; ties keep
    /// the first entry.
    #[test]
    fn negative_memory_and_ties() {
        let fits = StageKv {
            stage: 0,
            kv_bytes: GIB,
            block_bytes: 1 << 20,
        };
        let short = StageKv {
            stage: 1,
            kv_bytes: -GIB,
            block_bytes: 1 << 20,
        };
        assert_eq!(short.blocks(), Some(0));
        assert_eq!(fewest_blocks(&[fits, short]), Some(1));
        assert_eq!(fewest_blocks(&[fits, fits]), Some(0));
        assert_eq!(fewest_blocks(&[]), None);
        // A stage without layers (2 layers over 3 stages) bounds nothing.
        let empty = StageKv {
            stage: 2,
            kv_bytes: GIB,
            block_bytes: 0,
        };
        assert_eq!(empty.blocks(), None);
        assert_eq!(fewest_blocks(&[empty, fits]), Some(1));
        assert_eq!(fewest_blocks(&[empty]), None);
    }
}
