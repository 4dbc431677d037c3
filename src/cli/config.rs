//! Rule configuration per spec for every command that analyzes specs: `--config`
//! for all, else the nearest memmath.toml above each spec (each file parsed
//! once), with the CLI's `--select`/`--ignore` on top.

use super::files::{read_text, CONFIG_LIMIT};
use super::load::spec_dir;
use memmath::rules::{check_selectors, load_config_at, RulesConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Rule configuration per spec: `--config` for all, else the nearest
/// memmath.toml above each spec (each file parsed once); CLI flags on top.
pub(crate) struct ConfigCache {
    explicit: Option<RulesConfig>,
    by_dir: BTreeMap<PathBuf, RulesConfig>,
    select: Vec<String>,
    ignore: Vec<String>,
}

impl ConfigCache {
    /// `explicit` is `--config`; `select`/`ignore` are the CLI flags, which win.
    pub(crate) fn new(
        explicit: Option<&Path>,
        select: &[String],
        ignore: &[String],
    ) -> Result<ConfigCache, String> {
        check_selectors(select).map_err(|e| format!("--select: {e}"))?;
        check_selectors(ignore).map_err(|e| format!("--ignore: {e}"))?;
        let explicit = match explicit {
            Some(p) => Some(read_config(p)?),
            None => None,
        };
        Ok(ConfigCache {
            explicit,
            by_dir: BTreeMap::new(),
            select: select.to_vec(),
            ignore: ignore.to_vec(),
        })
    }

    pub(crate) fn for_spec(&mut self, spec: &Path) -> Result<RulesConfig, String> {
        let mut cfg = match &self.explicit {
            Some(c) => c.clone(),
            None => self.discover(spec)?,
        };
        // Per-file ignores match the absolute path; globs are relative to the
        // folder of the memmath.toml that declared them.
        let abs = std::path::absolute(spec).unwrap_or_else(|_| spec.to_path_buf());
        cfg = cfg.with_cli(self.select.clone(), self.ignore.clone());
        Ok(cfg.for_file(&abs))
    }

    fn discover(&mut self, spec: &Path) -> Result<RulesConfig, String> {
        let dir =
            std::path::absolute(spec_dir(spec)).map_err(|e| format!("{}: {e}", spec.display()))?;
        if let Some(c) = self.by_dir.get(&dir) {
            return Ok(c.clone());
        }
        let found = dir
            .ancestors()
            .map(|d| d.join("memmath.toml"))
            .find(|p| p.is_file());
        let cfg = match found {
            Some(p) => read_config_shown(&p, &shown(&p, spec))?,
            None => RulesConfig::default(),
        };
        self.by_dir.insert(dir, cfg.clone());
        Ok(cfg)
    }
}

fn read_config(path: &Path) -> Result<RulesConfig, String> {
    read_config_shown(path, path)
}

/// Read the memmath.toml at `path`, naming it `shown` in errors.
fn read_config_shown(path: &Path, shown: &Path) -> Result<RulesConfig, String> {
    let named =
        |e: String| e.replacen(&path.display().to_string(), &shown.display().to_string(), 1);
    let text = read_text(path, CONFIG_LIMIT).map_err(named)?;
    let abs = std::path::absolute(path).map_err(|e| format!("{}: {e}", shown.display()))?;
    let root = abs.parent().unwrap_or(Path::new("/"));
    load_config_at(&text, root).map_err(|e| format!("{}: {e}", shown.display()))
}

/// A discovered memmath.toml (an absolute path) named the way the user named
/// the spec: relative to the working folder when the spec path was relative,
/// so no message carries this machine's absolute paths unless the user typed
/// one (docs/reliability.md, "Paths in output").
fn shown(found: &Path, spec: &Path) -> PathBuf {
    if spec.is_absolute() {
        return found.to_path_buf();
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| relative_to(found, &cwd))
        .unwrap_or_else(|| found.to_path_buf())
}

/// `path` relative to `base` (both absolute): `../memmath.toml`, `sub/memmath.toml`.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    out.extend(&p[common..]);
    Some(out)
}
