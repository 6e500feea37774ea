"""Planner invariants over generated declarations that pass ``pledge check``'s reach rules:
each dataset planned once, no context dataset ever a step, ownership followed only in its
declared direction, identities matched only on identity fields, nothing reached through a
context link alone, and rows that refer to others erased first."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, assume, find, given, settings
from hypothesis import strategies as st

from pledge.declaration.model import DataField, Dataset, Declaration, System
from pledge.declaration.reach import ReachMap, resolve, split
from pledge.subjects.graph import LINKING
from pledge.subjects.identity import Identity
from pledge.subjects.plan import Plan, Step, make_plan

KINDS = ["email", "phone", "customer_id", "postcode"]
MAYBE_KIND = st.one_of(st.none(), st.sampled_from(KINDS))
REACHES = st.sampled_from([None, None, None, "belongs-to", "owns", "context"])
ABOUTS = st.sampled_from([None, None, None, None, "people", "owned", "context"])


@st.composite
def declarations(draw: st.DrawFn) -> Declaration:
    count = draw(st.integers(2, 7))
    names = [f"s{draw(st.integers(0, 1))}.d{i}" for i in range(count)]
    systems: dict[str, dict[str, Dataset]] = {}
    for name in names:
        fields = {"id": DataField(primary_key=True, identity=draw(MAYBE_KIND))}
        who = draw(MAYBE_KIND)
        if who is not None:
            fields["who"] = DataField(identity=who)
        if draw(st.booleans()):
            fields["note"] = DataField(categories=["user.name"])
        said = draw(MAYBE_KIND)
        if said is not None:
            fields["said"] = DataField(mention=said, erase="nullify")
        for n, parent in enumerate(draw(st.lists(st.sampled_from(names), max_size=2))):
            fields[f"ref{n}"] = DataField(references=f"{parent}.id", reach=draw(REACHES))
        about = draw(ABOUTS)
        system, _, dataset = name.partition(".")
        systems.setdefault(system, {})[dataset] = Dataset(
            fields=fields,
            about=about,
            show_in_access=about == "context" and draw(st.booleans()),
        )
    return Declaration.model_validate(
        {
            "controller": {"name": "X Ltd", "address": "1 Road"},
            "systems": {
                s: System(connection="sqlite:///x", datasets=d) for s, d in systems.items()
            },
        }
    )


def passes_check(declaration: Declaration) -> ReachMap | None:
    """The resolved reach, or None when ``pledge check`` would refuse the declaration."""
    reach = resolve(declaration.systems)
    if any(issue.severity == "error" for issue in reach.issues):
        return None
    return reach


def spec(declaration: Declaration, dotted: str) -> Dataset:
    system, _, dataset = dotted.partition(".")
    return declaration.systems[system].datasets[dataset]


def expected_reach(declaration: Declaration, reach: ReachMap, given_kinds: set[str]) -> set[str]:
    """The datasets a request may read, worked out from the rules alone: those holding an
    identity of the person (given, or a linking one found on their rows), and what ownership
    leads to from those in its direction; context links lead nowhere."""
    holders = {
        dotted: {f.identity for f in spec(declaration, dotted).fields.values() if f.identity}
        for dotted, about in reach.about.items()
        if about != "context"
    }
    kinds = set(given_kinds)
    reached: set[str] = set()
    while True:
        before = (len(reached), len(kinds))
        reached |= {d for d, held in holders.items() if held & kinds}
        for link in reach.links:
            if link.reach == "belongs-to" and link.target in reached:
                reached.add(link.dataset)
            elif link.reach == "owns" and link.dataset in reached:
                reached.add(link.target)
        kinds |= {k for d in reached for k in holders.get(d, set()) if k in LINKING}
        if (len(reached), len(kinds)) == before:
            return reached


def refers(declaration: Declaration, dotted: str, field: str) -> tuple[str, str] | None:
    """(dataset, key) that ``dotted.field`` references, as declared."""
    references = spec(declaration, dotted).fields[field].references
    return None if references is None else split(references, dotted.partition(".")[0])


def check_sources(declaration: Declaration, plan: Plan, step: Step, given_kinds: set[str]) -> None:
    fields = spec(declaration, step.dotted).fields
    held = {f.identity for s in plan.steps for f in spec(declaration, s.dotted).fields.values()}
    for match in step.matches:
        assert match.field in step.fields
        assert fields[match.field].mention is None  # a mention never finds rows
        assert match.fold_case == (fields[match.field].identity == "email")
        for source in match.sources:
            if source.via == "identity":
                # Only an identity field is matched on identity values, of its own kind, and
                # only of a kind the person gave or their rows can hold.
                assert source.identity == fields[match.field].identity
                assert source.identity in given_kinds or (
                    source.identity in LINKING and source.identity in held
                )
                continue
            assert source.step is not None and source.column is not None
            assert 1 <= source.step <= len(plan.steps) and source.step != step.number
            origin = plan.step(source.step)
            if source.via == "belongs-to":
                # These rows refer to the rows they belong to, already found.
                assert refers(declaration, step.dotted, match.field) == (
                    origin.dotted,
                    source.column,
                )
                link = next(k for k in plan.links if k.label == f"{step.dotted}.{match.field}")
            else:
                # The rows found refer to the rows they own, these.
                assert source.via == "owns"
                assert refers(declaration, origin.dotted, source.column) == (
                    step.dotted,
                    match.field,
                )
                link = next(k for k in plan.links if k.label == f"{origin.dotted}.{source.column}")
            assert link.reach == source.via


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(declarations(), st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True))
def test_plan_invariants(declaration: Declaration, kinds: list[str]) -> None:
    reach = passes_check(declaration)
    assume(reach is not None)
    assert reach is not None
    given_kinds = set(kinds)
    plan = make_plan(declaration, [Identity(k, "v") for k in kinds])
    planned = [s.dotted for s in plan.steps]

    # Each dataset once, numbered in order.
    assert len(planned) == len(set(planned))
    assert [s.number for s in plan.steps] == list(range(1, len(planned) + 1))
    assert plan.roles == reach.about

    for step in plan.steps:
        # No context dataset is ever read to find anyone.
        assert step.role == reach.about[step.dotted] != "context"
        assert step.matches
        check_sources(declaration, plan, step, given_kinds)

    # Nothing is reached through a context link alone: the plan reads exactly what identities
    # and ownership (in its direction) lead to.
    assert set(planned) == expected_reach(declaration, reach, given_kinds)

    # Context rows shown are those the person's rows name, in a context dataset that says so.
    for context in plan.context:
        origin = plan.step(context.step)
        assert refers(declaration, origin.dotted, context.field) == (context.target, context.key)
        assert reach.about[context.target] == "context"
        assert spec(declaration, context.target).show_in_access
        assert context.target not in planned

    for dotted, about in reach.about.items():
        dataset = spec(declaration, dotted)
        personal = any(f.personal for f in dataset.fields.values())
        assert (dotted in plan.unreachable + plan.not_reached) == (
            personal and about != "context" and dotted not in planned
        )
        seeded = any(f.identity in given_kinds for f in dataset.fields.values())
        assert not seeded or about == "context" or dotted in planned

    # Erasure: a permutation of the steps; rows that refer to others go first wherever the
    # references do not loop (context references hold foreign keys too).
    assert sorted(plan.erasure_order) == [s.number for s in plan.steps]
    if not plan.erasure_loops:
        position = {plan.step(n).dotted: i for i, n in enumerate(plan.erasure_order)}
        for dotted in planned:
            for name in spec(declaration, dotted).fields:
                target = refers(declaration, dotted, name)
                if target is not None and target[0] in position and target[0] != dotted:
                    assert position[dotted] < position[target[0]]


def reaches(declaration: Declaration, kinds: list[str], via: str) -> bool:
    """Whether the declaration passes check and its plan crosses a ``via`` link, or (for
    ``context``) plans both ends of a context link."""
    reach = passes_check(declaration)
    if reach is None:
        return False
    plan = make_plan(declaration, [Identity(k, "v") for k in kinds])
    if via == "context":
        return any(
            k.reach == "context" and plan.find(k.dataset) and plan.find(k.target)
            for k in reach.links
            if k.dataset != k.target
        )
    return any(s.via == via for step in plan.steps for m in step.matches for s in m.sources)


@pytest.mark.parametrize("via", ["belongs-to", "owns", "context"])
def test_the_generator_draws_plans_that_cross_each_kind_of_link(via: str) -> None:
    # The invariants above would pass on plans of one step: the generator must also draw valid
    # declarations whose plans follow ownership both ways and plan both ends of a context link.
    found = find(
        st.tuples(declarations(), st.lists(st.sampled_from(KINDS), min_size=1, max_size=3)),
        lambda drawn: reaches(drawn[0], drawn[1], via),
        settings=settings(max_examples=2000, database=None, phases=[Phase.generate]),
    )
    assert passes_check(found[0]) is not None
