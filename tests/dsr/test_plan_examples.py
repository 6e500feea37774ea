"""The planner on the reference declarations in examples/: every one plans, every dataset
holding personal data is either read or named as unreachable."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.declaration import load_file
from pledge.subjects.graph import datasets
from pledge.subjects.identity import parse
from pledge.subjects.plan import make_plan

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*/pledge.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_every_personal_dataset_is_read_or_reported(path: Path) -> None:
    declaration = load_file(path).declaration
    identities = parse([("email", "ann@example.uk"), ("phone", "01482 123456")])
    plan = make_plan(declaration, identities)
    assert plan.steps
    read = {step.dotted for step in plan.steps}
    for dotted, dataset in datasets(declaration):
        if any(f.personal for f in dataset.fields.values()):
            assert (dotted in read) != (dotted in plan.unreachable + plan.not_reached)
    assert sorted(plan.erasure_order) == [s.number for s in plan.steps]


def test_examples_are_there() -> None:
    assert len(EXAMPLES) >= 5
