//! `memmath schema`: print the embedded JSON Schema.

use super::ExitStatus;

pub fn run() -> Result<ExitStatus, String> {
    super::output::stdout(&format!("{}\n", memmath::schema::SCHEMA_JSON.trim_end()))?;
    Ok(ExitStatus::Success)
}
