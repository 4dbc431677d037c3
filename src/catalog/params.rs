//! Parameter count from an architecture, for checking catalogue entries against
//! their publishers' counts and for listing a count when none is published.
//!
//! The formula lives in one place, `plan::weights::count` (per-layer terms and
//! sources are documented there); this is the catalogue's view of it.

use super::Architecture;

/// Parameters computed from the architecture, or `None` when the numbers
/// overflow u64 (absurd input).
pub fn estimate(a: &Architecture) -> Option<u64> {
    crate::plan::weights::count(a).ok().map(|c| c.total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_none_not_a_panic() {
        let a = Architecture {
            layers: u64::MAX,
            hidden_size: u64::MAX,
            intermediate_size: u64::MAX,
            attention_heads: 1,
            kv_heads: 1,
            head_dim: u64::MAX,
            vocab_size: u64::MAX,
            ..crate::catalog::llama_3_1_8b()
        };
        assert_eq!(estimate(&a), None);
    }
}
