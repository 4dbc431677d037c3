//! "Did you mean" suggestions for unknown catalogue ids, through the one
//! suggestion helper ([`crate::text::nearest`]).

/// Up to three candidates closest to `input`, best first.
pub fn nearest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    crate::text::nearest(input, candidates, 3)
}

/// "; did you mean `a`, `b`?" in the one hint wording ([`crate::text::hint`]),
/// or an empty string. A clause after the message, which may already end in a
/// parenthesis (`unknown GPU id `x` (`x` is the name of `y`)`).
pub fn did_you_mean(found: &[&str]) -> String {
    crate::text::hint(found).map_or_else(String::new, |h| format!("; {h}"))
}
