"""The Feast feature store: the pipeline publishes the features of data/raw, training reads them back point in time,
serving looks them up by entity id.

The features are the shared `build_features` columns, so the store never computes anything of its own. Files (the
parquet source, the registry, the SQLite online store) live under `<data_dir>/feature_store/`; the definitions are
in `feature_repo/`, whose `feature_store.yaml` this module reads with those paths put in.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import yaml
from feast import Entity, FeatureService, FeatureStore, FeatureView, RepoConfig

from .config import Settings
from .data import TARGET
from .features import DERIVED_COLUMNS, RAW_COLUMNS, build_features

ENTITY_KEY = "tumour_id"  # a row's number in data/raw: rows are only ever appended, so a number keeps its row
TIMESTAMP = "event_timestamp"  # when a row's features were published with these values
FEATURE_COLUMNS = RAW_COLUMNS + DERIVED_COLUMNS
FEATURE_VIEW = "tumour_features"
FEATURE_SERVICE = "model_inputs"


class MissingFeatures(LookupError):
    """The online store holds no features for some entity ids (unknown ids, or not materialised yet)."""


def repo_path(root: Path | None = None) -> Path:
    """The feature repository: `feature_repo/` of the project at `root` (default: the current directory)."""
    return (root or Path.cwd()).resolve() / "feature_repo"


def store_folder(settings: Settings) -> Path:
    return settings.data_dir / "feature_store"


def source_file(settings: Settings) -> Path:
    """The parquet offline source the pipeline writes: entity id, timestamp and every feature column."""
    return store_folder(settings) / "features.parquet"


def open_store(settings: Settings, root: Path | None = None) -> FeatureStore:
    """The store of `feature_repo/feature_store.yaml`, its registry and online store under the settings' data_dir."""
    repo = repo_path(root)
    declared = yaml.safe_load((repo / "feature_store.yaml").read_text(encoding="utf-8"))
    folder = store_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    declared["registry"] = str(folder / "registry.db")
    declared["online_store"] = {**declared["online_store"], "path": str(folder / "online.db")}
    return FeatureStore(config=RepoConfig(repo_path=repo, **declared))


def definitions(settings: Settings, root: Path | None = None) -> list[Entity | FeatureView | FeatureService]:
    """The objects `feature_repo/definitions.py` declares (read afresh), checked to read the settings' source."""
    path = repo_path(root) / "definitions.py"
    spec = importlib.util.spec_from_file_location("feature_repo_definitions", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"{path}: not a Python file that can be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    objects = [value for value in vars(module).values() if isinstance(value, (Entity, FeatureView, FeatureService))]
    for view in (value for value in objects if isinstance(value, FeatureView)):
        if Path(view.batch_source.path) != source_file(settings):
            raise RuntimeError(f"{path}: {view.name} reads {view.batch_source.path}, but these settings publish "
                               f"{source_file(settings)}; both must come from the same DATA_DIR")
    return objects


def source_frame(raw: pd.DataFrame, previous: pd.DataFrame | None, now: datetime) -> pd.DataFrame:
    """The offline source after publishing `raw` at `now`: an append-only history of (id, timestamp, features).

    Rows whose features differ from their latest published values (or are new) are appended, stamped `now`;
    unchanged rows add nothing. So a point-in-time read sees each row as it was then, and incremental
    materialisation copies only what changed."""
    features = build_features(raw).reset_index(drop=True)
    ids = pd.DataFrame({ENTITY_KEY: range(len(features)), TIMESTAMP: pd.Timestamp(now)}).astype({ENTITY_KEY: "int64"})
    current = pd.concat([ids, features], axis=1)
    if previous is None or not len(previous):
        return current
    latest = previous.sort_values(TIMESTAMP).groupby(ENTITY_KEY).tail(1).set_index(ENTITY_KEY)
    before = latest.reindex(current[ENTITY_KEY])[FEATURE_COLUMNS].to_numpy()
    unchanged = (before == features[FEATURE_COLUMNS].to_numpy()).all(axis=1)
    return pd.concat([previous, current[~unchanged]], ignore_index=True)


def publish(settings: Settings, raw: pd.DataFrame, root: Path | None = None,
            now: datetime | None = None) -> dict[str, int]:
    """Append the validated raw data's new or changed features to the offline source, apply the definitions, and
    materialise what changed online (`now`: the publication time, default the current time)."""
    now = now or datetime.now(timezone.utc)
    path = source_file(settings)
    previous = pd.read_parquet(path) if path.exists() else None
    frame = source_frame(raw, previous, now)
    store = open_store(settings, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    store.apply(definitions(settings, root))
    store.materialize_incremental(end_date=now)
    return {"rows": len(raw), "changed": len(frame) - (0 if previous is None else len(previous))}


def training_frame(settings: Settings, raw: pd.DataFrame, root: Path | None = None) -> pd.DataFrame:
    """The model inputs and target of every raw row, read back from the offline store with a point-in-time join
    (each row's features as published at or before now): FEATURE_COLUMNS then TARGET, in data/raw's order."""
    store = open_store(settings, root)
    entities = pd.DataFrame({ENTITY_KEY: range(len(raw)), TIMESTAMP: pd.Timestamp.now(tz="UTC"),
                             TARGET: raw[TARGET].to_numpy()}).astype({ENTITY_KEY: "int64"})
    joined = store.get_historical_features(entity_df=entities,
                                           features=store.get_feature_service(FEATURE_SERVICE)).to_df()
    joined = joined.sort_values(ENTITY_KEY).reset_index(drop=True)
    incomplete = joined[FEATURE_COLUMNS].isna().any(axis=1)
    if len(joined) != len(raw) or incomplete.any():
        raise MissingFeatures(f"the offline store has no features for {int(incomplete.sum())} of {len(raw)} rows: "
                              "publish them first (the pipeline's materialise step)")
    return joined[FEATURE_COLUMNS + [TARGET]]


def online_features(store: FeatureStore, ids: list[int]) -> pd.DataFrame:
    """The served features of these entity ids, FEATURE_COLUMNS in order, one row per id; MissingFeatures names
    the ids the online store does not hold."""
    found = store.get_online_features(features=store.get_feature_service(FEATURE_SERVICE),
                                      entity_rows=[{ENTITY_KEY: int(entity)} for entity in ids]).to_df()
    missing = [int(entity) for entity, empty in zip(ids, found[FEATURE_COLUMNS].isna().any(axis=1), strict=True)
               if empty]
    if missing:
        raise MissingFeatures(f"no online features for {ENTITY_KEY} {', '.join(map(str, missing))}")
    return found[FEATURE_COLUMNS].astype("float64")
