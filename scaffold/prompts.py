"""Interactive questions for `mlops-level new` (questionary); only the CLI calls this, on a terminal."""

from __future__ import annotations

from typing import Any

from mlops_level.errors import UserError

from .names import project_names
from .template import DERIVED, variables

TEXT_KEYS = ("project_name", "description", "author", "python_version")


def _ask(question: Any) -> Any:
    try:
        answer = question.unsafe_ask()
    except KeyboardInterrupt:
        raise UserError("cancelled: nothing was created", exit_code=130) from None
    return answer


def _valid_name(text: str) -> bool | str:
    try:
        project_names(text)
    except UserError as exc:
        return str(exc)
    return True


def ask_missing(given: dict[str, Any]) -> dict[str, Any]:
    """Ask for each answer not in `given`: the level first (each choice says what it gives), then the rest."""
    import questionary

    spec = variables()
    prompts = spec.get("__prompts__", {})
    answers = dict(given)
    if "level" not in answers:
        labels = prompts.get("level", {})
        choices = [questionary.Choice(title=labels.get(value, value), value=value) for value in spec["level"]]
        answers["level"] = _ask(questionary.select(labels.get("__prompt__", "Level"), choices=choices))
    level = int(answers["level"])
    for key in TEXT_KEYS:
        if key not in answers:
            validate = _valid_name if key == "project_name" else None
            question = questionary.text(
                prompts.get(key, key), default=str(spec[key]), **({"validate": validate} if validate else {})
            )
            answers[key] = _ask(question)
    for key, options in spec.items():
        if key.startswith("_") or key in DERIVED or key in answers or not isinstance(options, list):
            continue
        if level < int(spec.get("_min_level", {}).get(key, 0)):
            continue
        labels = prompts.get(key, {}) if isinstance(prompts.get(key), dict) else {}
        choices = [questionary.Choice(title=labels.get(value, value), value=value) for value in options]
        answers[key] = _ask(questionary.select(labels.get("__prompt__", key), choices=choices))
    return answers
