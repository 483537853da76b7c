"""Reading Python and notebooks with `ast`: names resolved through imports, notebooks' magics dropped."""

from __future__ import annotations

import json

import pytest

from mlops_level.assess.facts.pysource import notebook_cells, parse_notebook, parse_python
from mlops_level.assess.facts.safeyaml import YamlRefused, load, load_all


def test_calls_are_resolved_through_imports_and_assignments():
    facts = parse_python(
        "import mlflow as mf\nfrom mlflow import MlflowClient\nfrom sklearn import svm\n"
        "client = MlflowClient()\nmf.log_metric('a', 1)\n"
        "client.set_registered_model_alias('m', 'champion', 1)\n"
        "svm.SVC().fit(X, y)\nfrom . import features\nfeatures.build(x)\n"
    )
    assert [c.name for c in facts.calls] == [
        "mlflow.MlflowClient",
        "mlflow.log_metric",
        "mlflow.MlflowClient().set_registered_model_alias",
        "sklearn.svm.SVC().fit",
        "sklearn.svm.SVC",
        ".features.build",
    ]
    assert facts.relative_imports == [(".", 8)]
    assert facts.calls[2].strings == ("m", "champion")


def test_decorators_keywords_and_main_guard():
    facts = parse_python(
        "from prefect import flow, task\n@task(name='train-model')\ndef train(): pass\n"
        "@flow\ndef pipeline(): train()\n"
        "if __name__ == '__main__':\n    pipeline.serve(cron='0 3 * * *', interval=None)\n"
    )
    assert [(d.decorator, d.function, d.strings) for d in facts.decorated] == [
        ("prefect.task", "train", ("train-model",)),
        ("prefect.flow", "pipeline", ()),
    ]
    serve = next(c for c in facts.calls if c.name.endswith(".serve"))
    assert serve.kwargs == frozenset({"cron"})  # interval=None is no schedule
    assert facts.has_main_guard and facts.gates == []


def test_gates_record_their_words_and_decisions():
    facts = parse_python(
        "if score < threshold:\n    promote = False\nelif auc >= champion_auc:\n    raise SystemExit(1)\n"
        "assert model_path.exists()\n"
    )
    first, second, third = facts.gates
    assert first.words == {"score", "threshold"} and first.assigns == ("promote",) and first.blocks
    assert second.words == {"auc", "champion_auc"} and second.blocks
    assert third.words == {"model_path", "exists"}


def test_notebook_magics_and_shell_escapes_are_blanked_and_bad_cells_dropped():
    notebook = json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "source": ["%matplotlib inline\n", "!pip install mlflow\n", "import mlflow\n"],
                },
                {"cell_type": "markdown", "source": "import wandb"},
                {"cell_type": "code", "source": "%%bash\necho hi"},
                {"cell_type": "code", "source": "print 'python 2'"},
                {"cell_type": "code", "source": "mlflow.start_run()\ndf?"},
            ]
        }
    )
    cells = notebook_cells(notebook)
    assert cells == ["\n\nimport mlflow", "print 'python 2'", "mlflow.start_run()\n"]
    facts, dropped = parse_notebook(cells)
    assert dropped == 1
    assert [c.name for c in facts.calls] == ["mlflow.start_run"]


@pytest.mark.parametrize("raw", ["not json", "[]", '{"cells": {}}'])
def test_invalid_notebooks_raise_value_error(raw):
    with pytest.raises(ValueError):
        notebook_cells(raw)


def test_safe_yaml_keeps_on_as_true_and_refuses_bad_documents():
    assert load("on:\n  push:\n") == {True: {"push": None}}
    assert load_all("a: 1\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]
    with pytest.raises(YamlRefused, match="malformed YAML at line"):
        load("a: [1\nb: 2\n")
    with pytest.raises(YamlRefused, match="malformed YAML"):
        load("!!python/object/apply:os.system ['echo hi']\n")


def test_only_threshold_comparisons_are_gates():
    facts = parse_python(
        "if score is None:\n    return 0\n"
        "if metric in table:\n    raise KeyError(metric)\n"
        "if f1 < 0.8:\n    raise SystemExit('below threshold')\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    assert [gate.line for gate in facts.gates] == [5]
    assert facts.has_main_guard
