//! Which engine release an imported launch runs: the `--engine-version` the
//! user passed, else the container image's tag; an image that follows the
//! newest release (`:latest`, `:nightly`, no tag, which Docker reads as
//! `latest`) gets the newest row of the engine table; anything else (a
//! digest, no image) the release memmath's serving defaults were taken from
//! (src/spec/engine_version.rs). What was assumed is said in provenance. The
//! flag tables' `removed_in` rows are compared against it.

use crate::spec::engine_version::{default_version, parse_version, rows};
use crate::spec::Engine;

/// (major, minor) of an engine release.
pub type Version = (u64, u64);

/// How the version was decided (the provenance of `serving.engine_version`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionSource {
    /// `--engine-version` (or the spec's own `serving.engine_version`).
    User,
    /// The tag of this image reference.
    ImageTag(String),
    /// No usable tag (`latest`, a digest, no image): the release the serving
    /// defaults were taken from; the string says why.
    Assumed(String),
}

/// The release an image tag names: `v0.8.5.post1`, `0.11.0-cu128`,
/// `1.0.0rc4`, `v0.4.6.post1-cu124`. None for `latest`, `nightly`, digests
/// and tags without a version.
pub fn from_image(image: &str) -> Option<Version> {
    let without_digest = image.split('@').next().unwrap_or(image);
    // The tag is after the last `:` that follows the last `/` (a registry
    // port `host:5000/...` is not a tag).
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let tag = without_digest[last_slash..].split_once(':')?.1;
    let t = tag.trim_start_matches(['v', 'V']);
    let mut nums = t.split(|c: char| !c.is_ascii_digit());
    let major: u64 = nums.next()?.parse().ok()?;
    // The minor must follow the major after a single dot.
    let rest = t.get(major.to_string().len()..)?;
    let rest = rest.strip_prefix('.')?;
    let minor_text: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let minor: u64 = minor_text.parse().ok()?;
    Some((major, minor))
}

/// True for an image reference that moves with the engine's releases: tag
/// `latest`, `nightly*` or `main`, or no tag and no digest (Docker pulls
/// `latest`).
fn follows_newest(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].split_once(':') {
        None => true,
        Some((_, tag)) => tag == "latest" || tag == "main" || tag.starts_with("nightly"),
    }
}

/// The version to import with, and how it was decided.
pub fn decide(engine: Engine, user: Option<&str>, image: Option<&str>) -> (Version, VersionSource) {
    if let Some(v) = user.and_then(parse_version) {
        return (v, VersionSource::User);
    }
    if let Some(image) = image {
        if let Some(v) = from_image(image) {
            return (v, VersionSource::ImageTag(image.to_string()));
        }
        if let Some(newest) = follows_newest(image).then(|| rows(engine).last()).flatten() {
            let v = newest.last;
            let why = format!(
                "the image `{image}` follows the engine's newest release: assumed {}.{}, the newest memmath's engine table knows ({}); pass --engine-version to pin the release you run",
                v.0, v.1, newest.label
            );
            return (v, VersionSource::Assumed(why));
        }
    }
    let assumed = default_version(engine);
    let why = match image {
        Some(i) => format!(
            "the image `{i}` names no release: assumed {}.{}, the release memmath's defaults were taken from; pass --engine-version",
            assumed.0, assumed.1
        ),
        None => format!(
            "no image names the release: assumed {}.{}, the release memmath's defaults were taken from; pass --engine-version",
            assumed.0, assumed.1
        ),
    };
    (assumed, VersionSource::Assumed(why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_give_releases() {
        assert_eq!(from_image("vllm/vllm-openai:v0.8.5.post1"), Some((0, 8)));
        assert_eq!(from_image("vllm/vllm-openai:v0.11.0"), Some((0, 11)));
        assert_eq!(
            from_image("lmsysorg/sglang:v0.4.6.post1-cu124"),
            Some((0, 4))
        );
        assert_eq!(
            from_image("nvcr.io/nvidia/tensorrt-llm/release:1.0.0rc4"),
            Some((1, 0))
        );
        assert_eq!(
            from_image("registry:5000/vllm/vllm-openai:0.9.2"),
            Some((0, 9))
        );
        assert_eq!(from_image("registry:5000/vllm/vllm-openai"), None);
        assert_eq!(from_image("vllm/vllm-openai:latest"), None);
        assert_eq!(from_image("vllm/vllm-openai@sha256:abc"), None);
        assert_eq!(from_image("vllm/vllm-openai:nightly-2025"), None);
    }

    #[test]
    fn latest_says_what_it_assumed() {
        // `latest` (or no tag) runs the newest release: the table's newest row.
        let newest = |e| rows(e).last().map(|r| r.last);
        for image in [
            "vllm/vllm-openai:latest",
            "vllm/vllm-openai",
            "vllm/vllm-openai:nightly-2025",
        ] {
            let (v, how) = decide(Engine::Vllm, None, Some(image));
            assert_eq!(Some(v), newest(Engine::Vllm), "{image}");
            assert!(matches!(how, VersionSource::Assumed(ref s) if s.contains("--engine-version")));
        }
        let (v, _) = decide(Engine::Sglang, None, Some("lmsysorg/sglang:latest"));
        assert_eq!(Some(v), newest(Engine::Sglang));
        // A digest or no image: the release the defaults were taken from.
        let (v, _) = decide(Engine::Vllm, None, Some("vllm/vllm-openai@sha256:abc"));
        assert_eq!(v, default_version(Engine::Vllm));
        let (v, _) = decide(Engine::Vllm, None, None);
        assert_eq!(v, default_version(Engine::Vllm));
        let (v, how) = decide(Engine::Vllm, Some("0.10"), Some("vllm/vllm-openai:v0.8.5"));
        assert_eq!((v, how), ((0, 10), VersionSource::User));
    }
}
