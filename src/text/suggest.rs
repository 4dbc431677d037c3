//! "Did you mean ...?": the closest known words to a misspelled one. One
//! metric for every suggestion the tool makes (schema fields and enum values,
//! catalogue ids, codes and rule names): Jaro-Winkler similarity on lower-cased
//! text, which rewards a shared prefix (`h100-sxm` -> `h100-sxm-80gb`) and
//! forgives a swapped pair (`kv_haeds` -> `kv_heads`).

/// How similar a candidate must be to be suggested (Jaro-Winkler, 0..=1).
const THRESHOLD: f64 = 0.8;

/// Up to `max` candidates closest to `word`, best first; ties go to the
/// alphabetically first candidate so output is stable.
pub fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let needle = word.to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&needle, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(max).map(|(_, c)| c).collect()
}

/// The one candidate closest to `word`, if any is close enough.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    nearest(word, candidates, 1).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_transpositions_typos_and_prefixes() {
        let keys = ["layers", "kv_heads", "head_dim", "hidden_size"];
        assert_eq!(did_you_mean("kv_haeds", keys), Some("kv_heads"));
        assert_eq!(did_you_mean("layer", keys), Some("layers"));
        assert_eq!(did_you_mean("hiddensize", keys), Some("hidden_size"));
        assert_eq!(did_you_mean("completely_else", keys), None);
        assert_eq!(did_you_mean("FP8", ["fp8", "int8"]), Some("fp8"));
        let ids = [
            "h100-sxm-80gb",
            "h100-pcie-80gb",
            "a100-sxm-80gb",
            "t4-16gb",
        ];
        assert_eq!(nearest("h100-sxm", ids, 3).first(), Some(&"h100-sxm-80gb"));
        assert!(nearest("zzzzzz", ids, 3).is_empty());
        assert_eq!(did_you_mean("MEM03", ["MEM003", "MEM001"]), Some("MEM003"));
        assert_eq!(did_you_mean("MEM01", ["MEM001", "MEM003"]), Some("MEM001"));
    }
}
