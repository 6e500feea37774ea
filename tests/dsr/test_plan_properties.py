"""Planner invariants over generated estates: each dataset read once, values only from
earlier steps except declared loops, everything linked is reached, children erased first."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.declaration.model import DataField, Dataset, Declaration, System
from pledge.subjects.graph import links
from pledge.subjects.identity import Identity
from pledge.subjects.plan import make_plan

KINDS = ["email", "phone", "customer_id", "postcode"]


@st.composite
def estates(draw: st.DrawFn) -> Declaration:
    count = draw(st.integers(2, 7))
    names = [f"s{draw(st.integers(0, 1))}.d{i}" for i in range(count)]
    systems: dict[str, dict[str, Dataset]] = {}
    for name in names:
        fields = {"id": DataField(primary_key=True)}
        if draw(st.booleans()):
            fields["who"] = DataField(identity=draw(st.sampled_from(KINDS)))
        if draw(st.booleans()):
            fields["note"] = DataField(categories=["user.name"])
        for n, parent in enumerate(draw(st.lists(st.sampled_from(names), max_size=2))):
            fields[f"ref{n}"] = DataField(references=f"{parent}.id")
        system, _, dataset = name.partition(".")
        systems.setdefault(system, {})[dataset] = Dataset(fields=fields)
    return Declaration.model_validate(
        {
            "controller": {"name": "X Ltd", "address": "1 Road"},
            "systems": {
                s: System(connection="sqlite:///x", datasets=d) for s, d in systems.items()
            },
        }
    )


@settings(max_examples=200, deadline=None)
@given(estates(), st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True))
def test_plan_invariants(declaration: Declaration, kinds: list[str]) -> None:
    plan = make_plan(declaration, [Identity(k, "v") for k in kinds])
    planned = [s.dotted for s in plan.steps]
    assert len(planned) == len(set(planned))
    assert [s.number for s in plan.steps] == list(range(1, len(planned) + 1))
    for step in plan.steps:
        assert step.matches
        for match in step.matches:
            assert match.field in step.fields
            for source in match.sources:
                if source.via == "identity":
                    assert source.identity in kinds
                    continue
                assert source.step is not None and source.step != step.number
                assert source.loop == (source.step > step.number)
                assert source.column in plan.step(source.step).fields
    loop_sources = {
        (s.step, s.column, step.number, m.field)
        for step in plan.steps
        for m in step.matches
        for s in m.sources
        if s.loop
    }
    assert loop_sources == {(lp.from_step, lp.column, lp.to_step, lp.field) for lp in plan.loops}

    # Closure: whatever a planned dataset links to is planned too.
    graph = links(declaration)
    for dotted in planned:
        for edge in graph.from_(dotted):
            assert edge.target in planned
    for system_name, system in declaration.systems.items():
        for dataset_name, dataset in system.datasets.items():
            dotted = f"{system_name}.{dataset_name}"
            seeded = any(f.identity in kinds for f in dataset.fields.values())
            assert not seeded or dotted in planned
            personal = any(f.personal for f in dataset.fields.values())
            assert (dotted in plan.unreachable) == (personal and dotted not in planned)

    # Erasure: a permutation of the steps; children first wherever references do not loop.
    assert sorted(plan.erasure_order) == [s.number for s in plan.steps]
    if not plan.erasure_loops:
        position = {plan.step(n).dotted: i for i, n in enumerate(plan.erasure_order)}
        for edge in (e for d in planned for e in graph.from_(d) if e.via == "parent"):
            assert position[edge.source] < position[edge.target]
