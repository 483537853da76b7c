"""`any_match` (patterns sorted by kind once) decides exactly as `name_matches` tried pattern by pattern."""

from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_level.assess.detect import match as m
from mlops_level.assess.detect import patterns as p

TABLES = [p.STEP_DECORATORS, p.STEP_CALLS, p.TRAINING_CALLS, p.MODEL_DEPLOY_CALLS, p.LINEAGE_CALLS]
NAMES = sorted({x for table in TABLES for x in table})
PIECES = st.sampled_from(["mlflow", "log", "task", "step", "", "*", ".", "x", "run", "dsl", "()"])
WORDS = st.lists(PIECES, max_size=5).map("".join)


def _slow(name: str, patterns) -> bool:
    return any(m.name_matches(name, pattern) for pattern in patterns)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    name=st.one_of(st.sampled_from(NAMES), WORDS), patterns=st.lists(st.one_of(st.sampled_from(NAMES), WORDS))
)
def test_same_decision_as_name_matches(name, patterns):
    assert m.any_match(name, patterns) == _slow(name, patterns)


def test_every_pattern_table_matches_its_own_names_as_before():
    for table in TABLES:
        for name in NAMES + [n + ".extra" for n in NAMES] + ["x" + n for n in NAMES]:
            assert m.any_match(name, table) == _slow(name, table), (name, table)
