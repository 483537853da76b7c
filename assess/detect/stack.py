"""The detected stack: which tools the repository really uses (in code or configuration), for the headline."""

from __future__ import annotations

from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.detect import pipelines as pl
from mlops_level.assess.facts.repository import Facts


def detect_stack(facts: Facts) -> list[str]:
    """Tool names, sorted: pl.orchestrators, libraries imported by code, CI providers, DVC, Docker."""
    found = set(pl.orchestrators(facts)) | set(pl.yaml_pipelines(facts))
    for name, module in p.STACK_MODULES.items():
        if m.imports(facts, (module,)):
            found.add(name)
    found |= {pipeline.provider for pipeline in facts.pipelines}
    if facts.paths_matching(r"(^|/)\.dvc/config$", r"\.dvc$", r"(^|/)dvc\.yaml$"):
        found.add("DVC")
    if facts.paths_matching(r"(^|/)(Dockerfile|Containerfile)[^/]*$"):
        found.add("Docker")
    if facts.paths_matching(*p.IAC_FILES[:1]):
        found.add("Terraform")
    if any("filter=lfs" in t for path, t in facts.texts.items() if path.endswith(".gitattributes")):
        found.add("git-LFS")
    return sorted(found, key=str.lower)
