"""Structured logs: one JSON object per line on stderr, with the `extra=` fields; command output stays on stdout."""

import json
import logging

import pytest

from {{ cookiecutter.package_name }} import __main__ as cli
from {{ cookiecutter.package_name }} import logs


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_record_is_one_json_line_with_its_extra_fields(capsys):
    logs.configure("INFO")
    logging.getLogger("{{ cookiecutter.package_name }}.ingest").info("data ingested", extra={"rows": 569})
    logging.getLogger("{{ cookiecutter.package_name }}.ingest").debug("not shown at INFO")
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    (entry,) = records(err)
    assert entry["level"] == "INFO" and entry["message"] == "data ingested" and entry["rows"] == 569
    assert entry["logger"] == "{{ cookiecutter.package_name }}.ingest" and entry["time"].endswith("+00:00")


def test_an_exception_is_logged_with_its_traceback(capsys):
    logs.configure("INFO")
    try:
        raise ValueError("bad row")
    except ValueError:
        logging.getLogger("{{ cookiecutter.package_name }}").exception("scoring failed")
    (entry,) = records(capsys.readouterr().err)
    assert entry["level"] == "ERROR" and "ValueError: bad row" in entry["exception"]


def test_configure_twice_writes_each_record_once_at_the_new_level(capsys):
    logs.configure("INFO")
    logger = logs.configure("WARNING")
    logger.info("hidden")
    logger.warning("shown")
    assert [entry["message"] for entry in records(capsys.readouterr().err)] == ["shown"]  # one handler, not two
    assert logger.propagate is False


def test_the_cli_logs_ingest_as_json_and_keeps_stdout_for_output(settings, capsys):
    assert cli.main(["ingest"]) == 0
    captured = capsys.readouterr()
    (entry,) = [entry for entry in records(captured.err) if entry["logger"].endswith("__main__")]
    assert entry["message"] == "wrote the sample data" and len(entry["data_version"]) == 32
    assert captured.out == ""


def test_an_unknown_log_level_is_a_one_line_usage_error(monkeypatch, capsys):
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["status"])
    assert exit_info.value.code == 2
    assert "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not 'VERBOSE'" in capsys.readouterr().err
