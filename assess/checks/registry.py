"""The check registry: `@check(...)` binds a pure function over `Facts` to its `CheckSpec`.

A check function's docstring is its user-facing description; it returns a `Finding` (status, one-line reason,
evidence). Family modules register their checks when imported; `all_checks()` imports them in rubric order.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from mlops_level.assess.model import CheckSpec, Finding, Weight

GOOGLE = "https://cloud.google.com/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning"

FAMILIES = {
    "ML0": "Code structure",
    "ML1": "Versioning & reproducibility",
    "ML2": "Pipeline & continuous training",
    "ML3": "Tracking, metadata & registry",
    "ML4": "Validation & tests",
    "ML5": "CI/CD",
    "ML6": "Serving & monitoring",
}


CheckFn = Callable[..., Finding]
_REGISTRY: dict[str, tuple[CheckSpec, CheckFn]] = {}


def check(
    check_id: str, name: str, title: str, *, level: str, weight: Weight, remediation: str, url: str = GOOGLE
) -> Callable[[CheckFn], CheckFn]:
    """Register a check; its family comes from the ID prefix, its description from the docstring."""

    def register(fn: CheckFn) -> CheckFn:
        if check_id in _REGISTRY:
            raise ValueError(f"duplicate check ID {check_id}")
        description = inspect.cleandoc(fn.__doc__ or "")
        spec = CheckSpec(
            id=check_id,
            title=title,
            family=FAMILIES[check_id[:3]],
            level=level,
            weight=weight,
            remediation=remediation,
            url=url,
            description=description,
            name=name,
        )
        _REGISTRY[check_id] = (spec, fn)
        return fn

    return register


def all_checks() -> list[tuple[CheckSpec, CheckFn]]:
    """Every check, ordered by ID (importing the family modules registers them)."""
    from . import (  # noqa: F401  (imported for their tr.registrations)
        cicd,
        code,
        ops,
        pipeline,
        tracking,
        validation,
        versioning,
    )

    return [_REGISTRY[key] for key in sorted(_REGISTRY)]
