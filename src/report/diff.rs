//! PR diffs (filled in below).
