//! `memmath init`: flags -> `memmath::init::starter` -> stdout or a new file
//! (never over an existing one), and what `check` will report on it, on stderr.

use super::args::InitArgs;
use super::files::RealFiles;
use super::ExitStatus;
use memmath::diagnostics::Severity;
use memmath::init::{starter, InitOptions, ModelSource};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: InitArgs) -> Result<ExitStatus, String> {
    let spec_dir = match args.output.as_deref().and_then(Path::parent) {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let model = match (&args.preset, &args.hf_config) {
        (Some(p), _) => ModelSource::Preset(p.clone()),
        (None, Some(c)) => ModelSource::HfConfig(config_path_from(&spec_dir, c)?),
        // clap's group requires one of the two.
        (None, None) => return Err("give --preset or --hf-config".to_string()),
    };
    if let Some(out) = &args.output {
        if out.exists() {
            return Err(format!(
                "{}: already exists; memmath init never overwrites a file",
                out.display()
            ));
        }
    }
    let opts = InitOptions {
        model,
        gpu: args.gpu,
        engine: args.engine,
        name: args.name,
        dtype: args.dtype,
        gpus_per_node: args.gpus_per_node,
        host_memory: args.host_memory,
        spec_dir,
        schema_url: args.schema.unwrap_or_else(memmath::schema::published_url),
    };
    let s = starter(&opts, &RealFiles)?;
    let shown = match &args.output {
        Some(path) => {
            // create_new: a file that appeared since the check is not overwritten either.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            f.write_all(s.text.as_bytes())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            path.display().to_string()
        }
        None => {
            super::output::stdout(&s.text)?;
            "the spec".to_string()
        }
    };
    eprintln!(
        "memmath init: wrote {shown} (tensor parallel {} on {}); `memmath check` on it reports:",
        s.tensor, opts.gpu
    );
    for f in &s.findings {
        eprintln!("  {} [{}] {}", f.code, f.severity.as_str(), f.message);
    }
    if s.findings.iter().any(|f| f.code == "TRF002") {
        eprintln!("Fill in the commented `traffic:` section from your request logs to size the KV cache for real load.");
    }
    let errors = s.findings.iter().any(|f| f.severity == Severity::Error);
    Ok(if errors {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

/// The config.json path as the spec names it: relative to the spec's folder.
/// A relative path given on the command line is relative to the working
/// folder, so it is kept only when the spec goes there too; otherwise it is
/// written absolute.
fn config_path_from(spec_dir: &Path, config: &Path) -> Result<String, String> {
    let shown = config.display().to_string();
    if config.is_absolute() || spec_dir == Path::new(".") {
        return Ok(shown);
    }
    std::path::absolute(config)
        .map(|p| p.display().to_string())
        .map_err(|e| format!("{shown}: {e}"))
}
