"""Pure helpers the checks share: matching resolved names against patterns and turning hits into evidence."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mlops_level.assess.facts.pysource import PATTERN_MODULES
from mlops_level.assess.facts.repository import Facts, Source
from mlops_level.assess.model import Evidence, Finding, Status

PROD = ("prod",)
ANY_CODE = ("prod", "notebook", "example")
MAX_EVIDENCE = 25


@dataclass(frozen=True)
class Hit:
    source: Source
    line: int | None
    label: str

    @property
    def evidence(self) -> Evidence:
        snippet = self.source.facts.snippet(self.line) if self.source.facts and self.line else ""
        return Evidence(
            self.source.path, None if self.source.role == "notebook" else self.line, snippet or self.label
        )


def name_matches(name: str, pattern: str) -> bool:
    """`mlflow.*` matches under a module, `.method` a method on any receiver, anything else exactly."""
    if pattern.endswith(".*"):
        return name.startswith(pattern[:-1]) or name == pattern[:-2]
    if pattern.startswith("."):
        return name.endswith(pattern)
    if "*" in pattern:
        head, tail = pattern.split("*", 1)
        return name.startswith(head) and name.endswith(tail)
    return name == pattern


def any_match(name: str, patterns: Iterable[str]) -> bool:
    """Whether `name` matches one of the patterns, as `name_matches` (patterns sorted by kind once)."""
    exact, prefixes, suffixes, stars = _matcher(tuple(patterns))
    return (
        name in exact
        or name.startswith(prefixes)
        or name.endswith(suffixes)
        or any(name.startswith(head) and name.endswith(tail) for head, tail in stars)
    )


@functools.lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...], tuple]:
    """(exact names, prefixes, suffixes, (head, tail) pairs) that together match as `name_matches` does."""
    exact, prefixes, suffixes, stars = set(), [], [], []
    for pattern in patterns:
        if pattern.endswith(".*"):
            prefixes.append(pattern[:-1])
            exact.add(pattern[:-2])
        elif pattern.startswith("."):
            suffixes.append(pattern)
        elif "*" in pattern:
            stars.append(tuple(pattern.split("*", 1)))
        else:
            exact.add(pattern)
    return frozenset(exact), tuple(prefixes), tuple(suffixes), tuple(stars)


def _entries(facts: Facts, kind: str) -> dict[str, dict[str, list[tuple[Source, str, int, object]]]]:
    """Names of one kind (calls, decorators, bases, kwargs, imports) of every parsed source, indexed by their
    first and last dotted segment so a pattern only looks at names that can match it. Built once per Facts."""
    key = f"index:{kind}"
    if key not in facts.cache:
        first: dict[str, list] = {}
        last: dict[str, list] = {}
        for source in facts.sources.values():
            if source.facts is None:
                continue
            if kind == "calls":
                items = [(c.name, c.line, c) for c in source.facts.calls]
            elif kind == "decorators":
                items = [(d.decorator, d.line, d) for d in source.facts.decorated]
            elif kind == "bases":
                items = [(base, line, cls) for base, cls, line in source.facts.bases]
            elif kind == "kwargs":
                items = [(kw, c.line, c) for c in source.facts.calls for kw in c.kwargs]
            else:
                items = [(name, line, name) for name, line in source.facts.imports]
            for name, line, obj in items:
                entry = (source, name, line, obj)
                first.setdefault(_segment(name, 0), []).append(entry)
                last.setdefault(_segment(name, -1), []).append(entry)
        facts.cache[key] = {"first": first, "last": last}
    return facts.cache[key]


def _segment(name: str, index: int) -> str:
    return name.split(".")[index].rstrip("()[]*")


def _find(facts: Facts, kind: str, patterns: Iterable[str], roles: tuple[str, ...]):
    """(source, name, line, obj) entries whose name matches one of the patterns, in source order."""
    index = _entries(facts, kind)
    found: dict[tuple[str, int, str], tuple] = {}
    for pattern in patterns:
        if pattern.endswith(".*"):
            candidates = index["first"].get(_segment(pattern[:-2], 0), [])
        else:
            candidates = index["last"].get(_segment(pattern, -1), [])
        for entry in candidates:
            source, name, line, _ = entry
            if source.role in roles and name_matches(name, pattern):
                found.setdefault((source.path, line, name), entry)
    return [found[key] for key in sorted(found)]


def calls(
    facts: Facts, patterns: Iterable[str], roles: tuple[str, ...] = ANY_CODE, kwargs: Iterable[str] = ()
) -> list[Hit]:
    """Calls whose resolved name matches; with `kwargs`, only calls passing one of those keywords."""
    wanted = frozenset(kwargs)
    return [
        Hit(source, line, name)
        for source, name, line, call in _find(facts, "calls", patterns, roles)
        if not wanted or call.kwargs & wanted
    ]


def kwarg_calls(facts: Facts, kwargs: Iterable[str], roles: tuple[str, ...] = ANY_CODE) -> list[Hit]:
    """Calls of anything that pass one of `kwargs` (e.g. `registered_model_name=`)."""
    return [Hit(source, line, call.name) for source, _, line, call in _find(facts, "kwargs", kwargs, roles)]


def imports(facts: Facts, modules: Iterable[str], roles: tuple[str, ...] = ANY_CODE) -> list[Hit]:
    """Imports of these modules or their sub-modules."""
    index = _entries(facts, "imports")
    found = {}
    for module in (m[:-2] if m.endswith(".*") else m for m in modules):
        for source, name, line, _ in index["first"].get(_segment(module, 0), []):
            if source.role in roles and (name == module or name.startswith(module + ".")):
                found.setdefault((source.path, line, name), Hit(source, line, f"import {name}"))
    return [found[key] for key in sorted(found)]


def decorators(facts: Facts, patterns: Iterable[str], roles: tuple[str, ...] = ANY_CODE) -> list[Hit]:
    return [
        Hit(source, line, f"@{name}") for source, name, line, _ in _find(facts, "decorators", patterns, roles)
    ]


def bases(facts: Facts, patterns: Iterable[str], roles: tuple[str, ...] = ANY_CODE) -> list[Hit]:
    return [
        Hit(source, line, f"class {cls}({name})")
        for source, name, line, cls in _find(facts, "bases", patterns, roles)
    ]


PROSE_WORDS = 4  # a string of this many words or more is a message or documentation, not a reference


def strings(facts: Facts, regex: str, roles: tuple[str, ...] = ANY_CODE) -> list[Hit]:
    """String values (a stage name, an alias, a model URI) matching `regex`. Messages and prose never count:
    "the production model is referenced" in a help text is not a reference to a production model."""
    compiled = re.compile(regex, re.I)
    return [
        Hit(source, line, value[:80])
        for source in facts.by_role(*roles)
        for value, line in source.facts.strings
        if len(value.split()) < PROSE_WORDS and compiled.search(value)
    ]


def call_arguments(facts: Facts, regex: str, roles: tuple[str, ...] = ANY_CODE) -> list[Hit]:
    """Calls given a string argument matching `regex` (`load_model("models:/churn@champion")`): a value the
    code passes on, where a bare constant could be a label or a message."""
    compiled = re.compile(regex, re.I)
    return [
        Hit(source, call.line, source.facts.snippet(call.line) or call.name)
        for source in facts.by_role(*roles)
        for decorating in [{(d.line, d.decorator) for d in source.facts.decorated}]
        for call in source.facts.calls
        if call.name.split(".")[0] not in PATTERN_MODULES
        and (call.line, call.name) not in decorating  # a decorator's arguments describe, they do not load
        and any(len(value.split()) < PROSE_WORDS and compiled.search(value) for value in call.strings)
    ]


def file_evidence(paths: Iterable[str], snippet: str = "") -> list[Evidence]:
    return [Evidence(p, None, snippet) for p in sorted(paths)][:MAX_EVIDENCE]


def evidence(hits: Iterable[Hit]) -> list[Evidence]:
    seen: dict[tuple, Evidence] = {}
    for hit in hits:
        ev = hit.evidence
        seen.setdefault((ev.path, ev.line, ev.snippet), ev)
    return sorted(seen.values(), key=lambda e: (e.path, e.line or 0))[:MAX_EVIDENCE]


def production(hits: list[Hit]) -> list[Hit]:
    return [h for h in hits if h.source.role == "prod"]


def by_role(hits: list[Hit], what: str, *, missing: str, partial_note: str = "") -> Finding:
    """The common verdict: pass on production code, partial when found only in notebooks or examples."""
    prod = production(hits)
    if prod:
        return Finding(Status.PASS, f"{what} in {where_hits(prod)}", evidence(prod))
    if hits:
        note = partial_note or "only in notebooks or examples, not in the production code"
        return Finding(Status.PARTIAL, f"{what} {note} ({where_hits(hits)})", evidence(hits))
    return Finding(Status.FAIL, missing)


def where(paths: Iterable[str]) -> str:
    """Up to three paths for a one-line reason: `a.py, b.py, c.py and 2 more`."""
    paths = sorted(set(paths))
    return ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def where_hits(hits: list[Hit]) -> str:
    return where(h.source.path for h in hits)


def by_tool(
    facts: Facts, table: dict[str, tuple[str, ...]], roles: tuple[str, ...] = ANY_CODE, how: str = "calls"
) -> dict[str, list[Hit]]:
    """Hits per tool for a {tool: patterns} table (calls, decorators or imports)."""
    finder = {"calls": calls, "decorators": decorators, "imports": imports, "bases": bases}[how]
    return {tool: finder(facts, pats, roles) for tool, pats in table.items()}


# --- CI commands -
_SCRIPT = re.compile(r"(?:^|\s|/)((?:\./)?[\w./-]+\.sh)\b")
_MAKE = re.compile(r"\b(?:make|just)\s+(?:-\S+\s+)*([\w.\-/]+(?:\s+[\w.\-/]+)*)")
PY_MODULE = re.compile(
    r"\bpython[\d.]*\s+(?:-\S+\s+)*-m\s+([\w.]+)|\b(?:uv|poetry|pdm|hatch)\s+run\s+(?:python[\d.]*\s+)?"
    r"(?:-m\s+)?([\w./-]+)|\bpython[\d.]*\s+(?:-\S+\s+)*([\w./-]+\.py)\b"
)


@dataclass(frozen=True)
class CIStep:
    pipeline: object  # ciconfig.Pipeline
    job: object  # ciconfig.Job
    command: str  # the command as written in the CI file
    expanded: tuple[str, ...]  # the command plus the Makefile recipes it runs

    @property
    def evidence(self) -> Evidence:
        return Evidence(
            self.pipeline.path,
            self.pipeline.line_of(self.command.split("\n")[0][:60]),
            f"{self.job.name}: {self.command}"[:120],
        )


_LOCAL_USES = re.compile(r"^uses \./([\w./-]+?)/?(?:@\S+)?$")
_CLOUD_BUILD = re.compile(r"\bgcloud (?:beta )?builds submit\b.*?--config[= ]['\"]?([\w./-]+)")
_TOX = re.compile(r"\b(?:tox|nox)\b")


def _local_yaml(facts: Facts, path: str):
    docs = facts.yaml.get(posixpath.normpath(path))
    return docs[0] if docs and isinstance(docs[0], dict) else None


def _uses(facts: Facts, target: str) -> list[str]:
    """The commands of a reusable workflow or composite action inside the repository (`uses: ./...`)."""
    from mlops_level.assess.facts import ciconfig

    if target.endswith((".yml", ".yaml")):
        doc = _local_yaml(facts, target)
        if doc is None:
            return []
        return [c for job in ciconfig.github(target, doc, "").jobs for c in job.commands]
    for name in ("action.yml", "action.yaml"):
        doc = _local_yaml(facts, f"{target}/{name}")
        runs = doc.get("runs") if doc else None
        if isinstance(runs, dict) and isinstance(runs.get("steps"), list):
            wrapped = {"on": "push", "jobs": {"action": {"steps": runs["steps"]}}}
            return [c for job in ciconfig.github(target, wrapped, "").jobs for c in job.commands]
    return []


def _cloud_build(facts: Facts, config: str) -> list[str]:
    """The commands of a Cloud Build config that a CI step submits (`gcloud builds submit --config x`)."""
    from mlops_level.assess.facts import ciconfig

    doc = _local_yaml(facts, config)
    return (
        []
        if doc is None
        else [c for j in ciconfig.generic(config, "Cloud Build", doc, "").jobs for c in j.commands]
    )


def _tox_commands(facts: Facts) -> list[str]:
    """The test commands of tox and nox sessions (tox.ini `commands =`, noxfile `session.run(...)`)."""
    lines = []
    for path, text in facts.texts.items():
        if path.rsplit("/", 1)[-1] == "tox.ini":
            lines += [x.strip() for x in re.findall(r"^\s*commands\s*=\s*(.+(?:\n[ \t]+.+)*)", text, re.M)]
    for path, source in facts.sources.items():
        if path.rsplit("/", 1)[-1] == "noxfile.py" and source.facts is not None:
            lines += [
                " ".join(c.strings) for c in source.facts.calls if c.name.endswith(".run") and c.strings
            ]
    return lines


def expand(facts: Facts, command: str, depth: int = 3) -> list[str]:
    """A command and what it runs, followed `depth` levels: for `make T`/`just T` the recipe lines of T,
    for `bash scripts/x.sh` (or `./scripts/x.sh`) the lines of that script, for `uses: ./...` the steps of
    the local workflow or composite action, for `gcloud builds submit --config x` the Cloud Build steps,
    for `tox`/`nox` the commands of their sessions."""
    lines = [command]
    if depth:
        local = _LOCAL_USES.match(command)
        if local:
            for line in _uses(facts, local.group(1)):
                lines += expand(facts, line, depth - 1)
        for config in _CLOUD_BUILD.findall(command):
            for line in _cloud_build(facts, config):
                lines += expand(facts, line, depth - 1)
        if _TOX.search(command):
            lines += _tox_commands(facts)
        for match in _MAKE.finditer(command):
            for target in match.group(1).split():
                for recipe in facts.make_targets.get(target, []):
                    lines += expand(facts, recipe, depth - 1)
        for script in _SCRIPT.findall(command):
            text = facts.texts.get(posixpath.normpath(script))
            for line in (text or "").splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    lines += expand(facts, line.strip(), depth - 1)
    return lines


def ci_steps(facts: Facts, trigger: str | None = None) -> list[CIStep]:
    """Every CI command (of jobs that run on `trigger`, when given), with Makefile targets followed."""
    steps = []
    for pipeline in facts.pipelines:
        jobs = pipeline.jobs if trigger is None else pipeline.jobs_for(trigger)
        for job in jobs:
            for command in job.commands:
                steps.append(CIStep(pipeline, job, command, tuple(expand(facts, command))))
    return steps


def steps_matching(steps: list[CIStep], regex: str) -> list[CIStep]:
    compiled = re.compile(regex, re.I)
    return [s for s in steps if any(compiled.search(line) for line in s.expanded)]


_ENTRY_POINT = re.compile(r"""["']?([\w.-]+)["']?\s*=\s*["']?([\w.]+):[\w.]+""")


def console_scripts(facts: Facts) -> dict[str, str]:
    """Console scripts the project declares (setup.py/setup.cfg entry points, `[project.scripts]`), name ->
    the source file of their module."""
    if "scripts" not in facts.cache:
        found: dict[str, str] = {}
        for path, doc in facts.toml.items():
            if path.endswith("pyproject.toml"):
                scripts = (
                    doc.get("project", {}).get("scripts") if isinstance(doc.get("project"), dict) else None
                )
                for name, target in (scripts or {}).items() if isinstance(scripts, dict) else ():
                    found[str(name)] = str(target).split(":")[0]
        for path, source in facts.sources.items():
            if path.rsplit("/", 1)[-1] == "setup.py" and source.facts is not None:
                prefix = path.rsplit("/", 1)[0] if "/" in path else ""
                for value, _ in source.facts.strings:
                    for name, module in _ENTRY_POINT.findall(value):
                        found[name] = (prefix + "/" if prefix else "") + module
        resolved = {}
        for name, module in found.items():
            prefix, _, dotted = module.rpartition("/") if "/" in module else ("", "", module)
            candidates = [
                f"{prefix}/{dotted.replace('.', '/')}.py" if prefix else f"{dotted.replace('.', '/')}.py"
            ]
            path = facts.module_path(dotted) or next((c for c in candidates if c in facts.sources), None)
            if path:
                resolved[name] = path
        facts.cache["scripts"] = resolved
    return facts.cache["scripts"]


def invoked_sources(facts: Facts, steps: list[CIStep]) -> dict[str, CIStep]:
    """Local Python modules run by CI steps (`python -m pkg.deploy`, `python scripts/train.py`, a console
    script the project declares)."""
    found: dict[str, CIStep] = {}
    scripts = console_scripts(facts)
    for step in steps:
        for line in step.expanded:
            first = line.split()[0] if line.split() else ""
            if first in scripts:
                found.setdefault(scripts[first], step)
            for match in PY_MODULE.finditer(line):
                target = next(g for g in match.groups() if g)
                path = target.lstrip("./") if target.endswith(".py") else facts.module_path(target)
                if path is None and target.endswith(".py"):
                    path = target
                if path in facts.sources:
                    found.setdefault(path, step)
    return found


def step_evidence(steps: Iterable[CIStep]) -> list[Evidence]:
    seen: dict[tuple, Evidence] = {}
    for step in steps:
        ev = step.evidence
        seen.setdefault((ev.path, ev.line, ev.snippet), ev)
    return list(seen.values())[:MAX_EVIDENCE]
