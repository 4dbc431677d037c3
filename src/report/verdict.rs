//! The verdict policy: does the deployment fit, and if not, why.
//!
//! Two inputs decide it. The memory math (from the [`Plan`] and its
//! [`Derived`] figures, never recomputed here): the engine must start, one
//! `max_model_len` sequence must fit its cache, every class must be sized and
//! fit, a training job must fit its budget. And the findings: an error-level
//! finding in MEM, PAR, QNT, TRN, TRF, HST or HW means the deployment cannot
//! run as written whatever the memory says. PAR, QNT and HW errors make it
//! `blocked` (the engine or the hardware refuses the configuration); MEM, TRN,
//! TRF and HST errors make it `does not fit`. The verdict names those
//! findings, each once.

use super::env::{group_digits, percent};
use super::model::FindingRow;
use crate::plan::{Derived, Plan};

use crate::units::{format_gib, format_gib_wide, plural};
use serde::Serialize;

/// Finding categories whose errors decide the verdict.
pub const DECIDING: &[&str] = &["MEM", "PAR", "QNT", "TRN", "TRF", "HST", "HW"];
/// Of those, the categories that block the configuration outright.
const BLOCKING: &[&str] = &["PAR", "QNT", "HW"];

/// The verdict's status; serialized (JSON, templates) as its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    #[serde(rename = "fits")]
    Fits,
    #[serde(rename = "does not fit")]
    DoesNotFit,
    #[serde(rename = "blocked")]
    Blocked,
    #[serde(rename = "not planned")]
    NotPlanned,
}

impl Status {
    /// `fits`, `does not fit`, `blocked` or `not planned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fits => "fits",
            Status::DoesNotFit => "does not fit",
            Status::Blocked => "blocked",
            Status::NotPlanned => "not planned",
        }
    }

    /// Capitalized, for a heading: `Fits`, `Does not fit`, ...
    pub fn label(self) -> &'static str {
        match self {
            Status::Fits => "Fits",
            Status::DoesNotFit => "Does not fit",
            Status::Blocked => "Blocked",
            Status::NotPlanned => "Not planned",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Status {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub fits: bool,
    pub status: Status,
    /// The status capitalized, for a heading: `Fits`, `Does not fit`, ...
    pub label: String,
    /// One sentence after the status: GPU, percentile, what is spare or short,
    /// and the findings that decided it.
    pub detail: String,
    /// Spare memory per GPU at the planned load (negative: short by).
    pub spare_bytes: Option<i128>,
    /// spare_bytes over the GPU's total.
    pub spare_fraction: Option<f64>,
    /// `CODE name` of each error finding that decided the verdict.
    pub decided_by: Vec<String>,
}

use crate::codes::category_of as category;

/// Error findings whose category decides the verdict.
pub fn deciding<'a, I>(findings: I) -> Vec<(&'a str, &'a str)>
where
    I: IntoIterator<Item = (&'a str, &'a str, &'a str)>,
{
    findings
        .into_iter()
        .filter(|(severity, code, _)| *severity == "error" && DECIDING.contains(&category(code)))
        .map(|(_, code, name)| (code, name))
        .fold(Vec::new(), |mut seen, f| {
            // A rule may fire on several fields; the verdict names it once.
            if !seen.contains(&f) {
                seen.push(f);
            }
            seen
        })
}

/// Whether `code` (a deciding finding) blocks the configuration outright.
fn blocks(code: &str) -> bool {
    BLOCKING.contains(&category(code))
}

fn verdict_status(fits: bool, blocked: bool) -> Status {
    if blocked {
        Status::Blocked
    } else if fits {
        Status::Fits
    } else {
        Status::DoesNotFit
    }
}

/// The verdict of a spec that could not be planned.
pub fn not_planned(errors: usize) -> Verdict {
    Verdict {
        fits: false,
        status: Status::NotPlanned,
        label: Status::NotPlanned.label().into(),
        detail: match errors {
            0 => "the spec could not be planned; see the findings below".to_string(),
            n => format!(
                "the spec could not be planned: {}, see the findings below",
                plural(n as u64, "error")
            ),
        },
        spare_bytes: None,
        spare_fraction: None,
        decided_by: Vec::new(),
    }
}

/// The memory math's answer: fits, the sentence, the spare (or short) bytes.
struct Memory {
    fits: bool,
    detail: String,
    spare: Option<i128>,
}

/// The verdict of a planned spec.
pub fn verdict(plan: &Plan, d: &Derived, findings: &[FindingRow]) -> Verdict {
    let triples: Vec<(&str, &str, &str)> = findings
        .iter()
        .map(|f| (f.severity.as_str(), f.code.as_str(), f.name.as_str()))
        .collect();
    judge(plan, d, &triples)
}

/// The verdict of a planned spec from its findings as (severity, code,
/// name): what `report` and `diff` both call.
pub fn judge(plan: &Plan, d: &Derived, findings: &[(&str, &str, &str)]) -> Verdict {
    let m = memory(plan, d);
    let decided = deciding(findings.iter().copied());
    let other_errors = findings
        .iter()
        .filter(|f| f.0 == "error" && !DECIDING.contains(&category(f.1)))
        .count();
    let others = match other_errors {
        0 => String::new(),
        n => format!("; {} to fix", plural(n as u64, "other error finding")),
    };
    let blocked = decided.iter().any(|(code, _)| blocks(code));
    let fits = m.fits && decided.is_empty();
    let named: Vec<String> = decided.iter().map(|(c, n)| format!("{c} {n}")).collect();
    let detail = if decided.is_empty() {
        format!("{}{others}", m.detail)
    } else {
        let reason = if blocked {
            "the engine or the hardware refuses this configuration"
        } else {
            "an error finding"
        };
        format!(
            "{reason}: {} (see the findings); by memory alone, {}{others}",
            named.join(", "),
            m.detail
        )
    };
    let status = verdict_status(fits, blocked);
    let label = status.label().to_string();
    Verdict {
        fits,
        status,
        label,
        detail,
        spare_bytes: m.spare,
        spare_fraction: m
            .spare
            .and_then(|s| crate::plan::derived::share(s, plan.per_gpu.total_bytes.get())),
        decided_by: named,
    }
}

fn memory(plan: &Plan, d: &Derived) -> Memory {
    let g = &plan.gpu;
    let on = format!(
        "{} x {} ({} x {})",
        group_digits(g.total_gpus),
        g.name,
        plural(g.replicas, "replica"),
        plural(g.gpus_per_replica, "GPU")
    );
    if let (Some(t), Some(td)) = (&plan.training, &d.training) {
        // The plan's own figure: budget - (training total + runtime), signed.
        let spare = i128::from(plan.per_gpu.kv_cache_bytes);
        let fits = spare >= 0;
        return Memory {
            fits,
            detail: format!(
                "{on}: {} per GPU ({} of training memory + {} runtime) of a {} budget, {} {}",
                format_gib_wide(td.total_with_runtime_bytes),
                t.total_bytes,
                plan.per_gpu.runtime_bytes,
                plan.per_gpu.budget_bytes,
                format_gib(spare.abs()),
                if fits { "to spare" } else { "short" }
            ),
            spare: Some(spare),
        };
    }
    let kv = i128::from(plan.per_gpu.kv_cache_bytes);
    let pct = plan
        .classes
        .first()
        .map_or_else(|| "p99".to_string(), |c| c.percentile.clone());
    let p = &plan.per_gpu;
    let not_start = plan.kv_cache.as_ref().map_or_else(
        || "the engine will not start".to_string(),
        |k| {
            format!(
                "the engine will not start with max_model_len {}",
                group_digits(k.max_model_len)
            )
        },
    );
    if kv <= 0 {
        // MEM003's figures: nothing is left for the KV cache.
        let how = match d.per_gpu.over_budget_bytes {
            Some(over) => format!(
                "exceed the engine budget of {} by {}{}",
                p.budget_bytes,
                if d.per_gpu.kv_cache_saturated {
                    "more than "
                } else {
                    ""
                },
                format_gib(over)
            ),
            None => format!("fill the engine budget of {} exactly", p.budget_bytes),
        };
        return Memory {
            fits: false,
            detail: format!(
                "{on}: {not_start}: weights {} + activation peak {} + runtime {} {how}",
                p.weights_bytes, p.activation_peak_bytes, p.runtime_bytes,
            ),
            spare: Some(kv),
        };
    }
    if let (Some(k), Some(kd)) = (
        plan.kv_cache
            .as_ref()
            .filter(|k| k.max_model_len > k.max_model_len_that_fits),
        d.kv_cache.as_ref(),
    ) {
        // MEM003's figures: one max_model_len sequence exceeds the cache.
        return Memory {
            fits: false,
            detail: format!(
                "{on}: {not_start}: one {}-token sequence needs {} of KV cache per GPU, the cache holds {} ({} tokens); max_model_len {} or lower fits",
                group_digits(k.max_model_len),
                format_gib_wide(kd.max_model_len_sequence_bytes),
                format_gib(kv),
                group_digits(k.capacity_tokens),
                group_digits(k.max_model_len_that_fits),
            ),
            spare: Some(kd.max_model_len_spare_bytes),
        };
    }
    let unsized_classes: Vec<&str> = plan
        .classes
        .iter()
        .filter(|c| !c.sized)
        .map(|c| c.name.as_str())
        .collect();
    if !unsized_classes.is_empty() {
        let one = unsized_classes.len() == 1;
        return Memory {
            fits: false,
            detail: format!(
                "{on}: cannot be judged: {} {} {} not sized (no {pct} or p95 token lengths, see TRF001)",
                if one { "class" } else { "classes" },
                unsized_classes.join(", "),
                if one { "is" } else { "are" },
            ),
            spare: None,
        };
    }
    let rejected: Vec<String> = plan
        .classes
        .iter()
        .filter(|c| c.rejected)
        .map(|c| {
            format!(
                "{} ({} tokens)",
                c.name,
                group_digits(c.tokens_per_sequence)
            )
        })
        .collect();
    if let Some(k) = plan.kv_cache.as_ref().filter(|_| !rejected.is_empty()) {
        return Memory {
            fits: false,
            detail: format!(
                "{on}: the engine rejects every request of {} {}: longer than max_model_len {} (see TRF006)",
                if rejected.len() == 1 { "class" } else { "classes" },
                rejected.join(", "),
                group_digits(k.max_model_len)
            ),
            spare: None,
        };
    }
    let spare = d.per_gpu.spare_bytes;
    if let Some(c) = plan.classes.iter().find(|c| !c.fits) {
        let needed = plan
            .classes
            .iter()
            .filter_map(|c| c.replicas_needed)
            .max()
            .map_or_else(
                || "more replicas alone cannot fix it: one sequence of each class already exceeds an engine instance's KV pool".to_string(),
                |n| format!("{} would fit every class", plural(n, "replica")),
            );
        return Memory {
            fits: false,
            detail: format!(
                "{on} at {pct} traffic: {} needs {} concurrent sequences, the deployment holds {}; {needed}",
                c.name, c.required_concurrency, c.max_concurrency
            ),
            spare: Some(spare),
        };
    }
    let detail = match d.kv_cache.as_ref().and_then(|k| k.pool_share_total) {
        Some(share) => format!(
            "{on} at {pct} traffic: the classes use {} of the KV pool, {} per GPU to spare",
            percent(share),
            format_gib(spare)
        ),
        None => format!(
            "{on}: {} of KV cache per GPU, {} tokens per engine instance (no traffic classes to check)",
            format_gib(kv),
            plan.kv_cache
                .as_ref()
                .map_or_else(|| "0".into(), |k| group_digits(k.capacity_tokens))
        ),
    };
    Memory {
        fits: true,
        detail,
        spare: Some(spare),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::derive;
    use crate::rules::testutil::Fixture;
    use crate::units::{Bytes, GIB};

    fn judge(plan: &Plan, findings: &[FindingRow]) -> Verdict {
        verdict(plan, &derive(plan, Some(4)), findings)
    }

    fn error(code: &str, name: &str) -> FindingRow {
        FindingRow {
            severity: "error".into(),
            code: code.into(),
            name: name.into(),
            message: "m".into(),
            fix: None,
            location: "x.yaml:1:1".into(),
        }
    }

    #[test]
    fn max_model_len_over_the_cache_does_not_fit() {
        let mut plan = Fixture::new().plan;
        let kv = plan.kv_cache.as_mut().expect("serving");
        kv.max_model_len = 2_000_000;
        let v = judge(&plan, &[]);
        assert!(!v.fits);
        assert_eq!(v.status, "does not fit");
        assert!(
            v.detail.contains(
                "the engine will not start with max_model_len 2,000,000: one 2,000,000-token sequence needs 76.29 GiB of KV cache per GPU, the cache holds 50.85 GiB (1,332,960 tokens); max_model_len 131,072 or lower fits"
            ),
            "{}",
            v.detail
        );
        assert!(v.spare_bytes.expect("short") < 0);
    }

    #[test]
    fn no_kv_cache_says_which_max_model_len() {
        // An impossible plan on purpose (no spec of the fixture's shape leaves a
        // negative cache): the verdict must read the plan's own sign.
        let mut plan = Fixture::new().plan;
        plan.per_gpu.kv_cache_bytes = -(GIB as i64);
        let v = judge(&plan, &[]);
        assert!(!v.fits);
        assert!(
            v.detail.contains("the engine will not start with max_model_len 131,072: weights 16.93 GiB + activation peak 1.29 GiB + runtime 2.21 GiB exceed the engine budget of 71.28 GiB by 1.00 GiB"),
            "{}",
            v.detail
        );
    }

    /// A pool of exactly zero is no overrun: never "by 0.0 MiB". (An
    /// impossible plan on purpose: the boundary no spec lands on by chance.)
    #[test]
    fn a_pool_of_exactly_zero_fills_the_budget() {
        let mut plan = Fixture::new().plan;
        plan.per_gpu.kv_cache_bytes = 0;
        let v = judge(&plan, &[]);
        assert!(!v.fits);
        assert!(v.detail.contains("exactly"), "{}", v.detail);
        assert!(!v.detail.contains("by 0.0 MiB"), "{}", v.detail);
    }

    #[test]
    fn training_verdict_counts_the_runtime() {
        // 14.96 GiB states + 54 GiB activations = 68.96 GiB fit the 71.28 GiB
        // budget; with 2 GiB of runtime + 1 more they do not.
        let mut fx = Fixture::training();
        let t = fx.plan.training.as_mut().expect("training");
        t.activations_bytes = Bytes(54 * GIB + GIB / 2);
        t.total_bytes = Bytes(16_060_522_496 + 54 * GIB + GIB / 2);
        fx.plan.per_gpu.runtime_bytes = Bytes(2 * GIB);
        fx.sync_training_left();
        let v = judge(&fx.plan, &[]);
        assert!(!v.fits, "{}", v.detail);
        assert_eq!(
            v.spare_bytes,
            Some(i128::from(fx.plan.per_gpu.kv_cache_bytes))
        );
        assert!(
            v.detail
                .contains("+ 2.00 GiB runtime) of a 71.28 GiB budget"),
            "{}",
            v.detail
        );
        assert!(v.detail.ends_with("short"), "{}", v.detail);
    }

    #[test]
    fn unsized_class_cannot_be_judged() {
        let mut plan = Fixture::new().plan;
        plan.classes[1].sized = false;
        let v = judge(&plan, &[]);
        assert!(!v.fits);
        assert_eq!(v.status, "does not fit");
        assert!(
            v.detail
                .contains("cannot be judged: class long-doc is not sized"),
            "{}",
            v.detail
        );
        assert_eq!(v.spare_bytes, None);
    }

    #[test]
    fn a_par_error_blocks_a_plan_that_fits_by_memory() {
        let plan = Fixture::new().plan;
        assert!(judge(&plan, &[]).fits);
        let v = judge(
            &plan,
            &[error("PAR001", "tensor-parallel-does-not-divide-heads")],
        );
        assert!(!v.fits);
        assert_eq!(v.status, "blocked");
        assert_eq!(v.label, "Blocked");
        assert!(
            v.detail.starts_with("the engine or the hardware refuses this configuration: PAR001 tensor-parallel-does-not-divide-heads (see the findings); by memory alone, "),
            "{}",
            v.detail
        );
        assert_eq!(
            v.decided_by,
            ["PAR001 tensor-parallel-does-not-divide-heads"]
        );
    }

    #[test]
    fn mem_and_trn_errors_do_not_fit_and_other_errors_are_counted() {
        let plan = Fixture::new().plan;
        for code in ["MEM004", "TRN001", "TRF006", "HST002", "QNT002", "HW001"] {
            let v = judge(&plan, &[error(code, "x")]);
            assert!(!v.fits, "{code}");
            let blocked = code.starts_with("QNT") || code.starts_with("HW");
            assert_eq!(v.status, if blocked { "blocked" } else { "does not fit" });
            assert!(v.detail.contains(&format!("{code} x")), "{}", v.detail);
        }
        // A deciding finding is named once however often it fires.
        let v = judge(&plan, &[error("PAR001", "x"), error("PAR001", "x")]);
        assert_eq!(v.decided_by, ["PAR001 x"]);
        // An error of a stage that does not decide (a catalogue advice raised
        // to error in memmath.toml) is counted, not named.
        let v = judge(&plan, &[error("CAT010", "x")]);
        assert!(v.fits);
        assert!(
            v.detail.ends_with("; 1 other error finding to fix"),
            "{}",
            v.detail
        );
        let mut warn = error("PAR002", "x");
        warn.severity = "warning".into();
        assert!(judge(&plan, &[warn]).fits);
    }
}
