//! GPU names as serving configs write them -> catalogue ids: GPU feature
//! discovery's `nvidia.com/gpu.product` label, GKE's
//! `cloud.google.com/gke-accelerator`, cloud instance types, kubeai resource
//! profiles and Karpenter's `karpenter.k8s.aws/instance-gpu-name`. Names the
//! catalogue already knows (`NVIDIA-H100-80GB-HBM3` is the NVML name with
//! dashes) go through `catalog::gpus::match_name`; the table below holds the
//! names that are not NVML names. An unknown or ambiguous name maps to
//! nothing: guessing between an SXM and a PCIe part would change the math.

use crate::catalog::gpus;

/// (label or instance type, lower case; catalogue id; GPUs per instance or 0; source).
const ALIASES: &[(&str, &str, u64, &str)] = &[
    // GKE accelerator label values (cloud.google.com/gke-accelerator),
    // https://cloud.google.com/kubernetes-engine/docs/how-to/gpus
    ("nvidia-tesla-t4", "t4-16gb", 0, GKE),
    ("nvidia-l4", "l4-24gb", 0, GKE),
    ("nvidia-tesla-a100", "a100-sxm-40gb", 0, GKE),
    ("nvidia-a100-80gb", "a100-sxm-80gb", 0, GKE),
    ("nvidia-h100-80gb", "h100-sxm-80gb", 0, GKE),
    ("nvidia-h100-mega-80gb", "h100-sxm-80gb", 0, GKE),
    ("nvidia-h200-141gb", "h200-141gb", 0, GKE),
    ("nvidia-b200", "b200-180gb", 0, GKE),
    ("nvidia-tesla-v100", "v100-16gb", 0, GKE),
    ("nvidia-rtx-pro-6000", "rtx-pro-6000-96gb", 0, GKE),
    // AWS instance types, https://aws.amazon.com/ec2/instance-types/ (accelerated computing)
    ("p4d.24xlarge", "a100-sxm-40gb", 8, AWS),
    ("p4de.24xlarge", "a100-sxm-80gb", 8, AWS),
    ("p5.48xlarge", "h100-sxm-80gb", 8, AWS),
    ("p5e.48xlarge", "h200-141gb", 8, AWS),
    ("p5en.48xlarge", "h200-141gb", 8, AWS),
    ("p6-b200.48xlarge", "b200-180gb", 8, AWS),
    ("g5.xlarge", "a10g-24gb", 1, AWS),
    ("g5.2xlarge", "a10g-24gb", 1, AWS),
    ("g5.4xlarge", "a10g-24gb", 1, AWS),
    ("g5.8xlarge", "a10g-24gb", 1, AWS),
    ("g5.12xlarge", "a10g-24gb", 4, AWS),
    ("g5.16xlarge", "a10g-24gb", 1, AWS),
    ("g5.24xlarge", "a10g-24gb", 4, AWS),
    ("g5.48xlarge", "a10g-24gb", 8, AWS),
    ("g6.xlarge", "l4-24gb", 1, AWS),
    ("g6.2xlarge", "l4-24gb", 1, AWS),
    ("g6.12xlarge", "l4-24gb", 4, AWS),
    ("g6.48xlarge", "l4-24gb", 8, AWS),
    ("g6e.xlarge", "l40s-48gb", 1, AWS),
    ("g6e.2xlarge", "l40s-48gb", 1, AWS),
    ("g6e.12xlarge", "l40s-48gb", 4, AWS),
    ("g6e.48xlarge", "l40s-48gb", 8, AWS),
    ("g4dn.xlarge", "t4-16gb", 1, AWS),
    ("g4dn.12xlarge", "t4-16gb", 4, AWS),
    ("p3.2xlarge", "v100-16gb", 1, AWS),
    ("p3.8xlarge", "v100-16gb", 4, AWS),
    ("p3.16xlarge", "v100-16gb", 8, AWS),
    ("p3dn.24xlarge", "v100-32gb", 8, AWS),
    // Google Cloud machine types, https://cloud.google.com/compute/docs/gpus
    ("a2-highgpu-1g", "a100-sxm-40gb", 1, GCE),
    ("a2-highgpu-2g", "a100-sxm-40gb", 2, GCE),
    ("a2-highgpu-4g", "a100-sxm-40gb", 4, GCE),
    ("a2-highgpu-8g", "a100-sxm-40gb", 8, GCE),
    ("a2-ultragpu-1g", "a100-sxm-80gb", 1, GCE),
    ("a2-ultragpu-8g", "a100-sxm-80gb", 8, GCE),
    ("a3-highgpu-8g", "h100-sxm-80gb", 8, GCE),
    ("a3-megagpu-8g", "h100-sxm-80gb", 8, GCE),
    ("a3-ultragpu-8g", "h200-141gb", 8, GCE),
    ("g2-standard-4", "l4-24gb", 1, GCE),
    ("g2-standard-8", "l4-24gb", 1, GCE),
    ("g2-standard-24", "l4-24gb", 2, GCE),
    ("g2-standard-48", "l4-24gb", 4, GCE),
    ("g2-standard-96", "l4-24gb", 8, GCE),
    // Azure VM sizes, https://learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated/
    ("standard_nd96asr_v4", "a100-sxm-40gb", 8, AZURE),
    ("standard_nd96amsr_a100_v4", "a100-sxm-80gb", 8, AZURE),
    ("standard_nd96isr_h100_v5", "h100-sxm-80gb", 8, AZURE),
    ("standard_nd96isr_h200_v5", "h200-141gb", 8, AZURE),
    ("standard_nc24ads_a100_v4", "a100-pcie-80gb", 1, AZURE),
    ("standard_nc40ads_h100_v5", "h100-nvl-94gb", 1, AZURE),
    // kubeai resource profiles (charts/kubeai/values.yaml `resourceProfiles`),
    // https://github.com/substratusai/kubeai
    ("nvidia-gpu-l4", "l4-24gb", 0, KUBEAI),
    ("nvidia-gpu-h100", "h100-sxm-80gb", 0, KUBEAI),
    ("nvidia-gpu-h200", "h200-141gb", 0, KUBEAI),
    ("nvidia-gpu-a100-80gb", "a100-sxm-80gb", 0, KUBEAI),
    ("nvidia-gpu-a100-40gb", "a100-sxm-40gb", 0, KUBEAI),
    ("nvidia-gpu-l40s", "l40s-48gb", 0, KUBEAI),
    ("nvidia-gpu-a10", "a10-24gb", 0, KUBEAI),
    ("nvidia-gpu-gh200", "gh200-96gb", 0, KUBEAI),
    ("nvidia-gpu-rtx4090", "rtx-4090-24gb", 0, KUBEAI),
    ("amd-gpu-mi300x", "mi300x-192gb", 0, KUBEAI),
    // Karpenter's GPU name label (karpenter.k8s.aws/instance-gpu-name).
    ("a10g", "a10g-24gb", 0, KARPENTER),
    ("l40s", "l40s-48gb", 0, KARPENTER),
    ("t4", "t4-16gb", 0, KARPENTER),
];

const GKE: &str = "https://cloud.google.com/kubernetes-engine/docs/how-to/gpus";
const AWS: &str = "https://aws.amazon.com/ec2/instance-types/";
const GCE: &str = "https://cloud.google.com/compute/docs/gpus";
const AZURE: &str = "https://learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated/";
const KUBEAI: &str =
    "kubeai charts/kubeai/values.yaml resourceProfiles, https://github.com/substratusai/kubeai";
const KARPENTER: &str = "https://karpenter.sh/docs/reference/instance-types/";

/// A catalogue GPU for a name a serving config wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuMatch {
    pub id: String,
    /// GPUs per instance when the name is an instance type.
    pub per_instance: Option<u64>,
    /// Where the mapping comes from.
    pub source: String,
}

/// The catalogue GPU `name` stands for, or None.
pub fn lookup(name: &str) -> Option<GpuMatch> {
    let lower = name.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    if let Some((_, id, n, src)) = ALIASES.iter().find(|(a, ..)| *a == lower) {
        return Some(GpuMatch {
            id: (*id).to_string(),
            per_instance: (*n > 0).then_some(*n),
            source: (*src).to_string(),
        });
    }
    // GPU feature discovery writes the NVML name with dashes
    // (`NVIDIA-A100-SXM4-80GB`); the catalogue matches NVML names and aliases.
    let catalog = gpus::gpus().ok()?;
    let spaced = name.replace('-', " ");
    gpus::match_name(catalog, &spaced)
        .or_else(|| gpus::find(catalog, name))
        .map(|g| GpuMatch {
            id: g.entry.id.clone(),
            per_instance: None,
            source: "the catalogue's GPU names (catalog/gpus.yaml)".to_string(),
        })
}

/// A MIG slice resource or label (`nvidia.com/mig-1g.10gb`,
/// `NVIDIA-A100-SXM4-40GB-MIG-3g.20gb`): the profile, when the name is one.
pub fn mig_profile(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let at = lower.find("mig-")?;
    let profile = &lower[at + 4..];
    (profile.contains('g') && profile.contains('.')).then(|| profile.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_instance_types_and_profiles_map() {
        assert_eq!(lookup("nvidia-l4").map(|m| m.id), Some("l4-24gb".into()));
        assert_eq!(
            lookup("NVIDIA-H100-80GB-HBM3").map(|m| m.id),
            Some("h100-sxm-80gb".into())
        );
        assert_eq!(
            lookup("NVIDIA-A100-SXM4-80GB").map(|m| m.id),
            Some("a100-sxm-80gb".into())
        );
        let p5 = lookup("p5.48xlarge").unwrap();
        assert_eq!(
            (p5.id.as_str(), p5.per_instance),
            ("h100-sxm-80gb", Some(8))
        );
        assert_eq!(
            lookup("nvidia-gpu-l4").map(|m| m.id),
            Some("l4-24gb".into())
        );
        assert_eq!(
            lookup("Standard_ND96isr_H100_v5").map(|m| m.id),
            Some("h100-sxm-80gb".into())
        );
        assert_eq!(lookup("mystery-gpu"), None);
        assert_eq!(
            mig_profile("nvidia.com/mig-1g.10gb"),
            Some("1g.10gb".into())
        );
        assert_eq!(mig_profile("nvidia.com/gpu"), None);
    }

    #[test]
    fn every_alias_names_a_catalogue_gpu() {
        let catalog = gpus::gpus().unwrap_or_default();
        for (alias, id, _, _) in ALIASES {
            assert!(
                gpus::find(catalog, id).is_some(),
                "{alias} -> {id} is not in catalog/gpus.yaml"
            );
        }
    }
}
