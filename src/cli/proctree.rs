//! The process tree under a pid, from Linux `/proc` (`task/*/children`), for
//! `verify --observe`: an engine's GPU memory is held by its worker processes,
//! not by the pid a user knows (vLLM's API server).

use super::files::read_bounded;
use std::collections::BTreeSet;
use std::fs;

/// `roots` and every descendant that `/proc` shows; just `roots` where `/proc`
/// is unreadable (not Linux, another user's process).
pub fn with_descendants(roots: &[u32]) -> Vec<u32> {
    let mut seen: BTreeSet<u32> = BTreeSet::new();
    let mut stack: Vec<u32> = roots.to_vec();
    while let Some(pid) = stack.pop() {
        if !seen.insert(pid) {
            continue;
        }
        stack.extend(children(pid).into_iter().filter(|c| !seen.contains(c)));
    }
    seen.into_iter().collect()
}

/// A `children` file lists pids, at most 11 bytes each; 1 MiB is ~95,000
/// children of one thread, far past any engine. Every file read is bounded.
const CHILDREN_LIMIT: u64 = 1 << 20;

fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| {
            read_bounded(&t.path().join("children"), CHILDREN_LIMIT)
                .ok()?
                .ok()
        })
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .flat_map(|text| {
            text.split_whitespace()
                .filter_map(|c| c.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_the_root_and_a_spawned_child() {
        let me = std::process::id();
        let Ok(mut child) = std::process::Command::new("sleep").arg("5").spawn() else {
            return; // no `sleep` on this system: nothing to observe
        };
        let tree = with_descendants(&[me]);
        let child_id = child.id();
        let _ = child.kill();
        let _ = child.wait();
        assert!(tree.contains(&me));
        if std::path::Path::new("/proc/self/task").exists() {
            assert!(tree.contains(&child_id), "{tree:?} lacks {child_id}");
        }
    }

    #[test]
    fn unknown_pid_is_kept_alone() {
        // pid 0 is never a user process; /proc/0 does not exist.
        assert_eq!(with_descendants(&[0]), [0]);
    }
}
