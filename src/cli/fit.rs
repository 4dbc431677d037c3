//! `memmath fit`: flags and files in, the search (`memmath::fit`, pure) run,
//! the result printed. Exit 0 when a layout is feasible, 1 when none is, 2
//! when the tool cannot search (bad flags, unreadable spec or price file, a
//! spec with errors before the rules).

use super::analyze::{analyze_file, Analyze};
use super::args::{FitAllow, FitArgs, FitFormat, FitObjective};
use super::config::ConfigCache;
use super::files::{read_text, CONFIG_LIMIT};
use super::output::write_output;
use super::ExitStatus;
use memmath::diagnostics::{self, FileFindings, Format, RenderOptions, Severity};
use memmath::fit::{self, render, Allow, FitOptions, GpuChoice, Objective};

pub fn run(args: FitArgs) -> Result<ExitStatus, String> {
    if args.top == 0 {
        return Err("--top must be at least 1".to_string());
    }
    let gpus = gpu_choice(&args.gpus)?;
    let max_gpus = match args.max_gpus {
        Some(0) => return Err("--max-gpus must be at least 1".to_string()),
        Some(n) if n > fit::space::MAX_GPUS_LIMIT => {
            return Err(format!(
                "--max-gpus {n} is past the {} this search accepts",
                fit::space::MAX_GPUS_LIMIT
            ))
        }
        other => other,
    };
    let prices = match &args.prices {
        Some(path) => {
            let text = read_text(path, CONFIG_LIMIT)?;
            Some(fit::prices::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => None,
    };
    let objective = match args.objective {
        FitObjective::Gpus => Objective::Gpus,
        FitObjective::Cost => Objective::Cost,
    };
    if objective == Objective::Cost && prices.is_none() {
        return Err("--objective cost needs --prices FILE (memmath ships no prices)".to_string());
    }
    let mut allow = Allow::default();
    for a in &args.allow {
        match a {
            FitAllow::KvFp8 => allow.kv_fp8 = true,
            FitAllow::Quantize => allow.quantize = true,
            FitAllow::MaxModelLen => allow.max_model_len = true,
        }
    }
    let mut configs = ConfigCache::new(args.config.as_deref(), &[], &[])?;
    let rules = configs.for_spec(&args.spec)?;
    let how = Analyze {
        rules: &rules,
        inline_ignores: true,
        snapshot: None,
    };
    let analysis = analyze_file(&args.spec, &how)?;
    // The search starts from a spec that plans: findings from the stages
    // before the rules (syntax, schema, catalogue, MEM000) stop it.
    let blocking: Vec<_> = analysis
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && analysis.plan.is_none())
        .cloned()
        .collect();
    let (Some(spec), Some(resolved), Some(doc), true) = (
        analysis.spec.as_ref(),
        analysis.resolved.as_ref(),
        analysis.doc.as_ref(),
        blocking.is_empty() && analysis.plan.is_some(),
    ) else {
        let files = [FileFindings::new(analysis.source.clone(), &blocking)];
        eprint!(
            "{}",
            diagnostics::render(Format::Concise, &files, &RenderOptions::default())
        );
        return Err(format!(
            "{}: the spec has errors before planning; fix them (`memmath check`) before searching layouts",
            args.spec.display()
        ));
    };
    if let (Objective::Cost, Some(p)) = (objective, &prices) {
        let ids = searched_ids(&gpus, &resolved.gpu.id);
        let missing: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| p.per_gpu_hour(id).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "--objective cost: no price for {} in {}; add them, or search only priced GPUs with --gpus",
                missing.join(", "),
                args.prices.as_deref().map_or(String::new(), |p| p.display().to_string())
            ));
        }
    }
    let opts = FitOptions {
        gpus,
        max_gpus,
        objective,
        prices,
        allow,
    };
    let result = fit::fit(spec, resolved, &rules, &opts)?;
    let patch = match result.best() {
        Some(best) if !best.changes.is_empty() => {
            let new = fit::patch::apply_changes(&analysis.source, doc, &best.changes)?;
            Some(fit::patch::unified_diff(
                &analysis.source.name,
                &analysis.source.text,
                &new,
            ))
        }
        _ => None,
    };
    let input = render::RenderInput {
        spec_name: &analysis.source.name,
        top: args.top,
        patch: patch.as_deref(),
    };
    let out = match args.format {
        FitFormat::Table => render::table(&result, &input),
        FitFormat::Md => render::markdown(&result, &input),
        FitFormat::Json => render::json(&result, &input)?,
    };
    write_output(args.output.as_deref(), &out)?;
    Ok(if result.feasible {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}

/// `--gpus`: nothing = the spec's GPU, `all`, or a list of ids.
fn gpu_choice(gpus: &[String]) -> Result<GpuChoice, String> {
    let ids: Vec<String> = gpus.iter().map(|g| g.trim().to_string()).collect();
    if ids.is_empty() {
        return Ok(GpuChoice::Spec);
    }
    if ids.iter().any(|g| g == "all") {
        if ids.len() > 1 {
            return Err("--gpus: `all` already names every GPU; give it alone".to_string());
        }
        return Ok(GpuChoice::All);
    }
    if ids.iter().any(String::is_empty) {
        return Err("--gpus: an empty GPU id".to_string());
    }
    Ok(GpuChoice::List(ids))
}

/// The catalogue ids a search covers, for the price check.
fn searched_ids(choice: &GpuChoice, spec_gpu: &str) -> Vec<String> {
    match choice {
        GpuChoice::Spec => vec![spec_gpu.to_string()],
        // Canonical ids (an alias prices as its entry); an unknown id is
        // reported by the search itself.
        GpuChoice::List(ids) => ids
            .iter()
            .map(|id| {
                memmath::catalog::gpus::gpus()
                    .ok()
                    .and_then(|c| memmath::catalog::gpus::find(c, id))
                    .map_or_else(|| id.clone(), |g| g.entry.id.clone())
            })
            .collect(),
        GpuChoice::All => memmath::catalog::gpus::gpus()
            .map(|c| c.iter().map(|g| g.entry.id.clone()).collect())
            .unwrap_or_default(),
    }
}
