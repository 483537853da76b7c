"""How models are served (online apps, manifests, batch scoring) and where drift is measured."""

from __future__ import annotations

import re

from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.facts.repository import Facts, Source
from mlops_level.assess.model import Evidence


def online_serving(facts: Facts) -> list[m.Hit]:
    """Where an online prediction service is defined in production code (FastAPI, Flask, BentoML, Ray Serve
    ...) or deployed to a managed endpoint (Vertex, SageMaker, Azure ML, Databricks serving)."""
    hits = [h for items in m.by_tool(facts, p.SERVING, m.PROD).values() for h in items]
    hits += [h for items in m.by_tool(facts, p.SERVING, m.PROD, "decorators").values() for h in items]
    hits += [h for items in m.by_tool(facts, p.SERVING, m.PROD, "bases").values() for h in items]
    return hits + m.calls(facts, p.MODEL_DEPLOY_CALLS, m.PROD)


def serving_manifests(facts: Facts) -> list[Evidence]:
    found = [
        Evidence(path) for tool, regexes in p.SERVING_FILES.items() for path in facts.paths_matching(*regexes)
    ]
    for path, docs in facts.yaml.items():
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") in p.SERVING_KINDS.values():
                found.append(Evidence(path, None, f"kind: {doc['kind']}"))
    return found


def batch_scoring(facts: Facts, roles: tuple[str, ...] = m.PROD) -> list[m.Hit]:
    hits = m.calls(facts, p.BATCH_SERVING_CALLS, roles)
    hits += [
        h
        for h in m.calls(facts, p.PREDICT_CALLS, roles)
        if re.search(
            r"(^|/)(predict|score|scoring|infer|inference|batch|serve|serving)[^/]*\.py$", h.source.path
        )
    ]
    return hits


def with_local_imports(facts: Facts, paths: set[str], depth: int = 1) -> list[Source]:
    """The given sources plus the local modules they import, `depth` levels deep (linear: each module is
    visited once)."""
    sources = [facts.sources[path] for path in sorted(paths) if facts.sources[path].facts is not None]
    frontier = list(sources)
    for _ in range(depth):
        frontier = _imported(facts, frontier, sources)
    return sources


def _imported(facts: Facts, frontier: list[Source], seen: list[Source]) -> list[Source]:
    added = []
    known = {s.path for s in seen}
    for source in frontier:
        names = [name for name, _ in source.facts.imports]
        names += [_absolute(source, name) for name, _ in source.facts.relative_imports]
        for name in filter(None, names):
            target = facts.module_path(name)
            if target is None and "." in name:
                target = facts.module_path(name.rsplit(".", 1)[0])
            if target and facts.sources[target].facts is not None and target not in known:
                known.add(target)
                seen.append(facts.sources[target])
                added.append(facts.sources[target])
    return added


def _absolute(source: Source, name: str) -> str | None:
    """`.nodes` imported by `pkg/pipelines/train/pipeline.py` -> `pkg.pipelines.train.nodes`."""
    if not name.startswith("."):
        return name
    if not source.module:
        return name.lstrip(".") or None
    level = len(name) - len(name.lstrip("."))
    package = source.module.split(".")
    package = package[:-1] if package[-1] != "__init__" else package[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    rest = name.lstrip(".")
    return ".".join([*package, rest] if rest else package) or None


def _computes(source: Source) -> bool:
    """A module that does numerical work (numpy, scipy, pandas, statistics ...): a function named `*drift*`
    elsewhere (a report formatter, a rule table) measures nothing."""
    return any(name.split(".")[0] in p.NUMERIC_MODULES for name, _ in source.facts.imports)


def drift_sources(facts: Facts, roles: tuple[str, ...] = m.PROD) -> list[Source]:
    """Files measuring drift or live performance: monitoring libraries, KS/PSI statistics, drift functions."""
    paths = {
        h.source.path for items in m.by_tool(facts, p.DRIFT_CALLS, roles, "imports").values() for h in items
    }
    paths |= {
        s.path
        for s in facts.by_role(*roles)
        if any(re.search(p.DRIFT_FUNCTION_WORDS, name, re.I) for name, _ in s.facts.functions)
        and _computes(s)
    }
    return [facts.sources[path] for path in sorted(paths)]
