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

/// The one wording of a suggestion: "did you mean `a`?" (or "`a`, `b`?" for
/// several), None when there is nothing to suggest. Messages append it in
/// parentheses; a finding's fix is the hint itself.
pub fn hint(found: &[&str]) -> Option<String> {
    if found.is_empty() {
        return None;
    }
    let list: Vec<String> = found.iter().map(|c| format!("`{c}`")).collect();
    Some(format!("did you mean {}?", list.join(", ")))
}

/// [`hint`] for the one candidate closest to `word`.
pub fn did_you_mean_hint<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    did_you_mean(word, candidates).and_then(|c| hint(&[c]))
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

    #[test]
    fn one_hint_wording_for_one_or_several_candidates() {
        assert_eq!(hint(&[]), None);
        assert_eq!(hint(&["vllm"]).as_deref(), Some("did you mean `vllm`?"));
        assert_eq!(hint(&["a", "b"]).as_deref(), Some("did you mean `a`, `b`?"));
        assert_eq!(
            did_you_mean_hint("kv_haeds", ["kv_heads"]).as_deref(),
            Some("did you mean `kv_heads`?")
        );
        assert_eq!(did_you_mean_hint("zzz", ["kv_heads"]), None);
    }
}
