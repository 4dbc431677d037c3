//! "Did you mean ...?": the closest allowed word to a misspelled one.

/// The candidate closest to `word` by Damerau-Levenshtein distance (a swapped
/// pair of letters counts once, so `kv_haeds` -> `kv_heads`), if it is close
/// enough to be a plausible typo: at most a third of the word's length, min 1.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|&(d, _)| d <= limit)
        // Ties go to the alphabetically first candidate, so output is stable.
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_transpositions_and_typos() {
        let keys = ["layers", "kv_heads", "head_dim", "hidden_size"];
        assert_eq!(did_you_mean("kv_haeds", keys), Some("kv_heads"));
        assert_eq!(did_you_mean("layer", keys), Some("layers"));
        assert_eq!(did_you_mean("hiddensize", keys), Some("hidden_size"));
        assert_eq!(did_you_mean("completely_else", keys), None);
        assert_eq!(did_you_mean("FP8", ["fp8", "int8"]), Some("fp8"));
    }
}
