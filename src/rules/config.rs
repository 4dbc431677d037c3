//! Rule configuration: which rules run, at which severity, with which thresholds.
//! Loaded from `memmath.toml` (found by the CLI) and overridden by CLI flags.
//!
//! Selectors are a code (`MEM003`), a name (`max-model-len-does-not-fit`), a
//! category prefix (`MEM`) or `ALL`, of any code the registry ([`crate::codes`])
//! marks configurable; anything else is a configuration error.
//! Precedence: `--ignore` on the command line, then `--select` on the command
//! line (which replaces the file's `select`, `ignore` and per-file ignores), then
//! the file's per-file ignores, `ignore` and `select`.

use super::glob;
use crate::codes::{self, Code};
use crate::diagnostics::{Finding, Severity};
use crate::text;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Rule thresholds (design.md section 4b); each can be set in `[thresholds]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Thresholds {
    /// TRF003: a class needing more than this share of the KV pool ...
    pub pool_share: f64,
    /// TRF003: ... while its sequences are over this many times the median class's.
    pub long_context_ratio: f64,
    /// QNT001: KV at planned traffic over this multiple of the weights per GPU.
    pub kv_to_weights_ratio: f64,
    /// TRN002: activations over this share of training memory per GPU.
    pub activation_share: f64,
    /// PAR004: a pipeline stage holding over this fraction more than the mean.
    pub stage_imbalance: f64,
    /// MEM004: the least GPU memory fraction a plan may leave free.
    pub min_headroom: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            pool_share: 0.5,
            long_context_ratio: 8.0,
            kv_to_weights_ratio: 1.0,
            activation_share: 0.5,
            stage_imbalance: 0.10,
            min_headroom: 0.10,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct RulesConfig {
    /// Codes, names or prefixes to run (empty: all), from `memmath.toml`.
    pub select: Vec<String>,
    /// Codes, names or prefixes to skip, from `memmath.toml`.
    pub ignore: Vec<String>,
    /// Per-rule severity overrides, keyed by code, name or prefix.
    pub severity: BTreeMap<String, Severity>,
    pub thresholds: Thresholds,
    /// `[per-file-ignores]`: glob -> selectors, in file order.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// Folder of the `memmath.toml` the per-file globs are relative to.
    pub root: Option<PathBuf>,
    /// The spec being checked (set by the CLI with [`RulesConfig::for_file`]);
    /// when unset, the source name is used.
    pub path: Option<PathBuf>,
    /// `--select` from the command line: when non-empty it replaces the file's
    /// select, ignore and per-file ignores.
    pub cli_select: Vec<String>,
    /// `--ignore` from the command line: always wins.
    pub cli_ignore: Vec<String>,
}

/// The `memmath.toml` file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    // Spanned: every error below names the line and column of the value.
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    thresholds: Thresholds,
    #[serde(default)]
    per_file_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

/// Parse the text of a `memmath.toml`. An error names what is wrong and
/// where (`line L, column C: ...`; exit 2).
pub fn load_config(text: &str) -> Result<RulesConfig, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    let at = |v: &Spanned<String>, r: Result<(), String>| {
        r.map_err(|e| format!("{}: {e}", location(text, v.span().start)))
    };
    let mut severity = BTreeMap::new();
    // Which key set each code's severity, so that `MEM001` and its name
    // `weights-exceed-gpu-memory` both set is an error, not a silent pick.
    let mut set_by: BTreeMap<&'static str, &Spanned<String>> = BTreeMap::new();
    for (rule, level) in &file.severity {
        let parsed = Severity::parse(level.get_ref()).ok_or_else(|| {
            format!(
                "expected error, warning, info or off for `{}`, not `{}`",
                rule.get_ref(),
                level.get_ref()
            )
        });
        let parsed = parsed.map_err(|e| format!("{}: {e}", location(text, level.span().start)))?;
        at(rule, check_selector(rule.get_ref()))?;
        if let Some(code) = codes::find(rule.get_ref()) {
            if let Some(first) = set_by.insert(code.code, rule) {
                return Err(format!(
                    "{}: [severity] sets {} twice, as `{}` and `{}`: keep one",
                    location(text, rule.span().start),
                    code.code,
                    first.get_ref(),
                    rule.get_ref()
                ));
            }
        }
        severity.insert(rule.get_ref().clone(), parsed);
    }
    for s in file.select.iter().chain(&file.ignore) {
        at(s, check_selector(s.get_ref()))?;
    }
    for (pattern, sels) in &file.per_file_ignores {
        // Each of these would be accepted and silently do nothing.
        let p = pattern.get_ref();
        let problem = if p.trim().is_empty() {
            Err("[per-file-ignores] has an empty glob, which matches no file".to_string())
        } else if p.starts_with('/') || Path::new(p).is_absolute() {
            Err(format!(
                "[per-file-ignores] glob {p:?} is absolute; globs are relative to the folder of memmath.toml (write e.g. \"specs/*.yaml\")"
            ))
        } else if sels.is_empty() {
            Err(format!(
                "[per-file-ignores] glob {p:?} lists no codes to ignore"
            ))
        } else {
            glob::check(p)
        };
        at(pattern, problem)?;
        for s in sels {
            at(s, check_selector(s.get_ref()))?;
        }
    }
    check_thresholds_at(text, &file.thresholds)?;
    let plain = |v: Vec<Spanned<String>>| v.into_iter().map(Spanned::into_inner).collect();
    Ok(RulesConfig {
        select: plain(file.select),
        ignore: plain(file.ignore),
        severity,
        thresholds: file.thresholds,
        per_file_ignores: file
            .per_file_ignores
            .into_iter()
            .map(|(k, v)| (k.into_inner(), plain(v)))
            .collect(),
        ..RulesConfig::default()
    })
}

/// [`load_config`] for a file found in folder `root` (per-file globs are
/// relative to it).
pub fn load_config_at(text: &str, root: &Path) -> Result<RulesConfig, String> {
    let mut cfg = load_config(text)?;
    cfg.root = Some(root.to_path_buf());
    Ok(cfg)
}

/// `line L, column C: message`, without the offending line itself: toml's
/// own rendering quotes the whole line, which may be 100 KB of hostile input.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => format!("{}: {message}", location(text, span.start)),
        None => message.to_string(),
    }
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

/// A selector must name a configurable code: a code or name, a category
/// prefix (`MEM`, `HW`) or `ALL`. A typo, or a code the configuration cannot
/// touch (SYN, SCH, MEM000, most CAT codes: see docs/rules.md), is an error so
/// that `--select MEM01` never silently disables every rule.
pub fn check_selector(s: &str) -> Result<(), String> {
    if s == "ALL" || codes::all().iter().any(|c| matches_selector(c, s)) {
        return Ok(());
    }
    let locked: Vec<&Code> = codes::all()
        .iter()
        .filter(|c| c.is(s) || is_prefix(c, s))
        .collect();
    if let Some(first) = locked.first() {
        let (what, they) = if locked.len() == 1 {
            (format!("{} {}", first.code, first.name), "it reports")
        } else {
            (
                format!("the {} codes", s.to_ascii_uppercase()),
                "they report",
            )
        };
        return Err(format!(
            "rule selector `{s}`: {what} cannot be selected, ignored or given a severity \
             ({they} a spec that cannot be planned; see docs/rules.md#which-codes-the-configuration-and-suppressions-may-name)"
        ));
    }
    let candidates = codes::all()
        .iter()
        .filter(|c| c.configurable)
        .flat_map(|c| [c.code, c.name]);
    let hint = text::did_you_mean_hint(s, candidates)
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    Err(format!(
        "unknown rule selector `{s}`{hint}; `memmath rule --all` lists every code"
    ))
}

/// Check every selector of a list (the CLI's `--select` / `--ignore`).
pub fn check_selectors(selectors: &[String]) -> Result<(), String> {
    selectors.iter().try_for_each(|s| check_selector(s))
}

/// [`check_thresholds`] with the line and column of the offending value.
fn check_thresholds_at(text: &str, t: &Thresholds) -> Result<(), String> {
    let Err((key, message)) = check_thresholds(t) else {
        return Ok(());
    };
    /// The `[thresholds]` table again, keeping each value's span.
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        thresholds: BTreeMap<String, Spanned<toml::Value>>,
    }
    let at = toml::from_str::<Raw>(text)
        .ok()
        .and_then(|r| r.thresholds.get(key).map(|v| v.span().start));
    Err(match at {
        Some(offset) => format!("{}: {message}", location(text, offset)),
        None => message,
    })
}

/// The first threshold out of range, as (key, message).
fn check_thresholds(t: &Thresholds) -> Result<(), (&'static str, String)> {
    let fractions = [
        ("pool-share", t.pool_share),
        ("activation-share", t.activation_share),
        ("min-headroom", t.min_headroom),
        ("stage-imbalance", t.stage_imbalance),
    ];
    for (k, v) in fractions {
        if !(0.0..=1.0).contains(&v) {
            return Err((
                k,
                format!("thresholds.{k} = {v}: expected a fraction in 0..=1"),
            ));
        }
    }
    for (k, v) in [
        ("long-context-ratio", t.long_context_ratio),
        ("kv-to-weights-ratio", t.kv_to_weights_ratio),
    ] {
        if !v.is_finite() || v <= 0.0 {
            return Err((
                k,
                format!("thresholds.{k} = {v}: expected a positive number"),
            ));
        }
    }
    Ok(())
}

/// Is `s` a category or partial-code prefix of `code` (`MEM`, `HW`, `TRF00`)?
fn is_prefix(code: &Code, s: &str) -> bool {
    s.len() >= code.category().len()
        && s.len() < code.code.len()
        && code
            .code
            .get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
}

/// Does selector `s` pick `code`? Code (any case), name, category prefix,
/// `ALL`; only configurable codes are ever picked.
pub(crate) fn matches_selector(code: &Code, s: &str) -> bool {
    code.configurable && (s == "ALL" || code.is(s) || is_prefix(code, s))
}

/// How specific a selector is for a code (higher wins): exact > prefix > ALL.
fn specificity(code: &Code, s: &str) -> Option<usize> {
    if !matches_selector(code, s) {
        None
    } else if s == "ALL" {
        Some(0)
    } else if code.is(s) {
        Some(usize::MAX)
    } else {
        Some(s.len())
    }
}

impl RulesConfig {
    /// This configuration for one spec file (per-file ignores match its path).
    pub fn for_file(&self, path: &Path) -> RulesConfig {
        RulesConfig {
            path: Some(path.to_path_buf()),
            ..self.clone()
        }
    }

    /// Apply `--select` / `--ignore` from the command line; they win over the file.
    pub fn with_cli(mut self, select: Vec<String>, ignore: Vec<String>) -> RulesConfig {
        self.cli_select = select;
        self.cli_ignore = ignore;
        self
    }

    /// Apply the configuration to findings of any stage (rules, catalogue,
    /// live hardware): drop those of codes it turns off for the spec named
    /// `source_name`, and give the rest their configured severity. Codes that
    /// are not configurable pass through untouched. The one place findings
    /// meet select, ignore, per-file ignores and `[severity]`.
    pub fn apply(&self, findings: Vec<Finding>, source_name: Option<&str>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| self.is_enabled(&f.code, source_name))
            .map(|mut f| {
                if let Some(s) = self.severity_override(&f.code) {
                    f.severity = s;
                }
                f
            })
            .collect()
    }

    /// Is `code` (a code or name) enabled for the spec named `source_name`
    /// (used for per-file ignores when no path was set; `None`: not known
    /// yet)? Severity `off` disables too; a code the configuration cannot
    /// touch is always enabled.
    pub fn is_enabled(&self, code: &str, source_name: Option<&str>) -> bool {
        let Some(rule) = codes::find(code).filter(|c| c.configurable) else {
            return true;
        };
        if self.cli_ignore.iter().any(|s| matches_selector(rule, s)) {
            return false;
        }
        let selected = if !self.cli_select.is_empty() {
            self.cli_select.iter().any(|s| matches_selector(rule, s))
        } else {
            let sel =
                self.select.is_empty() || self.select.iter().any(|s| matches_selector(rule, s));
            sel && !self.ignore.iter().any(|s| matches_selector(rule, s))
                && !self.ignored_for_file(rule, source_name)
        };
        // `rule` is already found: no second and third lookup of the code
        // (`check` asks this for every rule of every spec; docs/performance.md).
        selected && self.override_for(rule).unwrap_or(rule.severity) != Severity::Off
    }

    /// The configured severity: the most specific `[severity]` entry, else the default.
    pub fn severity_for(&self, code: &str) -> Severity {
        self.severity_override(code)
            .or_else(|| codes::find(code).map(|c| c.severity))
            .unwrap_or(Severity::Error)
    }

    /// The most specific `[severity]` entry for `rule`, if any. Without one, a
    /// finding keeps the severity its rule gave it (QNT002 emits warnings where
    /// the engine has a fallback and errors where it has none).
    pub fn severity_override(&self, code: &str) -> Option<Severity> {
        if self.severity.is_empty() {
            return None;
        }
        self.override_for(codes::find(code)?)
    }

    fn override_for(&self, rule: &Code) -> Option<Severity> {
        self.severity
            .iter()
            .filter_map(|(sel, sev)| specificity(rule, sel).map(|k| (k, *sev)))
            .max_by_key(|(k, _)| *k)
            .map(|(_, sev)| sev)
    }

    fn ignored_for_file(&self, rule: &Code, source_name: Option<&str>) -> bool {
        if self.per_file_ignores.is_empty() {
            return false;
        }
        let Some(path) = self.path.clone().or_else(|| source_name.map(PathBuf::from)) else {
            return false;
        };
        let rel = self
            .root
            .as_ref()
            .and_then(|root| path.strip_prefix(root).ok().map(Path::to_path_buf))
            .unwrap_or(path);
        let rel = rel.to_string_lossy().replace('\\', "/");
        let rel = rel.trim_start_matches("./");
        self.per_file_ignores.iter().any(|(pattern, sels)| {
            glob::matches_path(pattern, rel) && sels.iter().any(|s| matches_selector(rule, s))
        })
    }
}

#[cfg(test)]
mod tests {
    /// Every selector, glob and severity error names its line and column.
    #[test]
    fn config_errors_point_at_the_value() {
        let err = super::load_config("select = [\"MEM001\",\n  \"MEM01\"]\n").unwrap_err();
        assert!(err.starts_with("line 2, column 3: "), "{err}");
        let err = super::load_config("[per-file-ignores]\n\"specs/[a.yaml\" = [\"MEM001\"]\n")
            .unwrap_err();
        assert!(err.starts_with("line 2, column 1: "), "{err}");
        let err = super::load_config("[severity]\nMEM001 = \"loud\"\n").unwrap_err();
        assert!(err.starts_with("line 2, column 10: "), "{err}");
    }

    /// An empty glob, an absolute one (globs are relative to memmath.toml)
    /// and a glob with no codes would each do nothing: errors, located.
    #[test]
    fn per_file_entries_that_do_nothing_are_errors() {
        let err = super::load_config("[per-file-ignores]\n\"\" = [\"MEM001\"]\n").unwrap_err();
        assert!(err.contains("empty glob"), "{err}");
        let err = super::load_config("[per-file-ignores]\n\"/abs/spec.yaml\" = [\"MEM004\"]\n")
            .unwrap_err();
        assert!(err.starts_with("line 2, column 1: "), "{err}");
        assert!(err.contains("is absolute"), "{err}");
        let err = super::load_config("[per-file-ignores]\n\"*.yaml\" = []\n").unwrap_err();
        assert!(err.contains("lists no codes"), "{err}");
    }

    /// Threshold errors name the value's line and column too.
    #[test]
    fn threshold_errors_point_at_the_value() {
        let err = super::load_config("select = []\n[thresholds]\nmin-headroom = 2\n").unwrap_err();
        assert_eq!(
            err,
            "line 3, column 16: thresholds.min-headroom = 2: expected a fraction in 0..=1"
        );
        let err = super::load_config("[thresholds]\nlong-context-ratio = nan\n").unwrap_err();
        assert!(err.starts_with("line 2, column 22: "), "{err}");
    }

    /// A code set twice in [severity], by code and by name, is an error
    /// rather than a silent pick of one.
    #[test]
    fn a_severity_set_twice_is_an_error() {
        let err = super::load_config(
            "[severity]\nweights-exceed-gpu-memory = \"off\"\nMEM001 = \"warning\"\n",
        )
        .unwrap_err();
        assert!(err.contains("sets MEM001 twice"), "{err}");
        // A category and one of its codes are not the same key: the code wins.
        let cfg = super::load_config("[severity]\nMEM = \"warning\"\nMEM001 = \"error\"\n")
            .expect("valid");
        assert_eq!(
            cfg.severity_override("MEM001"),
            Some(super::Severity::Error)
        );
        assert_eq!(
            cfg.severity_override("MEM003"),
            Some(super::Severity::Warning)
        );
    }

    #[test]
    fn toml_errors_give_a_location_without_quoting_the_line() {
        let long = format!("select = [\"MEM001\",\n{}", "[".repeat(100_000));
        let err = super::load_config(&long).unwrap_err();
        assert!(err.starts_with("line 2, column "), "{err}");
        assert!(err.len() < 300, "{} bytes", err.len());
        let err = super::load_config("select = 3\n").unwrap_err();
        assert!(err.starts_with("line 1, column 10: "), "{err}");
    }

    use super::*;

    /// The code itself: configuration is looked up by code or name.
    fn rule(code: &str) -> &str {
        code
    }

    #[test]
    fn parses_every_section() {
        let cfg = load_config(
            r#"
select = ["MEM", "TRF003"]
ignore = ["MEM005"]
[severity]
TRF003 = "error"
no-burst-margin = "off"
[thresholds]
pool-share = 0.6
min-headroom = 0.05
[per-file-ignores]
"dev/*.yaml" = ["MEM004"]
"#,
        )
        .expect("valid config");
        assert_eq!(cfg.thresholds.pool_share, 0.6);
        assert_eq!(cfg.thresholds.long_context_ratio, 8.0);
        assert_eq!(cfg.thresholds.min_headroom, 0.05);
        assert!(cfg.is_enabled(rule("MEM003"), Some("a.yaml")));
        assert!(!cfg.is_enabled(rule("MEM005"), Some("a.yaml")));
        assert!(!cfg.is_enabled(rule("TRF001"), Some("a.yaml")));
        assert!(cfg.is_enabled(rule("TRF003"), Some("a.yaml")));
        assert_eq!(cfg.severity_for(rule("TRF003")), Severity::Error);
        assert!(cfg.is_enabled(rule("MEM004"), Some("prod/a.yaml")));
        assert!(!cfg.is_enabled(rule("MEM004"), Some("dev/a.yaml")));
    }

    #[test]
    fn rejects_bad_config() {
        assert!(load_config("select = [\"NOPE\"]").is_err());
        assert!(load_config("[severity]\nMEM001 = \"fatal\"").is_err());
        assert!(load_config("[thresholds]\npool-share = 2.0").is_err());
        assert!(load_config("[thresholds]\nunknown = 1.0").is_err());
        assert!(load_config("colour = true").is_err());
        // Configurable codes of other stages are valid selectors.
        assert!(load_config("[severity]\nHW001 = \"warning\"").is_ok());
        assert!(load_config("ignore = [\"CAT010\", \"HW\"]").is_ok());
        let e = load_config("ignore = [\"max-model-len-does-not-fits\"]").unwrap_err();
        assert!(
            e.contains("did you mean `max-model-len-does-not-fit`"),
            "{e}"
        );
    }

    #[test]
    fn typos_and_locked_codes_are_errors_everywhere() {
        for text in [
            "select = [\"MEM01\"]",
            "ignore = [\"nonsense\"]",
            "[severity]\nSYN001 = \"off\"",
            "[severity]\nCAT001 = \"off\"",
            "ignore = [\"SCH\"]",
            "ignore = [\"MEM000\"]",
            "[per-file-ignores]\n\"*.yaml\" = [\"TRF03\"]",
        ] {
            assert!(load_config(text).is_err(), "{text} accepted");
        }
        let e = check_selector("MEM01").unwrap_err();
        assert!(e.contains("unknown rule selector `MEM01`"), "{e}");
        assert!(e.contains("did you mean `MEM001`?"), "{e}");
        let e = check_selector("SYN001").unwrap_err();
        assert!(e.contains("cannot be selected"), "{e}");
        for ok in [
            "MEM",
            "TRF",
            "HW",
            "SUP",
            "ALL",
            "TRF00",
            "no-burst-margin",
            "cat010",
        ] {
            assert!(check_selector(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn apply_configures_codes_of_every_stage() {
        let cfg =
            load_config("ignore = [\"CAT010\"]\n[severity]\nHW004 = \"error\"").expect("valid");
        let f = |code: Code| code.finding_at(Severity::Info, "", "m");
        let out = cfg.apply(
            vec![f(codes::CAT010), f(codes::HW004), f(codes::SCH001)],
            Some("a.yaml"),
        );
        let got: Vec<(&str, Severity)> =
            out.iter().map(|f| (f.code.as_str(), f.severity)).collect();
        assert_eq!(
            got,
            vec![("HW004", Severity::Error), ("SCH001", Severity::Info)]
        );
        // ALL never turns off what cannot be configured.
        let all = load_config("ignore = [\"ALL\"]").expect("valid");
        assert!(all.is_enabled("SYN001", None));
        assert!(!all.is_enabled("MEM003", None));
    }

    #[test]
    fn cli_select_and_ignore_win_over_the_file() {
        let file =
            load_config("ignore = [\"MEM004\"]\n[per-file-ignores]\n\"*.yaml\" = [\"TRF003\"]")
                .expect("valid");
        assert!(!file.is_enabled(rule("MEM004"), Some("a.yaml")));
        assert!(!file.is_enabled(rule("TRF003"), Some("a.yaml")));
        let cli = file
            .clone()
            .with_cli(vec!["MEM004".into(), "TRF003".into()], vec![]);
        assert!(cli.is_enabled(rule("MEM004"), Some("a.yaml")));
        assert!(cli.is_enabled(rule("TRF003"), Some("a.yaml")));
        assert!(!cli.is_enabled(rule("MEM003"), Some("a.yaml")));
        let cli = file.with_cli(vec!["ALL".into()], vec!["MEM".into()]);
        assert!(!cli.is_enabled(rule("MEM003"), Some("a.yaml")));
        assert!(cli.is_enabled(rule("TRF001"), Some("a.yaml")));
    }

    #[test]
    fn most_specific_severity_wins() {
        let cfg = load_config("[severity]\nMEM = \"info\"\nMEM003 = \"warning\"\nALL = \"error\"")
            .expect("valid");
        assert_eq!(cfg.severity_for(rule("MEM003")), Severity::Warning);
        assert_eq!(cfg.severity_for(rule("MEM001")), Severity::Info);
        assert_eq!(cfg.severity_for(rule("TRF004")), Severity::Error);
        let off = load_config("[severity]\nTRF004 = \"off\"").expect("valid");
        assert!(!off.is_enabled(rule("TRF004"), Some("a.yaml")));
    }

    #[test]
    fn per_file_globs_are_relative_to_the_config() {
        let cfg = load_config_at(
            "[per-file-ignores]\n\"specs/dev/**\" = [\"MEM004\"]",
            Path::new("/repo"),
        )
        .expect("valid")
        .for_file(Path::new("/repo/specs/dev/x/a.yaml"));
        assert!(!cfg.is_enabled(rule("MEM004"), Some("ignored")));
        let other = cfg.for_file(Path::new("/repo/specs/prod/a.yaml"));
        assert!(other.is_enabled(rule("MEM004"), Some("ignored")));
    }
}
