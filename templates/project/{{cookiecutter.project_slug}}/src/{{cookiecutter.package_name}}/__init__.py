"""{{ cookiecutter.project_name|py_doc }}: the data, feature and model code shared by every step."""

import os
from pathlib import Path

__version__ = "0.1.0"  # the pipeline version recorded with every training run

# Telemetry off, and Prefect's home inside the project, before prefect, mlflow or dvc is imported anywhere.
# setdefault: a value set by the user (the Makefile, the shell, a deployment) wins.
for _name, _value in {
    "DO_NOT_TRACK": "true",  # read by Prefect and MLflow (MLflow honours only "true")
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DVC_NO_ANALYTICS": "1",
    "PREFECT_HOME": str(Path.cwd() / ".prefect"),
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    # the temporary server gets 20 s to start by default: too little on a busy 2-core machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}.items():
    os.environ.setdefault(_name, _value)
