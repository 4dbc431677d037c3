//! GPU name normalisation for HW001: NVML says `NVIDIA H100 80GB HBM3` or
//! `NVIDIA A100-SXM4-80GB`, a catalogue or a spec says `H100 SXM 80GB`; both
//! must read as the same GPU, and `H100 PCIe` must not.
//!
//! A name is reduced to a family (`h100`, `a100`, `rtx4090`, `gh200`), an
//! optional memory size (`80gb`) and an optional form factor (`sxm`, `pcie`,
//! `nvl`). Two names match when the families are equal and the size and form
//! factor agree wherever both names state them: NVML's H100 SXM name says
//! `HBM3`, not `SXM`, so an absent part never causes a mismatch.

use serde::Serialize;

/// Vendor and product-line words that carry no identity.
const NOISE: &[&str] = &["nvidia", "tesla", "geforce", "quadro", "generation"];

/// The parts of a GPU name that identify the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NormalizedGpuName {
    pub family: String,
    /// `80gb`, `40gb`, `141gb`.
    pub memory: Option<String>,
    /// `sxm`, `pcie` or `nvl`.
    pub form_factor: Option<String>,
}

/// Reduce a GPU name to its identifying parts.
pub fn normalize_gpu_name(name: &str) -> NormalizedGpuName {
    let lower = name.to_ascii_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty() && !NOISE.contains(t))
        .collect();
    let mut family = String::new();
    let mut memory = None;
    let mut form_factor = None;
    let mut family_done = false;
    for t in &tokens {
        if let Some(m) = memory_token(t) {
            memory.get_or_insert(m);
        } else if let Some(ff) = form_factor_of(t) {
            form_factor.get_or_insert_with(|| ff.to_string());
        } else if !family_done {
            // The family ends at the first word with a digit: `rtx` + `4090`,
            // `h100`, `a10g`; words after it (`hbm3`, `ada`) are variants.
            family.push_str(t);
            family_done = t.chars().any(|c| c.is_ascii_digit());
        }
    }
    NormalizedGpuName {
        family,
        memory,
        form_factor,
    }
}

/// Strict comparison, for a catalogue GPU (whose `name` is NVML's own name):
/// family, memory size and form factor must all be equal, so the catalogue's
/// `NVIDIA H100 80GB HBM3` (SXM) does not match a device `NVIDIA H100 NVL`.
pub fn gpu_names_equal(a: &str, b: &str) -> bool {
    let (a, b) = (normalize_gpu_name(a), normalize_gpu_name(b));
    !a.family.is_empty() && a == b
}

/// Lenient comparison, for a name a user wrote (an inline GPU): the families
/// are equal and size and form factor agree wherever both names state them.
pub fn gpu_names_match(a: &str, b: &str) -> bool {
    let (a, b) = (normalize_gpu_name(a), normalize_gpu_name(b));
    let agree = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    !a.family.is_empty()
        && a.family == b.family
        && agree(&a.memory, &b.memory)
        && agree(&a.form_factor, &b.form_factor)
}

/// `80gb`, `141gb` (NVML never prints GiB in names), or `144g` (GH200's
/// `144G HBM3e`), normalised to `NNNgb`.
fn memory_token(t: &str) -> Option<String> {
    let digits = t.strip_suffix("gb").or_else(|| t.strip_suffix('g'))?;
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{digits}gb"))
}

/// `sxm4` and `sxm5` are both SXM; `pcie` and `nvl` as written.
fn form_factor_of(t: &str) -> Option<&'static str> {
    if t == "sxm" || (t.starts_with("sxm") && t[3..].chars().all(|c| c.is_ascii_digit())) {
        Some("sxm")
    } else if t == "pcie" {
        Some("pcie")
    } else if t == "nvl" {
        Some("nvl")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nvml_and_catalogue_spellings_match() {
        assert!(gpu_names_match("NVIDIA H100 80GB HBM3", "H100 SXM 80GB"));
        assert!(gpu_names_match("NVIDIA A100-SXM4-80GB", "A100 SXM 80GB"));
        assert!(gpu_names_match("NVIDIA A100 80GB PCIe", "a100-pcie-80gb"));
        assert!(gpu_names_match("NVIDIA GeForce RTX 4090", "RTX 4090"));
        assert!(gpu_names_match("NVIDIA H200", "H200 SXM 141GB"));
        assert!(gpu_names_match("Tesla V100-SXM2-32GB", "V100 32GB"));
    }

    #[test]
    fn different_models_do_not_match() {
        assert!(!gpu_names_match("NVIDIA H100 PCIe", "H100 SXM 80GB"));
        assert!(!gpu_names_match("NVIDIA A100-SXM4-40GB", "A100 SXM 80GB"));
        assert!(!gpu_names_match("NVIDIA GH200 480GB", "H100 SXM 80GB"));
        assert!(!gpu_names_match("NVIDIA H100 NVL", "H100 PCIe"));
        assert!(!gpu_names_match("NVIDIA L40S", "L40"));
        assert!(!gpu_names_match("", ""));
    }

    #[test]
    fn strict_comparison_for_catalogue_names() {
        assert!(gpu_names_equal(
            "NVIDIA H100 80GB HBM3",
            "NVIDIA H100 80GB HBM3"
        ));
        assert!(gpu_names_equal(
            "NVIDIA A100-SXM4-80GB",
            "nvidia a100 sxm4 80gb"
        ));
        assert!(!gpu_names_equal("NVIDIA H100 80GB HBM3", "NVIDIA H100 NVL"));
        assert!(!gpu_names_equal("NVIDIA H200", "NVIDIA H200 NVL"));
        assert!(!gpu_names_equal(
            "NVIDIA GH200 480GB",
            "NVIDIA GH200 144G HBM3e"
        ));
        assert!(!gpu_names_equal(
            "NVIDIA RTX 6000 Ada Generation",
            "NVIDIA RTX PRO 6000 Blackwell Server Edition"
        ));
        assert!(!gpu_names_equal("", ""));
    }

    #[test]
    fn family_joins_leading_words() {
        let n = normalize_gpu_name("NVIDIA RTX 6000 Ada Generation");
        assert_eq!(n.family, "rtx6000");
        assert_eq!(n.memory, None);
    }
}
