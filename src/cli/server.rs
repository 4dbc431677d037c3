//! `memmath server`: the language server (`memmath::server`) on stdin/stdout,
//! with the real file system and memmath.toml discovery behind its `Host`.
//! Logs go to stderr, which editors show in their LSP log.

use super::args::ServerArgs;
use super::config::ConfigCache;
use super::files::RealFiles;
use super::ExitStatus;
use memmath::catalog::FileAccess;
use memmath::rules::RulesConfig;
use memmath::server::{serve, Ended, Host};
use std::path::{Path, PathBuf};

struct RealHost {
    config: Option<PathBuf>,
}

impl Host for RealHost {
    fn files(&self) -> &dyn FileAccess {
        &RealFiles
    }

    /// Read on every analysis, not cached: an edit to memmath.toml applies
    /// at the spec's next change or save.
    fn rules_for(&self, path: Option<&Path>) -> Result<RulesConfig, String> {
        let mut cache = ConfigCache::new(self.config.as_deref(), &[], &[])?;
        let spec = match path {
            Some(p) => p.to_path_buf(),
            // An unsaved buffer: configured as a file in the working folder.
            None => std::env::current_dir()
                .map_err(|e| format!("working directory: {e}"))?
                .join("unsaved.yaml"),
        };
        cache.for_spec(&spec)
    }
}

pub fn run(args: ServerArgs) -> Result<ExitStatus, String> {
    // A bad --config fails now (exit 2), not on the first document.
    ConfigCache::new(args.config.as_deref(), &[], &[])?;
    let host = RealHost {
        config: args.config,
    };
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let ended = serve(&mut stdin.lock(), &mut stdout.lock(), &host)
        .map_err(|e| format!("language server connection: {e}"))?;
    Ok(match ended {
        Ended::Clean => ExitStatus::Success,
        // The protocol: exit without shutdown is status 1.
        Ended::WithoutShutdown => ExitStatus::Findings,
    })
}
