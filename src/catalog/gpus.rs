//! The built-in GPU catalogue (`catalog/gpus.yaml`, embedded at build time):
//! lookup by id, and matching an inline GPU to an entry by its name.

use super::GpuInfo;
use crate::units::{parse_size, Bytes};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// catalog/gpus.yaml, converted to JSON by build.rs (parsing YAML at every
/// start would cost milliseconds; JSON takes microseconds).
const GPUS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/gpus.json"));

/// How the CUDA-visible figure was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemoryBasis {
    /// A public log of that card shows the figure.
    Measured,
    /// Computed from a sibling part or NVML total, as the entry's source says.
    Derived,
}

/// How a derived CUDA-visible figure was computed (docs/catalog.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Derivation {
    /// The card's NVML total minus the reservation observed on measured parts.
    NvmlMinusReserve,
    /// No NVML figure: the marketing size in GiB minus the reservation.
    MarketingMinusReserve,
    /// The marketing size times a sibling part's measured CUDA/marketing ratio.
    SiblingRatio,
    /// Another card with the same memory was measured (or a log that does not
    /// say which variant); its figure is used.
    SiblingMeasurement,
    /// A figure reported without a public log of the exact part.
    Reported,
}

impl Derivation {
    /// How the plan's assumptions and `catalog gpus` describe it.
    pub fn describe(self) -> &'static str {
        match self {
            Derivation::NvmlMinusReserve => "NVML total minus reserve",
            Derivation::MarketingMinusReserve => "marketing size minus reserve",
            Derivation::SiblingRatio => "scaled from a sibling part",
            Derivation::SiblingMeasurement => "a sibling card's measurement",
            Derivation::Reported => "a reported figure without a public log",
        }
    }
}

/// One catalogue entry as written in gpus.yaml.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GpuEntry {
    pub id: String,
    /// The name NVML / nvidia-smi reports.
    pub name: String,
    /// Other names users write (`H100 SXM`); matched case- and punctuation-insensitively.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub vendor: String,
    pub architecture: String,
    pub compute_capability: String,
    pub marketing_memory: String,
    /// CUDA-visible total, with a unit (`79.11GiB`).
    pub memory: String,
    pub memory_basis: MemoryBasis,
    /// How a derived `memory` was computed; required for `derived`, absent
    /// for `measured`.
    #[serde(default)]
    pub derivation: Option<Derivation>,
    /// NVML total, with a unit (`81559MiB`), where published.
    pub nvml_memory: Option<String>,
    pub fp8: bool,
    pub fp4: bool,
    pub source: String,
}

/// A loaded entry: the YAML plus its sizes in bytes.
#[derive(Clone, Debug)]
pub struct Gpu {
    pub entry: GpuEntry,
    pub memory_bytes: Bytes,
    pub nvml_memory_bytes: Option<Bytes>,
}

impl Gpu {
    pub fn info(&self) -> GpuInfo {
        let e = &self.entry;
        GpuInfo {
            id: e.id.clone(),
            name: e.name.clone(),
            memory_bytes: self.memory_bytes,
            nvml_memory_bytes: self.nvml_memory_bytes,
            marketing_memory: Some(e.marketing_memory.clone()),
            compute_capability: Some(e.compute_capability.clone()),
            architecture: Some(e.architecture.clone()),
            fp8: Some(e.fp8),
            fp4: Some(e.fp4),
            source: Some(e.source.clone()),
        }
    }
}

/// Parse gpus.yaml text (exposed for tests of the loader itself).
pub fn parse_catalog(text: &str) -> Result<Vec<Gpu>, String> {
    from_entries(serde_saphyr::from_str(text).map_err(|e| format!("gpus.yaml: {e}"))?)
}

fn from_entries(entries: Vec<GpuEntry>) -> Result<Vec<Gpu>, String> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        match (entry.memory_basis, entry.derivation) {
            (MemoryBasis::Measured, Some(_)) => {
                return Err(format!(
                    "gpus.yaml `{}`: a measured figure has no `derivation`",
                    entry.id
                ))
            }
            (MemoryBasis::Derived, None) => {
                return Err(format!(
                    "gpus.yaml `{}`: a derived figure needs `derivation` (how it was computed)",
                    entry.id
                ))
            }
            _ => {}
        }
        let memory_bytes =
            parse_size(&entry.memory).map_err(|e| format!("gpus.yaml `{}`: {e}", entry.id))?;
        let nvml_memory_bytes = match &entry.nvml_memory {
            Some(s) => Some(parse_size(s).map_err(|e| format!("gpus.yaml `{}`: {e}", entry.id))?),
            None => None,
        };
        out.push(Gpu {
            entry,
            memory_bytes,
            nvml_memory_bytes,
        });
    }
    Ok(out)
}

/// The embedded catalogue, parsed once. An error here is a bug in gpus.yaml,
/// which the catalogue tests catch before release.
pub fn gpus() -> Result<&'static [Gpu], String> {
    static CATALOG: OnceLock<Result<Vec<Gpu>, String>> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            from_entries(serde_json::from_str(GPUS_JSON).map_err(|e| format!("gpus.yaml: {e}"))?)
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// The entry with this id (exact, case-insensitive).
pub fn find<'a>(gpus: &'a [Gpu], id: &str) -> Option<&'a Gpu> {
    gpus.iter().find(|g| g.entry.id.eq_ignore_ascii_case(id))
}

/// Lowercase alphanumerics only, without vendor words, so `NVIDIA H100 80GB HBM3`,
/// `h100-80gb-hbm3` and `H100 80GB HBM3` compare equal.
pub fn normalize_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let mut words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.retain(|w| !matches!(*w, "nvidia" | "geforce" | "tesla" | "amd" | "instinct"));
    words.concat()
}

/// The entry whose id, NVML name or an alias equals `name` after
/// [`normalize_name`]. Exact matches only: a guess between an SXM and a PCIe
/// part would change the memory math silently.
pub fn match_name<'a>(gpus: &'a [Gpu], name: &str) -> Option<&'a Gpu> {
    let wanted = normalize_name(name);
    if wanted.is_empty() {
        return None;
    }
    gpus.iter().find(|g| {
        normalize_name(&g.entry.id) == wanted
            || normalize_name(&g.entry.name) == wanted
            || g.entry.aliases.iter().any(|a| normalize_name(a) == wanted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_loads() {
        let gpus = gpus().unwrap_or_default();
        assert!(gpus.len() >= 25, "only {} GPUs", gpus.len());
    }

    #[test]
    fn every_total_says_how_it_was_obtained() {
        let gpus = gpus().unwrap_or_default();
        let derived = gpus
            .iter()
            .filter(|g| g.entry.memory_basis == MemoryBasis::Derived)
            .count();
        assert!(derived >= 18, "{derived}");
        let entry = |basis: &str, derivation: &str| {
            format!(
                "- {{id: x, name: X, vendor: nvidia, architecture: a, compute_capability: \"9.0\", marketing_memory: 1 GB, memory: 1GiB, memory_basis: {basis}{derivation}, fp8: true, fp4: false, source: s}}"
            )
        };
        assert!(parse_catalog(&entry("derived", "")).is_err());
        assert!(parse_catalog(&entry("measured", ", derivation: sibling-ratio")).is_err());
        assert!(parse_catalog(&entry("derived", ", derivation: sibling-ratio")).is_ok());
        assert!(parse_catalog(&entry("measured", "")).is_ok());
    }

    /// "measured" is a claim a user can check: the CUDA figure of every
    /// measured entry cites a public log (owner/repo#N or a URL).
    #[test]
    fn every_measured_total_cites_a_public_log() {
        for g in gpus().unwrap_or_default() {
            let e = &g.entry;
            if e.memory_basis != MemoryBasis::Measured {
                continue;
            }
            let cuda = e
                .source
                .split(';')
                .find(|p| p.contains("CUDA"))
                .unwrap_or(&e.source);
            let cited = cuda.contains("https://")
                || cuda.split_whitespace().any(|w| {
                    w.split_once('#').is_some_and(|(repo, n)| {
                        repo.contains('/')
                            && n.trim_end_matches(|c: char| !c.is_ascii_digit())
                                .parse::<u64>()
                                .is_ok()
                    })
                });
            assert!(
                cited,
                "{}: measured, but its CUDA figure cites no public log: {cuda}",
                e.id
            );
        }
    }

    #[test]
    fn names_match_regardless_of_vendor_words_and_punctuation() {
        let gpus = gpus().unwrap_or_default();
        let id = |n: &str| match_name(gpus, n).map(|g| g.entry.id.as_str());
        assert_eq!(id("NVIDIA H100 80GB HBM3"), Some("h100-sxm-80gb"));
        assert_eq!(id("h100 sxm"), Some("h100-sxm-80gb"));
        assert_eq!(id("NVIDIA GeForce RTX 4090"), Some("rtx-4090-24gb"));
        assert_eq!(id("Tesla T4"), Some("t4-16gb"));
        assert_eq!(id("A100-SXM4-80GB"), Some("a100-sxm-80gb"));
        assert_eq!(id("some gpu"), None);
    }
}
