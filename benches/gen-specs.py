#!/usr/bin/env python3
"""Write COUNT distinct memmath specs into DIR for the many-spec benchmarks
(benches/cli.sh, benches/many.sh): the example specs in specs/ over and over,
each with its own metadata.name and a different concurrency, plus specs/configs
(the hf_config spec's relative path), spread over subfolders of 1,000 files the
way a monorepo spreads them (one folder per model x region).

    benches/gen-specs.py 10000 /tmp/many
"""
import pathlib
import re
import shutil
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    count, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
    root = pathlib.Path(__file__).resolve().parent.parent
    templates = sorted((root / "specs").glob("*.yaml"))
    if not templates:
        print("gen-specs: no specs/*.yaml", file=sys.stderr)
        return 2
    texts = [t.read_text() for t in templates]
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        folder = out / f"group-{i // 1000:02d}"
        if i % 1000 == 0:
            folder.mkdir(exist_ok=True)
            # Relative hf_config paths resolve from the spec's folder.
            shutil.copytree(root / "specs" / "configs", folder / "configs", dirs_exist_ok=True)
        text = texts[i % len(texts)]
        text = re.sub(r"(?m)^  name: .*$", f"  name: gen-{i}", text, count=1)
        text = re.sub(r"concurrency: (\d+)", lambda m: f"concurrency: {(i % 7) + 1}{m.group(1)}", text)
        (folder / f"spec-{i:05d}.yaml").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
