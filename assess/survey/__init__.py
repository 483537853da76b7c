"""Rate many repositories at once: `survey(targets)` runs `assess` on each in parallel processes and
returns one row per repository (a failure is a row with its reason); `survey_to_dict` gives the versioned
survey JSON, `compare` what changed since an older survey, and `render_dashboard` the HTML dashboard.

from mlops_level.assess.survey import survey, survey_to_dict
result = survey(["./a", "https://github.com/org/b"], jobs=4, timeout=300)
"""

from mlops_level.assess.survey.model import (
    SURVEY_SCHEMA_VERSION,
    Survey,
    SurveyError,
    SurveyRow,
    compare,
    parse_targets,
    survey_from_dict,
    survey_to_dict,
)
from mlops_level.assess.survey.runner import default_jobs, report_file_names, survey

__all__ = [
    "SURVEY_SCHEMA_VERSION",
    "Survey",
    "SurveyError",
    "SurveyRow",
    "compare",
    "default_jobs",
    "parse_targets",
    "report_file_names",
    "survey",
    "survey_from_dict",
    "survey_to_dict",
]
