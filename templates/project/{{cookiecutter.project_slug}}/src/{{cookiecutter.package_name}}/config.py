"""Pipeline settings: project-local defaults, overlaid by configs/<MLOPS_ENV>.yaml, then by environment variables."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

# setting name -> the environment variable that overrides it
ENV_VARS = {
    "data_dir": "DATA_DIR",
    "dvc_remote": "DVC_REMOTE",
    "tracking_uri": "MLFLOW_TRACKING_URI",
    "artifact_location": "MLFLOW_ARTIFACT_LOCATION",
    "experiment_name": "MLFLOW_EXPERIMENT_NAME",
    "model_name": "MODEL_NAME",
    "accuracy_threshold": "ACCURACY_THRESHOLD",
    "min_improvement": "MIN_IMPROVEMENT",
    "schedule_cron": "SCHEDULE_CRON",
    "seed": "SEED",
    "shift_p_value": "SHIFT_P_VALUE",
    "require_clean_tree": "REQUIRE_CLEAN_TREE",
{%- if cookiecutter.level|int >= 2 %}
    "work_pool": "PREFECT_WORK_POOL",
    "work_pool_type": "PREFECT_WORK_POOL_TYPE",
    "drift_threshold": "DRIFT_THRESHOLD",
    "promotion": "PROMOTION",
    "max_request_bytes": "MAX_REQUEST_BYTES",
    "max_request_rows": "MAX_REQUEST_ROWS",
    "prediction_log_rows": "PREDICTION_LOG_ROWS",
    "prediction_log_seconds": "PREDICTION_LOG_SECONDS",
    "champion_poll_seconds": "CHAMPION_POLL_SECONDS",
{%- endif %}
}


@dataclasses.dataclass(frozen=True)
class Settings:
    data_dir: Path
    tracking_uri: str
    artifact_location: str
    # "" : the `dev` remote of .dvc/config, ~/.cache/<project>/dvc-remote (outside every clone, shared by them);
    # staging/prod: DVC_REMOTE, e.g. s3://bucket/path or a shared folder, set in .dvc/config.local by the data steps
    dvc_remote: str = ""
    experiment_name: str = "{{ cookiecutter.project_slug }}-training"
    model_name: str = "{{ cookiecutter.project_slug }}"
    accuracy_threshold: float = 0.90  # the gate's absolute bar on holdout accuracy
    min_improvement: float = 0.0  # 0.0: a candidate must be at least as good as the champion
    schedule_cron: str = "0 3 * * *"
    seed: int = 42
    shift_p_value: float = 0.01  # KS p-value under which a feature counts as shifted
    require_clean_tree: bool = False  # refuse to register a model trained from uncommitted code (staging, prod)
{%- if cookiecutter.level|int >= 2 %}
    work_pool: str = ""  # "": served on this machine; prod: a kubernetes work pool
    work_pool_type: str = "process"
    drift_threshold: float = 0.2  # PSI past which monitoring triggers retraining
    # what a model that passes the gate becomes: "champion" (dev, a laptop: served at once) or "candidate"
    # (staging and prod: `@candidate`, which only the approved production job's `make promote` makes `@champion`)
    promotion: str = "champion"
    # serving: larger requests are refused with 413 before they are parsed (a row of JSON is about 1 KB)
    max_request_bytes: int = 2_000_000
    max_request_rows: int = 1000
    # the prediction log (the artifact store that monitoring reads) gets one batch per this many rows or seconds
    prediction_log_rows: int = 500
    prediction_log_seconds: float = 60.0
    champion_poll_seconds: float = 30.0  # how often serving re-reads `@champion` and reloads when it moved; 0: never
{%- endif %}

    @property
    def raw_file(self) -> Path:
        return self.data_dir / "raw" / "breast_cancer.csv"

    @property
    def holdout_file(self) -> Path:
        return self.data_dir / "holdout" / "holdout.csv"


# a URI with a scheme: file://, s3://, mlflow-artifacts:/ (the tracking server's own store); C:\\ is a folder
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def _defaults(root: Path) -> dict[str, object]:
    return {
        "data_dir": root / "data",
        "tracking_uri": f"sqlite:///{root / 'mlflow.db'}",
        "artifact_location": (root / "mlartifacts").as_uri(),
    }


def _yaml_overlay(root: Path) -> dict[str, object]:
    env = os.environ.get("MLOPS_ENV")
    if not env:
        return {}
    path = root / "configs" / f"{env}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    unknown = sorted(set(data) - set(ENV_VARS))
    if unknown:
        raise ValueError(f"{path}: unknown settings {unknown}; known: {sorted(ENV_VARS)}")
    return data


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


def load(root: Path | None = None) -> Settings:
    """The settings of the project at `root` (default: the current directory)."""
    root = (root or Path.cwd()).resolve()
    values = _defaults(root) | _yaml_overlay(root)
    values |= {name: os.environ[var] for name, var in ENV_VARS.items() if os.environ.get(var)}
    remote = str(values.get("dvc_remote") or "")
    if remote and "://" not in remote and not remote.startswith("~") and not Path(remote).is_absolute():
        values["dvc_remote"] = str((root / remote).resolve())  # a plain folder, relative to the project
    if not _URI.match(str(values["artifact_location"])):  # a plain folder, relative to the project
        values["artifact_location"] = (root / str(values["artifact_location"])).resolve().as_uri()
    converters: dict[str, Callable[[Any], Any]] = {
        "Path": lambda value: root / Path(value), "str": str, "float": float, "int": int, "bool": _boolean}
    types = {field.name: str(field.type) for field in dataclasses.fields(Settings)}  # annotations are strings
    converted = {}
    for name, value in values.items():
        try:
            converted[name] = converters[types[name]](value)
        except ValueError:
            raise ValueError(f"setting {name} ({ENV_VARS[name]}) must be a {types[name]}, not {value!r}") from None
{%- if cookiecutter.level|int >= 2 %}
    if converted.get("promotion", "champion") not in ("champion", "candidate"):
        raise ValueError(
            f"setting promotion (PROMOTION) must be 'champion' or 'candidate', not {converted['promotion']!r}"
        )
{%- endif %}
    return Settings(**converted)
