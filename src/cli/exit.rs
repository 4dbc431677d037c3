//! Exit statuses (docs/diagnostics.md, "Exit status"): 0 clean, 1 findings at
//! or above `--fail-on`, 2 the tool failed; and the one policy every command
//! that reports findings uses to pick between 0 and 1.

use super::args::FailOn;
use memmath::diagnostics::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Findings,
    Failure,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(match s {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Failure => 2,
        })
    }
}

impl FailOn {
    /// The lowest severity that fails.
    pub fn threshold(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// 1 when a finding reaches `fail_on` (None: nothing fails, as for `report`
/// and `diff` without `--fail-on`), unless `exit_zero`; else 0. A tool failure
/// (2) never gets here: it is an `Err` the caller returns.
pub fn findings_status(
    fail_on: Option<FailOn>,
    exit_zero: bool,
    severities: impl IntoIterator<Item = Severity>,
) -> ExitStatus {
    let failed = fail_on.is_some_and(|f| {
        let threshold = f.threshold();
        severities.into_iter().any(|s| s >= threshold)
    });
    if failed && !exit_zero {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExitStatus::{Findings, Success};

    #[test]
    fn fail_on_thresholds() {
        let cases = [
            (Severity::Info, FailOn::Error, Success),
            (Severity::Info, FailOn::Warning, Success),
            (Severity::Info, FailOn::Info, Findings),
            (Severity::Warning, FailOn::Error, Success),
            (Severity::Warning, FailOn::Warning, Findings),
            (Severity::Error, FailOn::Error, Findings),
            (Severity::Error, FailOn::Info, Findings),
        ];
        for (sev, fail_on, want) in cases {
            assert_eq!(
                findings_status(Some(fail_on), false, [sev]),
                want,
                "{sev:?} {fail_on:?}"
            );
        }
    }

    #[test]
    fn exit_zero_and_no_fail_on_never_fail() {
        assert_eq!(
            findings_status(Some(FailOn::Error), true, [Severity::Error]),
            Success
        );
        assert_eq!(findings_status(None, false, [Severity::Error]), Success);
        assert_eq!(findings_status(Some(FailOn::Info), false, []), Success);
    }
}
