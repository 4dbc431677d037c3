//! `json`: an array of located findings with the keys of design.md section 4
//! (`code`, `name`, `severity`, `message`, `fix`, `file`, `pointer`, `line`, `column`).

use super::{ordered, FileFindings};

pub(super) fn render(files: &[FileFindings]) -> String {
    let all = ordered(files);
    // Serializing plain structs of strings and integers cannot fail; fall back
    // to an empty array rather than panic.
    let mut s = serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}
