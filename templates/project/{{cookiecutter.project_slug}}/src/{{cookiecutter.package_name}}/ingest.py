"""Ingest step: restore (dvc pull) or write the raw training data and the frozen holdout, simulate fresh batches,
version both with DVC, and refuse data that is missing or is not the version its `.dvc` pointer records."""

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

HOLDOUT_FRACTION = 0.35  # 200 of the 569 rows: one row is 0.005 of accuracy, the margin staging and prod use
NOISE_SCALE = 0.05  # noise of simulated rows, as a fraction of each feature's standard deviation


class DataError(RuntimeError):
    """The data is missing, or is not the version its DVC pointer records."""


def pointer(path: Path) -> Path:
    return path.with_name(path.name + ".dvc")


def _dvc(settings: Settings, *arguments: str) -> None:
    """Run `dvc ARGUMENTS` in the data folder, on the environment's remote (DVC_REMOTE) when one is set."""
    dvc = [sys.executable, "-m", "dvc"]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    commands = [[*dvc, *arguments]]
    if settings.dvc_remote:  # per clone, in .dvc/config.local (not committed); else .dvc/config's dev remote
        commands.insert(0, [*dvc, "remote", "add", "--local", "--force", "--default", "env", settings.dvc_remote])
    for command in commands:
        done = subprocess.run(command, cwd=settings.data_dir, capture_output=True, text=True)
        if done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[-1]
            raise DataError(f"dvc {' '.join(command[3:5])} failed: {said}")


def ingest(settings: Settings) -> bool:
    """`make init`: pull the tracked data when a pointer exists; write the sample data only when none does.

    Returns True when the sample data was written. Tracked files that are missing are restored with `dvc pull`;
    the result must then be exactly the version the pointers record (tracked_versions checks it).
    """
    files = (settings.raw_file, settings.holdout_file)
    if any(dvc_tracked_md5(path) is not None for path in files):
        missing = [path for path in files if not path.exists() and dvc_tracked_md5(path) is not None]
        if missing:
            _dvc(settings, "pull", "--quiet", *(str(pointer(path)) for path in missing))
        tracked_versions(settings)
        return False
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


def tracked_versions(settings: Settings) -> dict[str, str]:
    """The data versions the pipeline trains on, refusing data that is missing or differs from its `.dvc` pointer."""
    versions = {}
    for name, path in {"data_version": settings.raw_file, "holdout_version": settings.holdout_file}.items():
        if not path.exists():
            raise DataError(f"{path} is missing: run `make init` (it pulls the tracked version with `dvc pull`, "
                            "or writes the sample data when nothing is tracked yet)")
        actual, recorded = file_md5(path), dvc_tracked_md5(path)
        if recorded is None and in_dvc_repo(path):
            raise DataError(f"{path} is not tracked by DVC (no {pointer(path).name}): run `make init` to track it")
        if recorded is not None and actual != recorded:
            raise DataError(f"{path} has md5 {actual}, but {pointer(path).name} records {recorded}: restore the "
                            "tracked data (`dvc pull`/`dvc checkout`) or track the change (`dvc add`, `make new-data`)")
        versions[name] = actual
    return versions


def version(settings: Settings) -> dict[str, str]:
    """The data versions (DVC md5s) of the raw data and the holdout; `dvc add` + `dvc push` the files that changed.

    Outside a DVC repository (a temporary data folder in tests, say) the same md5s are computed without DVC.
    """
    paths = {"data_version": settings.raw_file, "holdout_version": settings.holdout_file}
    stale = [path for path in paths.values() if dvc_tracked_md5(path) != file_md5(path)]
    if stale and in_dvc_repo(settings.raw_file):
        _dvc(settings, "add", "--quiet", *map(str, stale))
        _dvc(settings, "push", "--quiet", *(str(pointer(path)) for path in stale))
    return {name: file_md5(path) for name, path in paths.items()}
