"""Experiment trackers and model registrations found in code."""

from __future__ import annotations

from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p
from mlops_level.assess.facts.repository import Facts


def trackers(facts: Facts, roles: tuple[str, ...] = m.ANY_CODE) -> dict[str, list[m.Hit]]:
    return {tool: hits for tool, hits in m.by_tool(facts, p.TRACKING_CALLS, roles).items() if hits}


METADATA_ORCHESTRATORS = ("Kubeflow Pipelines", "TFX", "Vertex AI Pipelines", "SageMaker Pipelines")


def registrations(facts: Facts, roles: tuple[str, ...]) -> list[m.Hit]:
    hits = [h for items in m.by_tool(facts, p.REGISTRY_CALLS, roles).values() for h in items]
    return hits + m.kwarg_calls(facts, p.REGISTRY_KWARGS, roles)
