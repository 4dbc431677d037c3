//! Finding the engine in a command: `vllm serve`, `python -m
//! vllm.entrypoints.openai.api_server`, `python -m sglang.launch_server`,
//! `trtllm-serve`, Dynamo's `python -m dynamo.{vllm,sglang,trtllm}` and
//! `docker run ... vllm/vllm-openai:TAG ARGS`, behind the usual prefixes
//! (`exec`, `nohup`, `env A=1`, `uv run`, `CUDA_VISIBLE_DEVICES=0`, `then`).

use crate::import::words::Word;
use crate::spec::Engine;

/// An engine launch inside a command's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub engine: Engine,
    /// Index of the first engine argument (after `serve` / the module).
    pub args_from: usize,
    /// Index of the word that names the engine (for the launch's location).
    pub at: usize,
    /// The container image, for `docker run` (its tag gives the version).
    pub image: Option<String>,
    /// `NAME=value` words before the command and `docker run -e` values.
    pub env: Vec<(String, usize)>,
    /// `docker run --gpus N` / `device=0,1`: GPUs the container sees.
    pub gpus: Option<(u64, usize)>,
}

/// Images whose entrypoint is the engine itself (args follow the image).
fn image_engine(image: &str) -> Option<Engine> {
    let repo = image
        .split(['@', ':'])
        .next()
        .unwrap_or(image)
        .to_ascii_lowercase();
    let repo = repo
        .rsplit_once('/')
        .map_or(repo.as_str(), |(_, r)| r)
        .to_string();
    match repo.as_str() {
        "vllm-openai" | "vllm-tpu" | "vllm-openai-rocm" => Some(Engine::Vllm),
        _ => None,
    }
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

fn is_python(s: &str) -> bool {
    let b = basename(s);
    b == "python" || b.starts_with("python3") || b == "python2"
}

/// Engine of a `python -m MODULE`.
fn module_engine(m: &str) -> Option<Engine> {
    match m {
        "vllm.entrypoints.openai.api_server" | "vllm.entrypoints.api_server" | "dynamo.vllm" => {
            Some(Engine::Vllm)
        }
        "sglang.launch_server" | "dynamo.sglang" | "dynamo.sglang.worker" => Some(Engine::Sglang),
        "dynamo.trtllm" => Some(Engine::TensorrtLlm),
        _ => None,
    }
}

/// Docker options that take a value (`-v X`, `--name X`).
const DOCKER_VALUE_OPTS: &[&str] = &[
    "-v",
    "--volume",
    "-p",
    "--publish",
    "-e",
    "--env",
    "--name",
    "--gpus",
    "--ipc",
    "--shm-size",
    "--runtime",
    "--ulimit",
    "--mount",
    "--network",
    "--net",
    "-w",
    "--workdir",
    "--entrypoint",
    "--device",
    "--security-opt",
    "--cap-add",
    "--cap-drop",
    "--group-add",
    "--env-file",
    "-u",
    "--user",
    "-l",
    "--label",
    "--restart",
    "-m",
    "--memory",
    "--cpus",
    "--platform",
    "-h",
    "--hostname",
    "--add-host",
    "--log-driver",
    "--log-opt",
    "--pull",
    "--cpuset-cpus",
    "--memory-swap",
    "--tmpfs",
    "--dns",
    "--pid",
    "--uts",
    "--userns",
    "--cgroupns",
];

/// The engine launch in `words`, if any.
pub fn find(words: &[Word]) -> Option<Found> {
    let lit: Vec<Option<String>> = words.iter().map(Word::as_literal).collect();
    let get = |i: usize| lit.get(i).and_then(|o| o.as_deref());
    let mut env = Vec::new();
    let mut i = 0;
    // Prefixes that run the next words as the command.
    while let Some(w) = get(i) {
        match w {
            "exec" | "nohup" | "then" | "do" | "else" | "time" | "sudo" | "!" | "{" | "command" => {
                i += 1
            }
            "env" => i += 1,
            "uv" if get(i + 1) == Some("run") => i += 2,
            "poetry" | "pipenv" if get(i + 1) == Some("run") => i += 2,
            "conda" if get(i + 1) == Some("run") => {
                i += 2;
                // `conda run -n ENV cmd`
                while get(i).is_some_and(|w| w.starts_with('-')) {
                    i += if matches!(get(i), Some("-n" | "--name" | "-p" | "--prefix")) {
                        2
                    } else {
                        1
                    };
                }
            }
            w if is_assignment(w) => {
                env.push((w.to_string(), i));
                i += 1;
            }
            _ => break,
        }
    }
    let head = get(i)?;
    let found = |engine, args_from, at| Found {
        engine,
        args_from,
        at,
        image: None,
        env: env.clone(),
        gpus: None,
    };
    match basename(head) {
        "vllm" if get(i + 1) == Some("serve") => Some(found(Engine::Vllm, i + 2, i)),
        "trtllm-serve" => {
            let from = if get(i + 1) == Some("serve") {
                i + 2
            } else {
                i + 1
            };
            Some(found(Engine::TensorrtLlm, from, i))
        }
        "sglang" if get(i + 1) == Some("serve") => Some(found(Engine::Sglang, i + 2, i)),
        "docker" | "podman" | "nerdctl" => docker(words, &lit, i, env),
        h if is_python(h) => {
            let mut k = i + 1;
            while let Some(w) = get(k) {
                if w == "-m" {
                    let engine = module_engine(get(k + 1)?)?;
                    return Some(found(engine, k + 2, i));
                }
                if !w.starts_with('-') {
                    return None;
                }
                k += 1;
            }
            None
        }
        _ => None,
    }
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

fn docker(
    words: &[Word],
    lit: &[Option<String>],
    i: usize,
    mut env: Vec<(String, usize)>,
) -> Option<Found> {
    let get = |k: usize| lit.get(k).and_then(|o| o.as_deref());
    if get(i + 1) != Some("run") {
        return None;
    }
    let mut k = i + 2;
    let mut gpus = None;
    while let Some(w) = get(k) {
        if !w.starts_with('-') {
            break;
        }
        let (opt, inline) = match w.split_once('=') {
            Some((o, v)) => (o, Some(v.to_string())),
            None => (w, None),
        };
        let takes = DOCKER_VALUE_OPTS.contains(&opt);
        let value = if takes && inline.is_none() {
            k += 1;
            get(k).map(str::to_string)
        } else {
            inline
        };
        if matches!(opt, "-e" | "--env") {
            if let Some(v) = &value {
                if v.contains('=') {
                    env.push((v.clone(), k));
                }
            }
        }
        if opt == "--gpus" {
            gpus = value.as_deref().and_then(docker_gpus).map(|n| (n, k));
        }
        k += 1;
    }
    // Unresolved words among the options (`-v $PWD:/x`) are skipped above
    // only when literal; a variable image cannot be read.
    let image = get(k)?.to_string();
    let _ = words;
    if let Some(engine) = image_engine(&image) {
        return Some(Found {
            engine,
            args_from: k + 1,
            at: k,
            image: Some(image),
            env,
            gpus,
        });
    }
    // Other images run the command after them (`lmsysorg/sglang python3 -m ...`).
    let rest = &words[k + 1..];
    let mut inner = find(rest)?;
    inner.args_from += k + 1;
    inner.at += k + 1;
    inner.image = Some(image);
    inner.env.splice(0..0, env);
    inner.gpus = gpus;
    Some(inner)
}

/// `--gpus 2`, `--gpus '"device=0,1"'`; `all` says nothing countable.
fn docker_gpus(v: &str) -> Option<u64> {
    let v = v.trim_matches(['"', '\'']);
    if let Ok(n) = v.parse() {
        return Some(n);
    }
    let list = v.strip_prefix("device=")?;
    Some(list.split(',').filter(|s| !s.trim().is_empty()).count() as u64)
}

/// Whether a comment line holds an engine launch (a commented-out command):
/// the comment's text, split like a command line, starts an engine.
pub fn comment_launches(text: &str) -> bool {
    let body = text.trim_start_matches('#');
    super::shell::split(body, 0)
        .commands
        .iter()
        .any(|c| find(&c.words).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::carriers::shell::split;

    fn first(text: &str) -> Option<Found> {
        split(text, 0).commands.iter().find_map(|c| find(&c.words))
    }

    #[test]
    fn entrypoints_are_found_behind_prefixes() {
        let f = first("CUDA_VISIBLE_DEVICES=0 exec vllm serve m --tp 2").unwrap();
        assert_eq!((f.engine, f.args_from, f.env.len()), (Engine::Vllm, 4, 1));
        let f = first("python3 -u -m vllm.entrypoints.openai.api_server --model m").unwrap();
        assert_eq!((f.engine, f.args_from), (Engine::Vllm, 4));
        let f = first("python -m sglang.launch_server --model-path m").unwrap();
        assert_eq!(f.engine, Engine::Sglang);
        let f = first("trtllm-serve serve m --tp_size 2").unwrap();
        assert_eq!((f.engine, f.args_from), (Engine::TensorrtLlm, 2));
        assert!(first("python train.py --tp 2").is_none());
        assert!(first("echo vllm serve m").is_none());
    }

    #[test]
    fn docker_run_takes_image_args_and_gpus() {
        let f = first("docker run --runtime nvidia --gpus '\"device=0,1\"' -e HF_TOKEN=x -p 8000:8000 --ipc=host vllm/vllm-openai:v0.8.5 --model m").unwrap();
        assert_eq!(f.image.as_deref(), Some("vllm/vllm-openai:v0.8.5"));
        assert_eq!(f.gpus.map(|g| g.0), Some(2));
        assert_eq!(f.env.len(), 1);
        let f = first("docker run --gpus all lmsysorg/sglang:v0.4.6 python3 -m sglang.launch_server --model-path m").unwrap();
        assert_eq!(
            (f.engine, f.image.as_deref()),
            (Engine::Sglang, Some("lmsysorg/sglang:v0.4.6"))
        );
    }
}
