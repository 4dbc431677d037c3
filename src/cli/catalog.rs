//! `memmath catalog gpus|models [--format table|json]`: list the built-in presets.

use super::args::{CatalogArgs, CatalogFormat, CatalogKind};
use super::ExitStatus;
use memmath::catalog::{gpus, listing, models};

pub fn run(args: CatalogArgs) -> Result<ExitStatus, String> {
    let out = match (args.what, args.format) {
        (CatalogKind::Gpus, CatalogFormat::Table) => listing::gpus_table(gpus::gpus()?),
        (CatalogKind::Models, CatalogFormat::Table) => listing::models_table(models::models()?),
        (CatalogKind::Gpus, CatalogFormat::Json) => json(&listing::gpus_json(gpus::gpus()?))?,
        (CatalogKind::Models, CatalogFormat::Json) => {
            json(&listing::models_json(models::models()?))?
        }
    };
    super::output::stdout(&out)?;
    Ok(ExitStatus::Success)
}

fn json(v: &serde_json::Value) -> Result<String, String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}
