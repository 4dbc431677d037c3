//! "Did you mean" suggestions for unknown catalogue ids, through the one
//! suggestion helper ([`crate::text::nearest`]).

/// Up to three candidates closest to `input`, best first.
pub fn nearest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    crate::text::nearest(input, candidates, 3)
}

/// "; did you mean `a`, `b`?" or an empty string.
pub fn did_you_mean(found: &[&str]) -> String {
    if found.is_empty() {
        return String::new();
    }
    let list: Vec<String> = found.iter().map(|c| format!("`{c}`")).collect();
    format!("; did you mean {}?", list.join(", "))
}
