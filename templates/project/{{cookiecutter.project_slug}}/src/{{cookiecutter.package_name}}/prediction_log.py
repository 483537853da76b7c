"""The prediction log: every accepted row the service scored, with its prediction and model version, kept in the
environment's artifact store (MLflow artifacts), where drift monitoring reads it.

Each serving process writes CSV batches under `predictions/` of one MLflow run in the experiment
`<experiment_name>-predictions`: dev keeps them in the local `mlartifacts/` folder and `mlflow.db`, staging and prod
wherever `MLFLOW_TRACKING_URI` and `MLFLOW_ARTIFACT_LOCATION` point, so the monitor finds them on any runner.
Rows are buffered and uploaded by a background thread, one batch every `prediction_log_rows` rows or
`prediction_log_seconds` seconds (and at shutdown), never one upload per request.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from datetime import datetime, timezone

import pandas as pd
from mlflow.exceptions import MlflowException

from . import registry
from .config import Settings

FOLDER = "predictions"
RUN_TAG = "prediction_log"  # marks the runs that hold prediction batches
MAX_PENDING_BATCHES = 10  # rows kept for a retry while the store is unreachable, in batches; older ones are dropped

LOG = logging.getLogger(__name__)


def experiment_name(settings: Settings) -> str:
    return f"{settings.experiment_name}-predictions"


def _experiment_id(settings: Settings, create: bool) -> str | None:
    client = registry.client(settings)
    experiment = client.get_experiment_by_name(experiment_name(settings))
    if experiment is not None:
        return experiment.experiment_id
    if not create:
        return None
    try:
        return client.create_experiment(experiment_name(settings),
                                        artifact_location=f"{settings.artifact_location.rstrip('/')}/{FOLDER}")
    except MlflowException:  # another serving process created it meanwhile
        experiment = client.get_experiment_by_name(experiment_name(settings))
        if experiment is None:
            raise
        return experiment.experiment_id


class ArtifactStore:
    """Writes prediction batches as CSV artifacts of this process's prediction-log run (created on first write)."""

    def __init__(self, settings: Settings):
        self.settings, self.run_id, self._batches = settings, None, 0

    def write(self, frame: pd.DataFrame) -> None:
        client = registry.client(self.settings)
        if self.run_id is None:
            run = client.create_run(
                _experiment_id(self.settings, create=True),
                tags={RUN_TAG: "true", "model_name": self.settings.model_name, "host": socket.gethostname(),
                      "pid": str(os.getpid())},
                run_name=f"predictions-{socket.gethostname()}-{os.getpid()}",
            )
            self.run_id = run.info.run_id
        self._batches += 1
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        client.log_text(self.run_id, frame.to_csv(index=False), f"{FOLDER}/{stamp}-{self._batches:06d}.csv")

    def close(self) -> None:
        if self.run_id is not None:
            registry.client(self.settings).set_terminated(self.run_id)


def read(settings: Settings, max_rows: int) -> pd.DataFrame:
    """The newest logged prediction rows, at most `max_rows`, newest batch first (an empty frame if none)."""
    experiment = _experiment_id(settings, create=False)
    if experiment is None:
        return pd.DataFrame()
    client = registry.client(settings)
    runs = client.search_runs([experiment], filter_string=f"tags.{RUN_TAG} = 'true'",
                              order_by=["attributes.start_time DESC"], max_results=100)
    batches = sorted(
        ((item.path.rsplit("/", 1)[-1], run.info.run_id, item.path)
         for run in runs for item in client.list_artifacts(run.info.run_id, FOLDER) if not item.is_dir),
        reverse=True,
    )
    frames, total = [], 0
    with tempfile.TemporaryDirectory() as folder:
        for _, run_id, path in batches:
            if total >= max_rows:
                break
            frame = pd.read_csv(client.download_artifacts(run_id, path, folder))
            frames.append(frame)
            total += len(frame)
    return pd.concat(frames, ignore_index=True).head(max_rows) if frames else pd.DataFrame()


def _frame(batch: list[tuple[pd.DataFrame, dict]]) -> pd.DataFrame:
    """One frame from the queued (rows, columns) pairs: one concat and one assign, however many requests."""
    frame = pd.concat([rows for rows, _ in batch], ignore_index=True)
    names = list(batch[0][1])
    values: dict[str, list[object]] = {name: [] for name in names}
    for rows, columns in batch:
        for name in names:
            value = columns[name]
            values[name].extend(value if isinstance(value, list) else [value] * len(rows))
    return frame.assign(**values)


def where(settings: Settings) -> str:
    """Where the log lives, for messages."""
    return f"MLflow experiment {experiment_name(settings)!r} at {settings.tracking_uri}"


class PredictionLog:
    """Buffers scored rows and hands them to `store` in batches from a background thread.

    `append` only takes a lock and appends, so a request never waits on the store. When an upload fails the rows are
    kept for the next try, up to MAX_PENDING_BATCHES batches; beyond that the oldest are dropped, and counted.
    """

    def __init__(self, store, batch_rows: int, flush_seconds: float, on_rows=None):
        self.store, self.batch_rows, self.flush_seconds = store, batch_rows, flush_seconds
        self._on_rows = on_rows or (lambda outcome, count: None)  # metrics hook: ("written" | "dropped", count)
        self._pending: list[tuple[pd.DataFrame, dict]] = []
        self._pending_rows = 0
        self._lock, self._flushing = threading.Lock(), threading.Lock()
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)

    def start(self) -> PredictionLog:
        self._thread.start()
        return self

    def append(self, rows: pd.DataFrame, **columns) -> None:
        """Queue `rows` with more `columns` (a value or one per row); the frame is built at upload, off the request."""
        with self._lock:
            self._pending.append((rows, columns))
            self._pending_rows += len(rows)
            full = self._pending_rows >= self.batch_rows
        if full:
            self._wake.set()

    def _run(self) -> None:
        deadline = time.monotonic() + self.flush_seconds
        while not self._stop.is_set():
            self._wake.wait(max(0.0, deadline - time.monotonic()))
            self._wake.clear()
            if self._stop.is_set():
                break
            self.flush()
            deadline = time.monotonic() + self.flush_seconds

    def flush(self) -> None:
        """Upload what is pending as one batch (on failure keep it, within the cap, and log the error)."""
        with self._flushing:
            with self._lock:
                batch, self._pending, self._pending_rows = self._pending, [], 0
            if not batch:
                return
            frame = _frame(batch)
            try:
                self.store.write(frame)
            except Exception as error:  # the store is down or refuses: never take the service with it
                self._keep(batch, len(frame), error)
            else:
                self._on_rows("written", len(frame))

    def _keep(self, batch: list[tuple[pd.DataFrame, dict]], rows: int, error: Exception) -> None:
        with self._lock:
            self._pending = batch + self._pending
            self._pending_rows += rows
            dropped = 0
            while self._pending_rows > MAX_PENDING_BATCHES * self.batch_rows and len(self._pending) > 1:
                oldest, _ = self._pending.pop(0)
                self._pending_rows -= len(oldest)
                dropped += len(oldest)
        if dropped:
            self._on_rows("dropped", dropped)
        LOG.error("prediction log upload failed", extra={"fields": {
            "event": "prediction_log_error", "error": f"{type(error).__name__}: {error}", "rows_pending": rows,
            "rows_dropped": dropped}})

    def close(self) -> None:
        """Stop the thread and upload the rest; rows that still cannot be written are reported as lost."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()
        with self._lock:
            lost, self._pending, self._pending_rows = self._pending_rows, [], 0
        if lost:
            self._on_rows("dropped", lost)
            LOG.error("prediction log rows lost at shutdown",
                      extra={"fields": {"event": "prediction_log_lost", "rows": lost}})
        try:
            self.store.close()
        except Exception as error:
            LOG.error("prediction log run not closed", extra={"fields": {"event": "prediction_log_error",
                                                                         "error": str(error)}})
