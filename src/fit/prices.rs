//! `--prices FILE`: what one GPU of each type costs per hour, from the user
//! (memmath ships no prices: they differ per provider and change weekly).
//!
//! ```toml
//! currency = "USD"          # optional label printed with the costs
//! h100-sxm-80gb = 2.49      # catalogue id = price per GPU per hour
//! h200-141gb = 3.50
//! ```
//!
//! Validated as strictly as a spec: every key is a catalogue GPU id (a typo
//! gets a did-you-mean), every price a finite number from 0 to 1,000,000,
//! `currency` a short string; each error names its line and column.

use crate::catalog::gpus;
use crate::text;
use std::collections::BTreeMap;
use toml::Spanned;

/// A price per GPU-hour above this is a typo (the dearest accelerator rents
/// for tens per hour).
const MAX_PRICE: f64 = 1_000_000.0;
/// Longest `currency` label.
const MAX_CURRENCY_CHARS: usize = 16;

/// Prices per GPU-hour by catalogue id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prices {
    pub currency: Option<String>,
    by_id: BTreeMap<String, f64>,
}

impl Prices {
    /// The price of one GPU of catalogue id `id` for one hour.
    pub fn per_gpu_hour(&self, id: &str) -> Option<f64> {
        self.by_id.get(id).copied()
    }

    /// Catalogue ids with a price.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }
}

/// Parse a price file. Errors read `line L, column C: message`.
pub fn parse(text: &str) -> Result<Prices, String> {
    let table: BTreeMap<Spanned<String>, Spanned<toml::Value>> =
        toml::from_str(text).map_err(|e| match e.span() {
            Some(span) => format!("{}: {}", location(text, span.start), e.message().trim_end()),
            None => e.message().trim_end().to_string(),
        })?;
    let catalog = gpus::gpus()?;
    let mut prices = Prices::default();
    for (key, value) in &table {
        let at = |offset: usize, msg: String| format!("{}: {msg}", location(text, offset));
        let name = key.get_ref().as_str();
        if name == "currency" {
            match value.get_ref() {
                toml::Value::String(s)
                    if !s.trim().is_empty()
                        && s.chars().count() <= MAX_CURRENCY_CHARS
                        && s.chars().all(|c| !c.is_control()) =>
                {
                    prices.currency = Some(s.trim().to_string());
                }
                _ => {
                    return Err(at(
                        value.span().start,
                        format!("`currency` must be a label of 1 to {MAX_CURRENCY_CHARS} characters, such as \"USD\""),
                    ))
                }
            }
            continue;
        }
        let Some(gpu) = gpus::find(catalog, name) else {
            let hint = text::did_you_mean_hint(name, catalog.iter().map(|g| g.entry.id.as_str()))
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(at(
                key.span().start,
                format!("`{name}` is not a catalogue GPU id{hint}; `memmath catalog gpus` lists the ids"),
            ));
        };
        let price = match value.get_ref() {
            toml::Value::Float(f) => *f,
            toml::Value::Integer(i) => *i as f64,
            other => {
                return Err(at(
                    value.span().start,
                    format!(
                        "the price of `{name}` must be a number (per GPU per hour), not a {}",
                        other.type_str()
                    ),
                ))
            }
        };
        if !price.is_finite() || !(0.0..=MAX_PRICE).contains(&price) {
            return Err(at(
                value.span().start,
                format!("the price of `{name}` must be a finite number from 0 to {MAX_PRICE} per GPU per hour, not {price}"),
            ));
        }
        // Aliases resolve to one id; two keys naming one GPU is a mistake.
        let id = gpu.entry.id.clone();
        if prices.by_id.insert(id.clone(), price).is_some() {
            return Err(at(
                key.span().start,
                format!("`{name}` names `{id}`, which already has a price"),
            ));
        }
    }
    if prices.by_id.is_empty() {
        return Err(
            "the price file lists no GPU (write `h100-sxm-80gb = 2.49`, one catalogue id per line)"
                .to_string(),
        );
    }
    Ok(prices)
}

/// `line L, column C` (1-based, column in characters) of byte `offset`.
fn location(text: &str, offset: usize) -> String {
    let mut start = offset.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_prices_and_currency() {
        let p = parse("currency = \"EUR\"\nh100-sxm-80gb = 2.5\nl4-24gb = 1\n").unwrap();
        assert_eq!(p.per_gpu_hour("h100-sxm-80gb"), Some(2.5));
        assert_eq!(p.per_gpu_hour("l4-24gb"), Some(1.0));
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        assert_eq!(p.per_gpu_hour("h200-141gb"), None);
    }

    #[test]
    fn errors_are_located() {
        let e = parse("h100-sxm-80gb = 2.5\nh100-sxm = 3\n").unwrap_err();
        assert!(e.starts_with("line 2, column 1:"), "{e}");
        assert!(e.contains("did you mean `h100-sxm-80gb`"), "{e}");
        let e = parse("h100-sxm-80gb = -1\n").unwrap_err();
        assert!(e.starts_with("line 1, column 17:"), "{e}");
        let e = parse("h100-sxm-80gb = nan\n").unwrap_err();
        assert!(e.contains("finite"), "{e}");
        let e = parse("h100-sxm-80gb = \"2.5\"\n").unwrap_err();
        assert!(e.contains("must be a number"), "{e}");
        let e = parse("h100-sxm-80gb = 1\nh100-sxm-80gb = 2\n").unwrap_err();
        assert!(e.starts_with("line 2"), "{e}");
        assert!(parse("").unwrap_err().contains("lists no GPU"));
        assert!(parse("currency = 3\nl4-24gb = 1")
            .unwrap_err()
            .contains("currency"));
        let e = parse("[gpus]\nl4-24gb = 1\n").unwrap_err();
        assert!(e.contains("`gpus` is not a catalogue GPU id"), "{e}");
    }
}
