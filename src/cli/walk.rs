//! Which files `check` (and later `report DIR`) reads: files named are always
//! taken; folders are walked, honouring .gitignore even outside a git checkout,
//! for `*.yaml`/`*.yml` files whose `apiVersion` starts with "memmath".

use memmath::spec::mentions_memmath_api_version;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How much of a YAML file is read to decide whether it is a memmath spec.
const SNIFF_BYTES: u64 = 64 * 1024;

/// The spec files under `paths` (the current folder when empty), sorted and
/// without duplicates. A missing path or an unreadable folder is an error
/// (exit 2): silently linting fewer files than asked would pass CI wrongly.
pub fn collect_specs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let default = [PathBuf::from(".")];
    let roots = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
        if meta.is_dir() {
            walk_dir(root, &mut out)?;
        } else {
            out.push(root.clone());
        }
    }
    let mut out: Vec<PathBuf> = out.into_iter().map(|p| tidy(&p)).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk_dir(root: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    use rayon::prelude::*;
    let walker = ignore::WalkBuilder::new(root)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut yaml_files = Vec::new();
    for entry in walker {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml");
        if is_file && yaml {
            yaml_files.push(entry.into_path());
        }
    }
    // Sniffing reads every YAML file: on the thread pool, in walk order (a
    // serial sniff of 10,000 files held the other core idle; docs/performance.md).
    // A small folder is sniffed serially: starting the pool would cost more.
    let keep: Vec<bool> = if yaml_files.len() < 64 {
        yaml_files.iter().map(|p| looks_like_spec(p)).collect()
    } else {
        yaml_files.par_iter().map(|p| looks_like_spec(p)).collect()
    };
    out.extend(
        yaml_files
            .into_iter()
            .zip(keep)
            .filter_map(|(p, k)| k.then_some(p)),
    );
    Ok(())
}

/// True when the first 64 KiB hold an `apiVersion` key whose value starts with
/// "memmath": block style (`apiVersion: memmath/v1`), quoted key or value, or
/// flow style (`{"apiVersion": "memmath/v1", ...}`). A spec-looking file is
/// never skipped (design.md section 3); a stray mention in a comment only makes
/// a file linted, never hides one. Unreadable files are taken, so reading them
/// reports the error instead of skipping them silently.
pub fn looks_like_spec(path: &Path) -> bool {
    // The first 4 KiB in one read settle nearly every file (the key is near
    // the top); only a file that fills them is read on, to 64 KiB. One read
    // into a buffer, not `read_to_end`'s probing reads: the sniff was a sixth
    // of `check`'s time on 10,000 specs (docs/performance.md).
    const FIRST: usize = 4096;
    let Ok(mut file) = File::open(path) else {
        return true;
    };
    let mut head = vec![0u8; FIRST];
    let Ok(n) = read_full(&mut file, &mut head) else {
        return true;
    };
    head.truncate(n);
    if mentions_memmath_api_version(&String::from_utf8_lossy(&head)) {
        return true;
    }
    if n < FIRST {
        return false;
    }
    let rest = file.take(SNIFF_BYTES - FIRST as u64).read_to_end(&mut head);
    rest.is_err() || mentions_memmath_api_version(&String::from_utf8_lossy(&head))
}

/// Read until `buf` is full or the file ends; the count read.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// `./specs/a.yaml` -> `specs/a.yaml`: names as users write them.
fn tidy(p: &Path) -> PathBuf {
    p.strip_prefix(".")
        .map_or_else(|_| p.to_path_buf(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_only_memmath_yaml_and_honours_gitignore() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let spec = "apiVersion: memmath/v1\nkind: Serving\n";
        std::fs::write(d.join("a.yaml"), spec).expect("write");
        std::fs::write(d.join("b.yml"), "apiVersion: \"memmath/v2\"\n").expect("write");
        std::fs::write(d.join("k8s.yaml"), "apiVersion: apps/v1\n").expect("write");
        std::fs::write(d.join("notes.txt"), spec).expect("write");
        std::fs::create_dir(d.join("skip")).expect("mkdir");
        std::fs::write(d.join("skip/c.yaml"), spec).expect("write");
        std::fs::write(d.join(".gitignore"), "skip/\n").expect("write");
        let found = collect_specs(&[d.to_path_buf()]).expect("walk");
        let names: Vec<String> = found
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        assert_eq!(names, ["a.yaml", "b.yml"]);
    }

    #[test]
    fn sniffs_quoted_and_flow_style_specs() {
        for text in [
            "apiVersion: memmath/v1\n",
            "\u{feff}apiVersion: 'memmath/v1'\n",
            "\"apiVersion\": \"memmath/v1\"\n",
            "{\"apiVersion\": \"memmath/v1\", \"kind\": \"Serving\"}\n",
            "# deploy spec\n{apiVersion: memmath/v1}\n",
        ] {
            assert!(mentions_memmath_api_version(text), "{text:?}");
        }
        for text in [
            "apiVersion: apps/v1\n",
            "xapiVersion: memmath/v1\n",
            "kind: Deployment\n",
        ] {
            assert!(!mentions_memmath_api_version(text), "{text:?}");
        }
    }

    #[test]
    fn the_key_is_found_past_the_first_read_and_not_past_64_kib() {
        let dir = tempfile::tempdir().expect("tempdir");
        let at = |comment_bytes: usize, straddle: bool| {
            let mut text = "#".repeat(comment_bytes);
            text.push('\n');
            if straddle {
                // The key itself crosses the 4 KiB boundary of the first read.
                text = "#".repeat(4096 - 5) + "\n";
            }
            text.push_str("apiVersion: memmath/v1\n");
            let path = dir
                .path()
                .join(format!("s-{comment_bytes}-{straddle}.yaml"));
            std::fs::write(&path, text).expect("write");
            looks_like_spec(&path)
        };
        assert!(at(10, false));
        assert!(at(0, true));
        assert!(at(5000, false));
        assert!(at(60_000, false));
        assert!(!at(70_000, false));
    }

    #[test]
    fn named_files_are_always_taken_and_missing_ones_fail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("k8s.yaml");
        std::fs::write(&f, "apiVersion: apps/v1\n").expect("write");
        assert_eq!(
            collect_specs(std::slice::from_ref(&f)).expect("walk"),
            vec![f]
        );
        assert!(collect_specs(&[dir.path().join("nope.yaml")]).is_err());
    }
}
