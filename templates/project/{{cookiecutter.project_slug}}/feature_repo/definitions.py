"""The Feast definitions, and nothing else (`feast apply` imports every .py file in this folder).

The feature view's fields are the shared feature module's columns, so the store holds exactly what
`build_features` computes for training and serving; the pipeline writes the parquet source from data/raw.
"""

from datetime import timedelta
from pathlib import Path

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.types import Float64

from {{ cookiecutter.package_name }} import config
from {{ cookiecutter.package_name }}.feature_store import (
    ENTITY_KEY,
    FEATURE_COLUMNS,
    FEATURE_SERVICE,
    FEATURE_VIEW,
    TIMESTAMP,
    source_file,
)

tumour = Entity(
    name="tumour",
    join_keys=[ENTITY_KEY],
    value_type=ValueType.INT64,
    description="One measured tumour: its row number in data/raw",
)

measurements = FileSource(
    name="tumour_measurements",
    path=str(source_file(config.load(Path(__file__).resolve().parent.parent))),
    timestamp_field=TIMESTAMP,
)

tumour_features = FeatureView(
    name=FEATURE_VIEW,
    entities=[tumour],
    # 0: no expiry. A row keeps the timestamp of its first publication while its values are unchanged, and a
    # tumour's measurements do not go stale, so a training read or a lookup years later still finds them.
    ttl=timedelta(0),
    schema=[Field(name=column, dtype=Float64) for column in FEATURE_COLUMNS],
    source=measurements,
    online=True,
)

model_inputs = FeatureService(name=FEATURE_SERVICE, features=[tumour_features])
