"""Read a repository once and rate it on the MLOps maturity model.

from mlops_level.assess import run, report_to_dict
report = run("path/to/repo")          # or an https://, ssh://, git@host:path or file:// URL
print(report.rating.level, report_to_dict(report)["progress"])
"""

from mlops_level.assess.api import CHECKS, SCHEMA_VERSION, AssessError, assess_directory, report_to_dict, run
from mlops_level.assess.model import CheckResult, CheckSpec, Evidence, Rating, Report, Status, Weight

__all__ = [
    "CHECKS",
    "SCHEMA_VERSION",
    "AssessError",
    "CheckResult",
    "CheckSpec",
    "Evidence",
    "Rating",
    "Report",
    "Status",
    "Weight",
    "assess_directory",
    "report_to_dict",
    "run",
]
