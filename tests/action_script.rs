//! The GitHub Action's scripts (action.yml, scripts/action/) run locally with
//! the GitHub environment faked: a git repository with a base and a head
//! commit, GITHUB_EVENT_PATH / GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, and
//! GITHUB_API_URL pointing at a stub of the issue-comments API on 127.0.0.1
//! (nothing leaves the machine). The pull-request comment is posted once and
//! updated, not duplicated, on the next run. Skipped, with a message, without
//! `python3` or `git`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

const EXAMPLE: &str = include_str!("../specs/llama-3.1-70b-fp8-4xh100.yaml");

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// PATH with the memmath under test first.
fn path_env() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_memmath"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let old = std::env::var_os("PATH").unwrap_or_default();
    let mut all = vec![bin];
    all.extend(std::env::split_paths(&old));
    std::env::join_paths(all)
        .expect("PATH")
        .to_string_lossy()
        .into_owned()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One request the stub received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    auth: String,
    body: Value,
}

/// The comments of pull request 7 and the requests received.
#[derive(Default)]
struct Api {
    comments: Vec<Value>,
    seen: Vec<Seen>,
}

/// A stub of GitHub's issue-comments API: list (paginated), create, update.
fn stub(api: Arc<Mutex<Api>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut r = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let parts: Vec<&str> = line.split_whitespace().collect();
            let (method, path) = (parts[0].to_string(), parts[1].to_string());
            let (mut len, mut auth) = (0, String::new());
            loop {
                let mut h = String::new();
                r.read_line(&mut h).expect("header");
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (name, value) = h.split_once(':').unwrap_or((h, ""));
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => len = value.trim().parse().unwrap_or(0),
                    "authorization" => auth = value.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).expect("body");
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let mut api = api.lock().expect("lock");
            api.seen.push(Seen {
                method: method.clone(),
                path: path.clone(),
                auth,
                body: body.clone(),
            });
            let (status, reply) = match (method.as_str(), path.as_str()) {
                ("GET", p) if p.starts_with("/repos/o/r/issues/7/comments") => {
                    let page1 = p.ends_with("&page=1");
                    (
                        200,
                        if page1 {
                            Value::from(api.comments.clone())
                        } else {
                            json!([])
                        },
                    )
                }
                ("POST", "/repos/o/r/issues/7/comments") => {
                    let id = 1000 + api.comments.len() as u64;
                    let c = json!({"id": id, "body": body["body"], "html_url": format!("https://github.test/o/r/pull/7#issuecomment-{id}")});
                    api.comments.push(c.clone());
                    (201, c)
                }
                ("PATCH", p) if p.starts_with("/repos/o/r/issues/comments/") => {
                    let id: u64 = p
                        .rsplit('/')
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    match api.comments.iter_mut().find(|c| c["id"] == id) {
                        Some(c) => {
                            c["body"] = body["body"].clone();
                            (200, c.clone())
                        }
                        None => (404, json!({"message": "Not Found"})),
                    }
                }
                _ => (404, json!({"message": "Not Found"})),
            };
            let text = reply.to_string();
            let mut s = stream;
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    format!("http://{addr}")
}

/// A repository whose head commit changes one spec, adds one, removes one,
/// and changes a YAML file that is not a spec.
fn repo(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("specs")).expect("mkdir");
    std::fs::write(dir.join("specs/chat.yaml"), EXAMPLE).expect("write");
    std::fs::write(
        dir.join("specs/old.yaml"),
        EXAMPLE.replacen("chat-70b-prod", "old-70b", 1),
    )
    .expect("write");
    std::fs::write(
        dir.join("specs/k8s.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\n",
    )
    .expect("write");
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "base"]);
    let base = git(dir, &["rev-parse", "HEAD"]);
    let head = EXAMPLE.replacen(
        "gpu_memory_utilization: 0.90",
        "gpu_memory_utilization: 0.30",
        1,
    );
    std::fs::write(dir.join("specs/chat.yaml"), head).expect("write");
    std::fs::write(
        dir.join("specs/new.yaml"),
        EXAMPLE.replacen("chat-70b-prod", "new-70b", 1),
    )
    .expect("write");
    std::fs::remove_file(dir.join("specs/old.yaml")).expect("rm");
    std::fs::write(
        dir.join("specs/k8s.yaml"),
        "apiVersion: apps/v1\nkind: StatefulSet\n",
    )
    .expect("write");
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "head"]);
    base
}

fn run_comment(ws: &Path, gh: &Path, api_url: &str) -> (String, String) {
    let out = Command::new("python3")
        .arg(root().join("scripts/action/pr_comment.py"))
        .current_dir(ws)
        .env("PATH", path_env())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", gh.join("event.json"))
        .env("GITHUB_REPOSITORY", "o/r")
        .env("GITHUB_API_URL", api_url)
        .env("GITHUB_TOKEN", "fake-token")
        .env("GITHUB_WORKSPACE", ws)
        .env("GITHUB_OUTPUT", gh.join("output"))
        .env("GITHUB_STEP_SUMMARY", gh.join("summary.md"))
        .env("MEMMATH_PATHS", "specs")
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "pr_comment.py failed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

#[test]
fn pr_comment_is_posted_once_then_updated() {
    if !have("python3") || !have("git") {
        eprintln!("SKIPPED: pr_comment_is_posted_once_then_updated: needs python3 and git");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    let gh = tmp.path().join("gh");
    std::fs::create_dir_all(&gh).expect("mkdir");
    let base = repo(&ws);
    let event =
        json!({"pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": "unused"}}});
    std::fs::write(gh.join("event.json"), event.to_string()).expect("event");

    let api = Arc::new(Mutex::new(Api::default()));
    // Someone else's comment: never touched.
    api.lock()
        .expect("lock")
        .comments
        .push(json!({"id": 5, "body": "LGTM", "html_url": "x"}));
    let url = stub(api.clone());

    let (stdout, _) = run_comment(&ws, &gh, &url);
    assert!(
        stdout.contains("posted https://github.test/o/r/pull/7#issuecomment-1001"),
        "{stdout}"
    );
    {
        let a = api.lock().expect("lock");
        let writes: Vec<&Seen> = a.seen.iter().filter(|s| s.method != "GET").collect();
        assert_eq!(writes.len(), 1, "{:?}", a.seen);
        assert_eq!(writes[0].method, "POST");
        assert_eq!(writes[0].auth, "Bearer fake-token");
        let body = writes[0].body["body"].as_str().expect("body");
        assert!(body.starts_with("<!-- memmath-action -->"), "{body}");
        assert!(body.contains("3 changed specs"), "{body}");
        // The changed spec: memmath diff's own Markdown, base vs head.
        assert!(body.contains("<!-- memmath-diff -->"), "{body}");
        assert!(
            body.contains(
                "Base `base/specs/chat.yaml` (fits) → head `specs/chat.yaml` (does not fit)"
            ),
            "{body}"
        );
        assert!(body.contains("#### `specs/new.yaml` (new)"), "{body}");
        assert!(body.contains("#### `specs/old.yaml`\n\nRemoved"), "{body}");
        assert!(!body.contains("k8s.yaml"), "{body}");
        assert!(
            !body.contains(tmp.path().to_string_lossy().as_ref()),
            "temporary paths leak: {body}"
        );
    }
    let output = std::fs::read_to_string(gh.join("output")).expect("GITHUB_OUTPUT");
    assert!(
        output.contains("comment-url=https://github.test/o/r/pull/7#issuecomment-1001"),
        "{output}"
    );
    let summary = std::fs::read_to_string(gh.join("summary.md")).expect("summary");
    assert!(summary.contains("memmath diff"), "{summary}");
    // The base worktree is gone.
    assert!(!git(&ws, &["worktree", "list"]).contains("memmath-base"));

    // The next push: the same comment is updated, no second one.
    std::fs::write(
        ws.join("specs/chat.yaml"),
        EXAMPLE.replacen(
            "gpu_memory_utilization: 0.90",
            "gpu_memory_utilization: 0.85",
            1,
        ),
    )
    .expect("write");
    git(&ws, &["commit", "-qam", "push 2"]);
    let (stdout, _) = run_comment(&ws, &gh, &url);
    assert!(
        stdout.contains("updated https://github.test/o/r/pull/7#issuecomment-1001"),
        "{stdout}"
    );
    let a = api.lock().expect("lock");
    let writes: Vec<&Seen> = a.seen.iter().filter(|s| s.method != "GET").collect();
    assert_eq!(writes.len(), 2);
    assert_eq!(writes[1].method, "PATCH");
    assert_eq!(writes[1].path, "/repos/o/r/issues/comments/1001");
    let ours: Vec<&Value> = a
        .comments
        .iter()
        .filter(|c| c["body"].as_str().unwrap_or("").contains("memmath-action"))
        .collect();
    assert_eq!(ours.len(), 1);
    assert!(ours[0]["body"]
        .as_str()
        .unwrap_or("")
        .contains("(fits) → head `specs/chat.yaml` (fits)"));
    assert_eq!(a.comments[0]["body"], "LGTM");
}

#[test]
fn check_step_writes_annotations_sarif_and_the_exit_code() {
    if !have("git") {
        eprintln!("SKIPPED: check_step_writes_annotations_sarif_and_the_exit_code: needs git");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = tmp.path().join("ws");
    repo(&ws);
    let gh_output = tmp.path().join("output");
    let out = Command::new("bash")
        .arg(root().join("scripts/action/check.sh"))
        .current_dir(&ws)
        .env("PATH", path_env())
        .env("GITHUB_OUTPUT", &gh_output)
        .env("MEMMATH_PATHS", "specs")
        .env("MEMMATH_FAIL_ON", "error")
        .env("MEMMATH_SARIF", "true")
        .env("MEMMATH_SARIF_FILE", "memmath.sarif")
        .output()
        .expect("bash");
    // The step itself succeeds; the status is in its output.
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error file=specs/chat.yaml,line="),
        "{stdout}"
    );
    assert!(stdout.contains("MEM003"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&gh_output).expect("output"),
        "exit-code=1\n"
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.join("memmath.sarif")).expect("sarif"))
            .expect("SARIF JSON");
    assert_eq!(sarif["version"], "2.1.0");

    // The install step's cache key: from the action's sources, in GITHUB_OUTPUT.
    let key_out = tmp.path().join("key");
    let out = Command::new("bash")
        .arg(root().join("scripts/action/install.sh"))
        .arg("key")
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_OUTPUT", &key_out)
        .env("RUNNER_OS", "Linux")
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = std::fs::read_to_string(&key_out).expect("key");
    assert!(
        key.starts_with("key=memmath-Linux-")
            && key.trim_end().len() > "key=memmath-Linux-x86_64-".len(),
        "{key}"
    );
}

#[test]
fn action_yml_runs_scripts_that_exist() {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    assert!(text.contains("using: composite"));
    for script in ["install.sh", "check.sh", "pr_comment.py"] {
        assert!(
            text.contains(&format!("scripts/action/{script}")),
            "{script}"
        );
        assert!(
            root().join("scripts/action").join(script).is_file(),
            "{script}"
        );
    }
}
