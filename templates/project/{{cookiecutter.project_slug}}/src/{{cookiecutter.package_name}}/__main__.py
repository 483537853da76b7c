"""Command line: python -m {{ cookiecutter.package_name }} ingest | simulate-batch | pipeline | status | score | schedule."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

import pandas as pd

from . import config, ingest, logs

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m {{ cookiecutter.package_name }}", description=__doc__)
    root.add_argument("--log-level", type=str.upper, choices=logs.LEVELS,
                      help="the least severe logs written, as JSON lines on stderr (default: $LOG_LEVEL, else INFO)")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("ingest", help="write data/raw and the frozen data/holdout, version them with DVC")
    batch = commands.add_parser("simulate-batch", help="append a batch of fresh rows to data/raw (a new-data trigger)")
    batch.add_argument("--seed", type=int, default=1, help="random seed of the batch (default: 1)")
    batch.add_argument("--rows", type=int, default=100, help="rows to append (default: 100)")
    run = commands.add_parser("pipeline", help="run the training pipeline once (a no-op when the data is unchanged)")
    run.add_argument("--force", action="store_true", help="retrain even if the data is unchanged")
    commands.add_parser("status", help="print the registry's aliases and versions as JSON")
    scoring = commands.add_parser("score", help="batch predictions of the champion model for a CSV of raw rows")
    scoring.add_argument("input", type=Path, help="CSV with the 30 raw measurement columns")
    scoring.add_argument("--output", type=Path, help="CSV to write (default: print to stdout)")
    commands.add_parser("schedule", help="serve the cron deployment on a running Prefect server (blocks)")
    return root


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    level = args.log_level or os.environ.get("LOG_LEVEL", "INFO").upper()
    if level not in logs.LEVELS:
        cli.error(f"LOG_LEVEL must be one of {', '.join(logs.LEVELS)}, not {level!r}")
    logs.configure(level)
    try:
        return _run(args)
    except Exception as error:
        # Only MLflow's "not found" means "nothing yet" (handled where it is read); any other registry error, a
        # 503 from the tracking server or a corrupted database ("file is not a database"), fails the command.
        if type(error).__module__.split(".")[0] not in ("mlflow", "sqlalchemy"):
            raise
        print(f"error: the model registry failed: {(str(error).splitlines() or [type(error).__name__])[0]}",
              file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    try:
        settings = config.load()
    except ValueError as error:  # a malformed configs/<MLOPS_ENV>.yaml or a non-numeric override
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        return _command(args, settings)
    except ingest.DataError as error:  # missing data, data that differs from its pointer, a failed dvc pull/push
        print(f"error: {error}", file=sys.stderr)
        return 1


def _command(args: argparse.Namespace, settings: config.Settings) -> int:
    if args.command == "ingest":
        created = ingest.ingest(settings)
        versions = ingest.version(settings)
        log.info("wrote the sample data" if created else "kept the tracked data",
                 extra={"raw_file": str(settings.raw_file), "holdout_file": str(settings.holdout_file), **versions})
    elif args.command == "simulate-batch":
        ingest.ingest(settings)
        rows = ingest.simulate_batch(settings, seed=args.seed, rows=args.rows)
        versions = ingest.version(settings)
        log.info("appended a batch of new rows", extra={"raw_file": str(settings.raw_file), "rows": rows, **versions})
    elif args.command == "pipeline":
        from .registry import last_trained_data_version

        if not args.force:  # the new-data trigger, checked before starting the orchestrator (the flow checks too)
            versions = ingest.tracked_versions(settings)  # refuses missing data or data unlike its pointer
            if versions["data_version"] == last_trained_data_version(settings):
                print(json.dumps({"status": "skipped", **versions}, indent=2))
                return 0

        from .evidence import UnresolvableMargin, check_margin
        from .pipeline import training_pipeline
        from .registry import ChampionChanged, DirtyTree, check_clean_tree
        from .validation import DataValidationError

        try:
            check_clean_tree(settings)  # before training: a dirty tree is refused at once, not after minutes
        except DirtyTree as error:
            print(f"pipeline: {error}", file=sys.stderr)
            return 1
        try:  # a margin the holdout cannot show is a configuration error: refused before starting the orchestrator
            if settings.holdout_file.is_file():  # a missing holdout is the flow's data check's to report
                check_margin(settings.min_improvement, len(ingest.load_holdout(settings)))
            result = training_pipeline(force=args.force)
        except UnresolvableMargin as error:
            print(f"pipeline: error: {error}", file=sys.stderr)
            return 2
        except (DataValidationError, ingest.DataError) as error:
            print(f"pipeline stopped before training, registry untouched: {error}", file=sys.stderr)
            return 1
        except ChampionChanged as error:
            print(f"pipeline: promotion refused: {error}", file=sys.stderr)
            return 1
        except DirtyTree as error:  # the tree changed during the run
            print(f"pipeline: {error}", file=sys.stderr)
            return 1
        print(json.dumps(result, indent=2))
    elif args.command == "status":
        from .registry import status

        print(json.dumps(status(settings), indent=2))
    elif args.command == "score":
        from .score import score

        if not args.input.is_file():
            print(f"error: {args.input} is not a file", file=sys.stderr)
            return 2
        try:
            scored = score(settings, pd.read_csv(args.input))
        except (LookupError, ValueError) as error:  # no champion yet; missing columns
            print(f"error: cannot score {args.input}: {error}", file=sys.stderr)
            return 2
        scored.to_csv(args.output if args.output else sys.stdout, index=False)
    else:
        from .pipeline import serve_schedule

        try:
            serve_schedule(settings)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
