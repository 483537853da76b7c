"""CI configurations of every provider normalised into one shape: triggers, crons, jobs and their commands.

Pure: takes already-loaded YAML (or Jenkinsfile text) and returns `Pipeline`s. Line numbers are found by
searching the raw text, because YAML loaders drop them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Job:
    name: str
    commands: list[str] = field(default_factory=list)  # shell lines, `uses:` actions and their `with:` values
    environment: str | None = None
    manual: bool = False  # needs a human: GitLab `when: manual`, Azure/GHA approvals are in `environment`
    only: set[str] = field(
        default_factory=set
    )  # triggers this job is limited to ("schedule", "pull_request" ...)


@dataclass
class Pipeline:
    path: str
    provider: str
    triggers: set[str] = field(default_factory=set)  # push, pull_request, schedule, manual, tag, data, api
    crons: list[str] = field(default_factory=list)
    push_paths: list[str] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    text: str = ""
    invalid: str = ""  # why the provider would refuse this file (its jobs then never run)

    def line_of(self, needle: str) -> int | None:
        index = self.text.find(needle)
        return None if index < 0 else self.text.count("\n", 0, index) + 1

    def jobs_for(self, trigger: str) -> list[Job]:
        """Jobs that run when `trigger` fires (a job limited to other triggers does not)."""
        if trigger not in self.triggers:
            return []
        return [job for job in self.jobs if not job.only or trigger in job.only]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return [] if value is None else [str(value)]


def _lines(commands: list[str]) -> list[str]:
    return [line.strip() for command in commands for line in command.splitlines() if line.strip()]


def github(path: str, doc, text: str) -> Pipeline:
    pipeline = Pipeline(path, "GitHub Actions", text=text)
    if not isinstance(doc, dict):
        return pipeline
    on = doc.get("on", doc.get(True))
    if isinstance(on, str):
        events = {on: None}
    elif isinstance(on, list):
        events = dict.fromkeys(str(item) for item in on if isinstance(item, str | int))
    else:
        events = on if isinstance(on, dict) else {}
    names = {
        "pull_request": "pull_request",
        "pull_request_target": "pull_request",
        "merge_group": "pull_request",
        "push": "push",
        "schedule": "schedule",
        "workflow_dispatch": "manual",
        "release": "tag",
        "repository_dispatch": "api",
        "workflow_run": "workflow_run",
        "workflow_call": "called",
    }
    for event, spec in events.items():
        pipeline.triggers.add(names.get(str(event), str(event)))
        if event == "schedule" and isinstance(spec, list):
            pipeline.crons += [
                str(item.get("cron")) for item in spec if isinstance(item, dict) and item.get("cron")
            ]
        if event == "push" and isinstance(spec, dict):
            if spec.get("tags"):
                pipeline.triggers.add("tag")
            pipeline.push_paths += [p for p in _strings(spec.get("paths")) if isinstance(p, str)]
    jobs = doc.get("jobs") if isinstance(doc.get("jobs"), dict) else {}
    for name, job in jobs.items():
        if not isinstance(job, dict):
            continue
        env = job.get("environment")
        env_name = env.get("name") if isinstance(env, dict) else env
        commands: list[str] = []
        for step in job.get("steps") if isinstance(job.get("steps"), list) else []:
            if isinstance(step, dict):
                commands += _strings(step.get("run"))
                if isinstance(step.get("uses"), str):
                    commands.append(f"uses {step['uses']}")
                    commands += [f"with {v}" for v in _strings(step.get("with"))]
        if isinstance(job.get("uses"), str):
            commands.append(f"uses {job['uses']}")
        condition = str(job.get("if", ""))
        only = {
            t
            for t, word in (
                ("schedule", "schedule"),
                ("pull_request", "pull_request"),
                ("push", "'push'"),
                ("manual", "workflow_dispatch"),
            )
            if f"event_name == '{t}'" in condition or f"event_name == {word}" in condition
        }
        pipeline.jobs.append(
            Job(str(name), _lines(commands), str(env_name) if env_name else None, False, only)
        )
    return pipeline


_GITLAB_RESERVED = {
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
    "pages",
}


def gitlab(path: str, doc, text: str) -> Pipeline:
    pipeline = Pipeline(path, "GitLab CI", {"push", "pull_request"}, text=text)
    if "schedule" in text:
        pipeline.triggers.add("schedule")
    if "web" in text or "when: manual" in text:
        pipeline.triggers.add("manual")
    if not isinstance(doc, dict):
        return pipeline
    for name, job in doc.items():
        if name in _GITLAB_RESERVED or str(name).startswith(".") or not isinstance(job, dict):
            continue
        commands = _strings(job.get("before_script")) + _strings(job.get("script"))
        env = job.get("environment")
        env_name = env.get("name") if isinstance(env, dict) else env
        rules = str(job.get("rules", "")) + str(job.get("only", ""))
        only = set()
        if "schedule" in rules and "!=" not in rules:
            only.add("schedule")
        if "merge_request" in rules:
            only.add("pull_request")
        manual = job.get("when") == "manual" or "manual" in str(job.get("rules", ""))
        pipeline.jobs.append(
            Job(str(name), _lines(commands), str(env_name) if env_name else None, manual, only)
        )
    return pipeline


def azure(path: str, doc, text: str, template: Callable[[str], object] | None = None) -> Pipeline:
    """Azure Pipelines; `template(name)` loads a `- template: file.yml` reference (stages, jobs or steps)."""
    pipeline = Pipeline(path, "Azure Pipelines", text=text)
    load = template or (lambda name: None)
    if not isinstance(doc, dict):
        return pipeline
    if doc.get("trigger") != "none":
        pipeline.triggers.add("push")
    if doc.get("pr") != "none":
        pipeline.triggers.add("pull_request")
    for item in doc.get("schedules") or []:
        if isinstance(item, dict) and item.get("cron"):
            pipeline.triggers.add("schedule")
            pipeline.crons.append(str(item["cron"]))

    def step_commands(steps: list[dict], depth: int = 3) -> list[str]:
        commands: list[str] = []
        for step in steps:
            for key in ("script", "bash", "powershell", "pwsh"):
                commands += _strings(step.get(key))
            if isinstance(step.get("task"), str):
                commands.append(f"task {step['task']} " + " ".join(_strings(step.get("inputs"))))
            included = (
                load(str(step["template"])) if depth and isinstance(step.get("template"), str) else None
            )
            if isinstance(included, dict):
                commands += step_commands(_find_steps(included), depth - 1)
        return commands

    def walk_jobs(node, stage: str = "", depth: int = 3) -> None:
        if isinstance(node, dict):
            if "steps" in node or "strategy" in node:
                env = node.get("environment")
                env_name = env.get("name") if isinstance(env, dict) else env
                name = node.get("job") or node.get("deployment") or stage or "job"
                commands = _lines(step_commands(_find_steps(node)))
                pipeline.jobs.append(Job(str(name), commands, str(env_name) if env_name else None))
            elif depth and isinstance(node.get("template"), str):
                walk_jobs(load(node["template"]), stage, depth - 1)
            for key in ("stages", "jobs"):
                for child in node.get(key) or []:
                    walk_jobs(child, str(node.get("stage", stage)), depth)
        elif isinstance(node, list):
            for child in node:
                walk_jobs(child, stage, depth)

    walk_jobs(doc)
    return pipeline


def _find_steps(node) -> list[dict]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "steps" and isinstance(value, list):
                found += [s for s in value if isinstance(s, dict)]
            elif key not in ("jobs", "stages"):
                found += _find_steps(value)
    elif isinstance(node, list):
        for item in node:
            found += _find_steps(item)
    return found


def generic(path: str, provider: str, doc, text: str) -> Pipeline:
    """Providers other than GitHub, GitLab, Azure and Jenkins: CircleCI, Bitbucket, Cloud Build and CodeBuild
    are read job by job; the others (Travis, Buildkite, Drone, Tekton) as one job of every command-like
    string."""
    parser = {
        "CircleCI": _circleci,
        "Bitbucket Pipelines": _bitbucket,
        "Cloud Build": _cloudbuild,
        "AWS CodeBuild": _codebuild,
    }.get(provider)
    pipeline = Pipeline(path, provider, {"push"}, text=text)
    if parser is not None and isinstance(doc, dict):
        parser(pipeline, doc)
        return pipeline
    if provider in {"Travis CI", "Buildkite", "Drone"}:
        pipeline.triggers.add("pull_request")
    if re.search(r"\b(cron|schedule|triggers)\b", text):
        pipeline.triggers.add("schedule")
    commands = [s for s in _strings(doc) if isinstance(s, str)]
    env = re.search(r"environment:\s*['\"]?([\w-]+)", text)
    pipeline.jobs.append(
        Job(
            path,
            _lines(commands),
            env.group(1) if env else None,
            "type: approval" in text or "when: manual" in text,
        )
    )
    return pipeline


def _circleci(pipeline: Pipeline, doc: dict) -> None:
    """CircleCI 2.x: `jobs.<name>.steps[].run` (string or `command:`), reusable `commands:` expanded,
    workflows with `type: approval` jobs and `triggers: schedule`."""
    pipeline.triggers.add("pull_request")
    reusable = doc.get("commands") if isinstance(doc.get("commands"), dict) else {}

    def steps_of(steps, depth: int = 2) -> list[str]:
        out: list[str] = []
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, str) and step in reusable and depth:
                out += steps_of(
                    (reusable[step] or {}).get("steps") if isinstance(reusable[step], dict) else [], depth - 1
                )
            elif isinstance(step, dict):
                for key, value in step.items():
                    if key == "run":
                        out += _strings(value.get("command") if isinstance(value, dict) else value)
                    elif key in reusable and depth and isinstance(reusable[key], dict):
                        out += steps_of(reusable[key].get("steps"), depth - 1)
        return out

    approvals = set()
    for workflow in (doc.get("workflows") or {}).values() if isinstance(doc.get("workflows"), dict) else []:
        if not isinstance(workflow, dict):
            continue
        if workflow.get("triggers"):
            pipeline.triggers.add("schedule")
        for item in workflow.get("jobs") or []:
            if isinstance(item, dict):
                for name, spec in item.items():
                    if isinstance(spec, dict) and spec.get("type") == "approval":
                        approvals.add(str(name))
    jobs = doc.get("jobs") if isinstance(doc.get("jobs"), dict) else {}
    for name, job in jobs.items():
        if isinstance(job, dict):
            pipeline.jobs.append(Job(str(name), _lines(steps_of(job.get("steps")))))
    if approvals:
        pipeline.jobs.append(Job("approval", [], None, True))


def _bitbucket(pipeline: Pipeline, doc: dict) -> None:
    """Bitbucket Pipelines: `pipelines.{default, branches, tags, pull-requests, custom}` -> steps -> script;
    `trigger: manual` steps need a person; `deployment:` names the environment."""
    sections = doc.get("pipelines") if isinstance(doc.get("pipelines"), dict) else {}
    kinds = {
        "default": "push",
        "branches": "push",
        "tags": "tag",
        "pull-requests": "pull_request",
        "custom": "manual",
    }
    for section, spec in sections.items():
        trigger = kinds.get(str(section), "push")
        pipeline.triggers.add(trigger)
        groups = spec.values() if isinstance(spec, dict) else [spec]
        for group in groups:
            for item in group if isinstance(group, list) else []:
                steps = [item.get("step")] if isinstance(item, dict) and "step" in item else []
                if isinstance(item, dict) and isinstance(item.get("parallel"), list):
                    steps += [x.get("step") for x in item["parallel"] if isinstance(x, dict)]
                for step in steps:
                    if not isinstance(step, dict):
                        continue
                    name = str(step.get("name") or section)
                    env = step.get("deployment")
                    pipeline.jobs.append(
                        Job(
                            name,
                            _lines(_strings(step.get("script"))),
                            str(env) if env else None,
                            step.get("trigger") == "manual",
                            {trigger},
                        )
                    )


def _cloudbuild(pipeline: Pipeline, doc: dict) -> None:
    """Cloud Build: each step's builder and `args` (or `entrypoint` + `args`) joined into one command."""
    commands = []
    for step in doc.get("steps") if isinstance(doc.get("steps"), list) else []:
        if not isinstance(step, dict):
            continue
        args = (
            [str(a) for a in step.get("args")]
            if isinstance(step.get("args"), list)
            else _strings(step.get("args"))
        )
        builder = str(step.get("entrypoint") or str(step.get("name", "")).rsplit("/", 1)[-1].split(":")[0])
        if builder in ("bash", "sh") and len(args) >= 2 and args[0] == "-c":
            commands += args[1:]
        elif builder in ("docker", "gcloud", "kubectl", "gsutil", "python", "python3", "bash", "sh", "helm"):
            commands.append(" ".join([builder, *args]))
        else:
            commands.append(" ".join(args))
        commands += _strings(step.get("script"))
    pipeline.jobs.append(Job(pipeline.path, _lines(commands)))


def _codebuild(pipeline: Pipeline, doc: dict) -> None:
    """CodeBuild buildspec: `phases.<phase>.commands`."""
    phases = doc.get("phases") if isinstance(doc.get("phases"), dict) else {}
    commands = [
        c for phase in phases.values() if isinstance(phase, dict) for c in _strings(phase.get("commands"))
    ]
    pipeline.jobs.append(Job(pipeline.path, _lines(commands)))


def jenkins(path: str, text: str) -> Pipeline:
    pipeline = Pipeline(path, "Jenkins", {"push", "pull_request"}, text=text)
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    if re.search(r"^\s*pipeline\s*\{", code, re.M) and not re.search(r"\bstages\s*\{", code):
        pipeline.invalid = "not a valid declarative pipeline (`stage` blocks outside a `stages { }` block)"
    if re.search(r"\bcron\s*\(", text) or "pollSCM" in text:
        pipeline.triggers.add("schedule")
        pipeline.crons += re.findall(r"cron\s*\(\s*['\"]([^'\"]+)", text)
    commands = re.findall(
        r"\b(?:sh|bat|powershell)\s*\(?\s*(?:script:\s*)?['\"]{1,3}(.+?)['\"]{1,3}", text, re.S
    )
    manual = bool(re.search(r"\binput\s*[({]", text))
    env = re.search(r"stage\s*\(\s*['\"][^'\"]*(prod|staging)[^'\"]*['\"]", text, re.I)
    pipeline.jobs.append(Job(path, _lines(commands), env.group(1).lower() if env else None, manual))
    return pipeline
