"""Ingest step: write the raw training data and the frozen holdout, simulate fresh batches, version both with DVC."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .config import Settings
from .data import TARGET, load_dataset

HOLDOUT_FRACTION = 0.25
NOISE_SCALE = 0.05  # noise of simulated rows, as a fraction of each feature's standard deviation


def ingest(settings: Settings) -> bool:
    """Write data/raw and the frozen data/holdout from the bundled dataset once; False when both exist already."""
    if settings.raw_file.exists() and settings.holdout_file.exists():
        return False
    frame = load_dataset()
    train, holdout = train_test_split(
        frame, test_size=HOLDOUT_FRACTION, random_state=settings.seed, stratify=frame[TARGET]
    )
    for path, part in ((settings.raw_file, train), (settings.holdout_file, holdout)):
        path.parent.mkdir(parents=True, exist_ok=True)
        part.to_csv(path, index=False)
    return True


def simulate_batch(settings: Settings, seed: int, rows: int = 100) -> int:
    """Append `rows` fresh labelled rows (resampled training rows plus noise) to data/raw; return its row count."""
    current = pd.read_csv(settings.raw_file)
    batch = current.sample(n=rows, replace=True, random_state=seed).reset_index(drop=True)
    measurements = batch.columns.drop(TARGET)
    noise = np.random.default_rng(seed).normal(0.0, NOISE_SCALE, size=(rows, len(measurements)))
    batch[measurements] = (batch[measurements] + noise * current[measurements].std().to_numpy()).clip(lower=0.0)
    updated = pd.concat([current, batch], ignore_index=True)
    updated.to_csv(settings.raw_file, index=False)
    return len(updated)


def load_raw(settings: Settings) -> pd.DataFrame:
    return pd.read_csv(settings.raw_file)


def load_holdout(settings: Settings) -> pd.DataFrame:
    return pd.read_csv(settings.holdout_file)


def file_md5(path: Path) -> str:
    """The content hash DVC 3 records for a single file (the `md5:` of its .dvc pointer)."""
    return hashlib.md5(path.read_bytes()).hexdigest()


def dvc_tracked_md5(path: Path) -> str | None:
    """The md5 recorded in `<path>.dvc`, or None when the file is not tracked."""
    pointer = path.with_name(path.name + ".dvc")
    if not pointer.exists():
        return None
    for line in pointer.read_text(encoding="utf-8").splitlines():
        key, _, value = line.strip().lstrip("- ").partition(":")
        if key == "md5":
            return value.strip()
    return None


def in_dvc_repo(path: Path) -> bool:
    return any((parent / ".dvc").is_dir() for parent in path.resolve().parents)


def version(settings: Settings) -> dict[str, str]:
    """The data versions (DVC md5s) of the raw data and the holdout; `dvc add` + `dvc push` the files that changed.

    Outside a DVC repository (a temporary data folder in tests, say) the same md5s are computed without DVC.
    """
    paths = {"data_version": settings.raw_file, "holdout_version": settings.holdout_file}
    stale = [path for path in paths.values() if dvc_tracked_md5(path) != file_md5(path)]
    if stale and in_dvc_repo(settings.raw_file):
        dvc = [sys.executable, "-m", "dvc"]
        folder = settings.data_dir
        subprocess.run([*dvc, "add", "--quiet", *map(str, stale)], check=True, cwd=folder)
        subprocess.run([*dvc, "push", "--quiet", *(f"{path}.dvc" for path in stale)], check=True, cwd=folder)
    return {name: file_md5(path) for name, path in paths.items()}
