//! The search space of `memmath fit`: the axes a layout may change and the
//! instance layouts (one engine instance's shape) they span. docs/fit.md
//! "Search space" says why each axis has the values it has.
//!
//! A layout's replica count is not an axis here: the search derives it per
//! instance layout (search.rs), because more replicas never help what more
//! memory per instance cannot.

use crate::catalog::{gpus, GpuInfo, Resolved, ResolvedWeights};
use crate::spec::{Kind, KvCacheDtype, Quantization, Spec, WeightDtype};
use crate::text;

/// Which GPU types to search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GpuChoice {
    /// The spec's own `hardware.gpu` (catalogue id or inline).
    Spec,
    /// These catalogue ids (`--gpus a,b`).
    List(Vec<String>),
    /// Every catalogue GPU (`--gpus all`).
    All,
}

/// What the search may change besides GPU type, parallel degrees and replicas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Allow {
    /// `serving.kv_cache_dtype: fp8`.
    pub kv_fp8: bool,
    /// A lower-bit weight format (fp8, int8, AWQ int4, NVFP4).
    pub quantize: bool,
    /// `serving.max_model_len` down to the longest class (never below it).
    pub max_model_len: bool,
}

/// One GPU type of the space.
#[derive(Clone, Debug, PartialEq)]
pub struct GpuOption {
    /// Catalogue id written into `hardware.gpu`; None keeps the spec's own
    /// (inline) GPU unchanged.
    pub id: Option<String>,
    pub info: GpuInfo,
}

/// One weight format of the space. Index 0 is always the spec's own.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightOption {
    pub weights: ResolvedWeights,
}

/// The axes of the space, each with the spec's own value first.
#[derive(Clone, Debug)]
pub struct Space {
    pub kind: Kind,
    pub gpus: Vec<GpuOption>,
    pub tensor: Vec<u64>,
    /// Pipeline degrees 1..=min(layers, max_gpus / tensor) are generated per
    /// tensor degree; this is the largest.
    pub max_pipeline: u64,
    /// Data-parallel degrees are 1 for dense serving models (replicas do
    /// the same job) and 1..=max for MoE models and training.
    pub data_search: bool,
    /// `[false]`, or `[false, true]` for MoE models.
    pub expert: Vec<bool>,
    pub kv_dtypes: Vec<Option<KvCacheDtype>>,
    pub weights: Vec<WeightOption>,
    pub max_model_lens: Vec<Option<u64>>,
    /// GPUs per node the layouts assume (the spec's, else 8).
    pub gpus_per_node: u64,
    pub max_gpus: u64,
}

/// One engine instance's shape plus the options; replicas are chosen by the
/// search. Fields index into [`Space`]'s axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceLayout {
    pub gpu: usize,
    pub weights: usize,
    pub kv: usize,
    pub max_model_len: usize,
    pub tensor: u64,
    pub pipeline: u64,
    pub data: u64,
    pub expert: bool,
}

impl InstanceLayout {
    /// GPUs of one replica: tensor x pipeline x data (design.md section 4b).
    pub fn gpus_per_replica(&self) -> u64 {
        self.tensor
            .saturating_mul(self.pipeline)
            .saturating_mul(self.data)
    }

    /// The same options (GPU type, weights, KV dtype, max_model_len).
    pub fn same_options(&self, other: &InstanceLayout) -> bool {
        (self.gpu, self.weights, self.kv, self.max_model_len)
            == (other.gpu, other.weights, other.kv, other.max_model_len)
    }
}

/// A complete layout: an instance layout and its replica count (1 for training).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Layout {
    pub instance: InstanceLayout,
    pub replicas: u64,
}

impl Layout {
    pub fn gpus(&self) -> u64 {
        self.instance
            .gpus_per_replica()
            .saturating_mul(self.replicas)
    }
}

/// Largest `--max-gpus` accepted: far past any deployment, and small enough
/// that every product of degrees stays exact in u64.
pub const MAX_GPUS_LIMIT: u64 = 4096;

/// Default `--max-gpus`: eight 8-GPU nodes, or the spec's own count when larger.
pub const DEFAULT_MAX_GPUS: u64 = 64;

/// Build the space for a spec. Errors are usage errors (unknown GPU id).
pub fn build(
    spec: &Spec,
    resolved: &Resolved,
    choice: &GpuChoice,
    allow: Allow,
    max_gpus: u64,
) -> Result<Space, String> {
    let a = &resolved.model.architecture;
    let gpus_per_node = spec.hardware.gpus_per_node.unwrap_or(8).max(1);
    let gpus = gpu_options(resolved, choice)?;
    // TP stays inside one node (across nodes it is PAR003's slow path; go
    // multi-node through pipeline parallelism), and must split the attention
    // heads and the KV heads evenly one way or the other (PAR001).
    let heads = a.attention_heads.max(1);
    let kv_heads = a.kv_heads.max(1);
    let tensor: Vec<u64> = (1..=gpus_per_node.min(max_gpus))
        .filter(|t| heads % t == 0 && (kv_heads % t == 0 || t % kv_heads == 0))
        .collect();
    let moe = a.moe.is_some();
    let serving = spec.kind == Kind::Serving;
    let kv_dtypes = kv_options(spec, allow);
    let weights = weight_options(resolved, allow);
    let max_model_lens = max_model_len_options(spec, allow);
    Ok(Space {
        kind: spec.kind,
        gpus,
        tensor,
        max_pipeline: a.layers.max(1).min(max_gpus),
        data_search: moe || !serving,
        expert: if moe && serving {
            vec![false, true]
        } else {
            vec![spec.parallelism.expert]
        },
        kv_dtypes,
        weights,
        max_model_lens,
        gpus_per_node,
        max_gpus,
    })
}

fn gpu_options(resolved: &Resolved, choice: &GpuChoice) -> Result<Vec<GpuOption>, String> {
    let catalog = gpus::gpus()?;
    let entry = |g: &gpus::Gpu| GpuOption {
        id: Some(g.entry.id.clone()),
        info: g.info(),
    };
    Ok(match choice {
        GpuChoice::Spec => vec![GpuOption {
            id: None,
            info: resolved.gpu.clone(),
        }],
        GpuChoice::All => catalog.iter().map(entry).collect(),
        GpuChoice::List(ids) => {
            let mut out: Vec<GpuOption> = Vec::new();
            for id in ids {
                let Some(g) = gpus::find(catalog, id) else {
                    let hint =
                        text::did_you_mean_hint(id, catalog.iter().map(|g| g.entry.id.as_str()))
                            .map(|h| format!(" ({h})"))
                            .unwrap_or_default();
                    return Err(format!(
                        "--gpus: unknown GPU id `{id}`{hint}; `memmath catalog gpus` lists the ids, `--gpus all` searches every one"
                    ));
                };
                if !out
                    .iter()
                    .any(|o| o.id.as_deref() == Some(g.entry.id.as_str()))
                {
                    out.push(entry(g));
                }
            }
            out
        }
    })
}

fn kv_options(spec: &Spec, allow: Allow) -> Vec<Option<KvCacheDtype>> {
    let own = spec.serving.as_ref().and_then(|s| s.kv_cache_dtype);
    let mut v = vec![own];
    let already_8bit = matches!(
        own,
        Some(
            KvCacheDtype::Fp8
                | KvCacheDtype::Fp8E4m3
                | KvCacheDtype::Fp8E5m2
                | KvCacheDtype::Fp8DsMla
                | KvCacheDtype::Int8
                | KvCacheDtype::Int4
        )
    );
    if allow.kv_fp8 && spec.kind == Kind::Serving && !already_8bit {
        v.push(Some(KvCacheDtype::Fp8));
    }
    v
}

/// The spec's weights, then (with `--allow quantize`) each published
/// lower-bit format with fewer bits per weight: fp8 and int8 W8A8 (per
/// channel), AWQ int4 (group 128, the AutoAWQ default), NVFP4 (16-element
/// blocks, fixed by the format). Whether the GPU runs a format is QNT002's
/// call, applied to every candidate like any rule.
fn weight_options(resolved: &Resolved, allow: Allow) -> Vec<WeightOption> {
    let own = resolved.model.weights.clone();
    let own_bits = own.dtype.bits();
    let mut v = vec![WeightOption {
        weights: own.clone(),
    }];
    if !allow.quantize {
        return v;
    }
    let formats = [
        (Quantization::Fp8, WeightDtype::Fp8, None),
        (Quantization::Int8, WeightDtype::Int8, None),
        (Quantization::Awq, WeightDtype::Int4, Some(128)),
        (Quantization::Nvfp4, WeightDtype::Nvfp4, None),
    ];
    for (quantization, dtype, group_size) in formats {
        if dtype.bits() < own_bits && quantization != own.quantization {
            v.push(WeightOption {
                weights: ResolvedWeights {
                    dtype,
                    quantization,
                    group_size,
                    unquantized: Vec::new(),
                },
            });
        }
    }
    v
}

/// The spec's max_model_len, then (with `--allow max-model-len`) the
/// smallest value that still takes the longest class (its tokens exactly)
/// and the next power of two above that (the round figure deployment guides
/// use), each only when below the spec's. Never below the longest class.
fn max_model_len_options(spec: &Spec, allow: Allow) -> Vec<Option<u64>> {
    let own = spec.serving.as_ref().and_then(|s| s.max_model_len);
    let mut v = vec![own];
    if !allow.max_model_len || spec.kind != Kind::Serving {
        return v;
    }
    let Some(longest) = longest_class_tokens(spec) else {
        return v;
    };
    let Some(own) = own else {
        return v;
    };
    for value in [longest.checked_next_power_of_two(), Some(longest)]
        .into_iter()
        .flatten()
    {
        if value < own && !v.contains(&Some(value)) {
            v.push(Some(value));
        }
    }
    v
}

/// Tokens per sequence of the longest class at the planning percentile
/// (prompt + output, design.md section 4b); None without sized classes.
pub fn longest_class_tokens(spec: &Spec) -> Option<u64> {
    let t = spec.traffic.as_ref()?;
    t.classes
        .iter()
        .filter_map(|c| {
            let p = c.prompt_tokens.at(t.plan_percentile)?;
            let o = c.output_tokens.at(t.plan_percentile)?;
            p.checked_add(o)
        })
        .max()
}

impl Space {
    /// Every instance layout of the space, in a fixed order (GPU, weights,
    /// KV dtype, max_model_len, tensor, pipeline, data, expert).
    pub fn instance_layouts(&self) -> Vec<InstanceLayout> {
        let mut out = Vec::new();
        for gpu in 0..self.gpus.len() {
            for weights in 0..self.weights.len() {
                for kv in 0..self.kv_dtypes.len() {
                    for max_model_len in 0..self.max_model_lens.len() {
                        self.shapes(&mut out, gpu, weights, kv, max_model_len);
                    }
                }
            }
        }
        out
    }

    fn shapes(
        &self,
        out: &mut Vec<InstanceLayout>,
        gpu: usize,
        weights: usize,
        kv: usize,
        mml: usize,
    ) {
        for &tensor in &self.tensor {
            let pp_max = self.max_pipeline.min(self.max_gpus / tensor);
            for pipeline in 1..=pp_max {
                let tp_pp = tensor * pipeline;
                let dp_max = if self.data_search {
                    self.max_gpus / tp_pp
                } else {
                    1
                };
                for data in 1..=dp_max {
                    for &expert in &self.expert {
                        // Expert parallelism over one GPU is no parallelism.
                        if expert && tensor * data == 1 {
                            continue;
                        }
                        out.push(InstanceLayout {
                            gpu,
                            weights,
                            kv,
                            max_model_len: mml,
                            tensor,
                            pipeline,
                            data,
                            expert,
                        });
                    }
                }
            }
        }
    }

    /// Candidates in the space: every instance layout times every replica
    /// count within `max_gpus` (training: one replica).
    pub fn size(&self, layouts: &[InstanceLayout]) -> u64 {
        layouts
            .iter()
            .map(|l| match self.kind {
                Kind::Training => 1,
                Kind::Serving => self.max_gpus / l.gpus_per_replica().max(1),
            })
            .sum()
    }
}
