"""The detected stack: which tools the repository really uses (in code or configuration), for the headline."""

from __future__ import annotations

from . import match as m
from . import patterns as p
from .checks_pipeline import orchestrators, yaml_pipelines
from .facts import Facts


def detect_stack(facts: Facts) -> list[str]:
    """Tool names, sorted: orchestrators, libraries imported by code, CI providers, DVC, Docker."""
    found = set(orchestrators(facts)) | set(yaml_pipelines(facts))
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
