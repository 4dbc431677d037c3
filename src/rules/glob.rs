//! A small path glob for `[per-file-ignores]`: `*` and `?` stay inside one path
//! segment, `**` spans segments. A pattern without `/` also matches the file name
//! alone (so `"*.dev.yaml"` works wherever the file lives).

/// Does `pattern` match `path` (both with `/` separators)?
pub fn matches_path(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./");
    if matches(pattern.as_bytes(), path.as_bytes()) {
        return true;
    }
    if !pattern.contains('/') {
        let name = path.rsplit('/').next().unwrap_or(path);
        return matches(pattern.as_bytes(), name.as_bytes());
    }
    false
}

fn matches(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            // `**/` may match nothing; `**` matches any run, `/` included.
            let rest = &p[2..];
            let rest_after_slash = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=s.len()).any(|i| matches(rest, &s[i..]) || matches(rest_after_slash, &s[i..]))
        }
        Some(b'*') => {
            let rest = &p[1..];
            let seg_end = s.iter().position(|&c| c == b'/').unwrap_or(s.len());
            (0..=seg_end).any(|i| matches(rest, &s[i..]))
        }
        Some(b'?') => s.first().is_some_and(|&c| c != b'/') && matches(&p[1..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && matches(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::matches_path;

    #[test]
    fn globs() {
        assert!(matches_path("dev/*.yaml", "dev/a.yaml"));
        assert!(!matches_path("dev/*.yaml", "dev/x/a.yaml"));
        assert!(matches_path("dev/**", "dev/x/a.yaml"));
        assert!(matches_path("**/a.yaml", "a.yaml"));
        assert!(matches_path("**/a.yaml", "x/y/a.yaml"));
        assert!(matches_path("*.yaml", "deep/dir/b.yaml"));
        assert!(matches_path("a?.yml", "ab.yml"));
        assert!(!matches_path("prod/*.yaml", "dev/a.yaml"));
    }
}
