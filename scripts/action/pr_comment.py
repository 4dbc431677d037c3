#!/usr/bin/env python3
"""memmath Action, pull-request comment step (action.yml; docs/ci.md).

For every memmath spec the pull request adds, changes or removes (under the
action's `paths`), write `memmath diff BASE HEAD --format md` (base: the pull
request's base commit, checked out in a temporary git worktree so specs that
name files such as config.json find the base's copies), and post it as ONE
comment on the pull request, found again by its marker and updated on every
push instead of adding another. The body also goes to the job summary.

Reads only the standard GitHub Actions environment: GITHUB_EVENT_PATH,
GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_TOKEN, GITHUB_WORKSPACE,
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY (tests/action_script.rs fakes all of
them and the API). Python standard library only; `git` and `memmath` on PATH.
A comment that cannot be written (a fork's read-only token) is a warning,
never a failed job: the job summary still has the diff.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

MARKER = "<!-- memmath-action -->"
# GitHub rejects comment bodies over 65,536 characters.
MAX_BODY = 65000
SPEC_RE = re.compile(r"""(^|[\s{,])["']?apiVersion["']?\s*:\s*["']?memmath""", re.M)


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        sys.exit(f"memmath action: {name} is not set")
    return value


def git(*args, cwd=None, check=True):
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"memmath action: git {' '.join(args)} failed: {r.stderr.strip()}")
    return r


def is_spec(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return bool(SPEC_RE.search(f.read(65536)))
    except OSError:
        return False


def under(path, roots):
    if not roots or "." in roots:
        return True
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def changed_specs(base, workspace, roots):
    """(status, path) of YAML files the pull request touched under `roots`."""
    out = git("diff", "--name-status", "--no-renames", "-z", base, "HEAD", cwd=workspace).stdout
    fields = out.split("\0")
    pairs = []
    for i in range(0, len(fields) - 1, 2):
        status, path = fields[i], fields[i + 1]
        if path.endswith((".yaml", ".yml")) and under(path, roots):
            pairs.append((status[:1], path))
    return sorted(pairs, key=lambda p: p[1])


def memmath(*args, cwd):
    r = subprocess.run(["memmath", *args], cwd=cwd, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def section(status, path, base_dir, workspace):
    head = os.path.join(workspace, path)
    base = os.path.join(base_dir, path)
    if status == "D":
        return f"#### `{path}`\n\nRemoved in this pull request.\n" if is_spec(base) else None
    if not is_spec(head):
        return None
    if status == "A" or not os.path.exists(base):
        code, out, err = memmath("report", path, "--format", "md", cwd=workspace)
        if code != 0:
            return f"#### `{path}` (new)\n\n```text\n{err.strip()}\n```\n"
        return f"#### `{path}` (new)\n\n<details><summary>capacity report</summary>\n\n{out}\n</details>\n"
    # Head named as in the repository; the base's worktree path shown as `base/`.
    code, out, err = memmath("diff", base, path, "--format", "md", cwd=workspace)
    if code != 0:
        return f"#### `{path}`\n\nmemmath diff failed:\n\n```text\n{err.strip()}\n```\n"
    return out.replace(base_dir, "base")


def api(method, url, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/vnd.github+json")
    req.add_header("X-GitHub-Api-Version", "2022-11-28")
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def find_comment(api_url, repo, number, token):
    page = 1
    while True:
        url = f"{api_url}/repos/{repo}/issues/{number}/comments?per_page=100&page={page}"
        comments = api("GET", url, token)
        if not comments:
            return None
        for c in comments:
            if MARKER in (c.get("body") or ""):
                return c
        page += 1


def main():
    event = json.load(open(env("GITHUB_EVENT_PATH"), encoding="utf-8"))
    pr = event.get("pull_request") or {}
    number = pr.get("number")
    base_sha = (pr.get("base") or {}).get("sha")
    if not number or not base_sha:
        print("memmath action: not a pull request event; no comment")
        return 0
    workspace = os.path.abspath(env("GITHUB_WORKSPACE", os.getcwd()))
    roots = [os.path.normpath(p) for p in os.environ.get("MEMMATH_PATHS", ".").split()]
    if git("cat-file", "-e", base_sha + "^{commit}", cwd=workspace, check=False).returncode != 0:
        git("fetch", "--no-tags", "--depth=1", "origin", base_sha, cwd=workspace)

    with tempfile.TemporaryDirectory(prefix="memmath-base-") as tmp:
        base_dir = os.path.join(tmp, "base")
        git("worktree", "add", "--detach", base_dir, base_sha, cwd=workspace)
        try:
            sections = [
                s
                for status, path in changed_specs(base_sha, workspace, roots)
                if (s := section(status, path, base_dir, workspace))
            ]
        finally:
            git("worktree", "remove", "--force", base_dir, cwd=workspace, check=False)

    if sections:
        n = len(sections)
        intro = f"memmath: {n} changed spec{'s' if n != 1 else ''}, base `{base_sha[:7]}` → this pull request."
    else:
        intro = "memmath: no memmath spec changed in this pull request."
    body = f"{MARKER}\n## memmath\n\n{intro}\n\n" + "\n".join(sections)
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + "\n\n…(truncated: the full diff is in the job summary)\n"

    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write("\n".join([intro, *sections]) + "\n")

    api_url = env("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    repo = env("GITHUB_REPOSITORY")
    token = env("GITHUB_TOKEN")
    try:
        existing = find_comment(api_url, repo, number, token)
        if existing:
            result = api("PATCH", f"{api_url}/repos/{repo}/issues/comments/{existing['id']}", token, {"body": body})
            action = "updated"
        else:
            result = api("POST", f"{api_url}/repos/{repo}/issues/{number}/comments", token, {"body": body})
            action = "posted"
    except urllib.error.HTTPError as e:
        print(f"::warning::memmath could not write the pull-request comment ({e.code} {e.reason}); the diff is in the job summary")
        return 0
    except urllib.error.URLError as e:
        print(f"::warning::memmath could not reach the GitHub API ({e.reason}); the diff is in the job summary")
        return 0
    url = (result or {}).get("html_url", "")
    print(f"memmath action: {action} {url}")
    out = os.environ.get("GITHUB_OUTPUT")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(f"comment-url={url}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
