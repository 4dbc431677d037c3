//! "Did you mean" suggestions for unknown ids (Jaro-Winkler, like cargo's).

/// Up to three candidates closest to `input`, best first; ties broken by id so
/// the output is deterministic.
pub fn nearest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let needle = input.to_ascii_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&needle, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// "; did you mean `a`, `b`?" or an empty string.
pub fn did_you_mean(found: &[&str]) -> String {
    if found.is_empty() {
        return String::new();
    }
    let list: Vec<String> = found.iter().map(|c| format!("`{c}`")).collect();
    format!("; did you mean {}?", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_close_ids() {
        let ids = [
            "h100-sxm-80gb",
            "h100-pcie-80gb",
            "a100-sxm-80gb",
            "t4-16gb",
        ];
        let got = nearest("h100-sxm", ids);
        assert_eq!(got.first(), Some(&"h100-sxm-80gb"));
        assert!(nearest("zzzzzz", ids).is_empty());
    }
}
