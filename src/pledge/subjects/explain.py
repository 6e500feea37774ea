"""A plan as lines a DPO can read: numbered steps, how each is reached, what is read, and
what the plan cannot reach. Pure text; the CLI prints it."""

from __future__ import annotations

from pledge.subjects.plan import Match, Plan, Source, Step


def describe(plan: Plan) -> list[str]:
    """The plan, one line per fact.

    Each step names ``system.dataset``, the fields it matches on and where their values come
    from, and the fields it reads. Loops, unreachable datasets and unused identities follow.
    """
    given = ", ".join(f"{i.kind} {i.value}" for i in plan.identities) or "no identity"
    lines = [f"Plan for {given}: {len(plan.steps)} step(s)"]
    if not plan.steps:
        lines.append("  nothing to read: no declared field holds these identities")
    for step in plan.steps:
        lines.append("")
        lines.append(f"{step.number:>3}. {step.dotted}")
        for match in step.matches:
            lines.extend(_match(plan, step, match))
        lines.append(f"     read  {', '.join(step.fields)}")
    keyed = [loop for loop in plan.loops if loop.via != "same-identity"]
    if keyed:
        lines += ["", "Loops (an earlier step is read again for values it has not seen):"]
        for loop in keyed:
            came = plan.step(loop.from_step)
            went = plan.step(loop.to_step)
            lines.append(
                f"  step {came.number} {came.dotted}.{loop.column} leads back to "
                f"step {went.number} {went.dotted}.{loop.field}"
            )
    shared = len(plan.loops) - len(keyed)
    if shared:
        lines += [
            "",
            f"Identity values found by later steps are looked for again in earlier ones "
            f"({shared} link(s) between fields of the same identity kind).",
        ]
    if plan.not_followed:
        lines += [
            "",
            "Not followed (a row pointing at another row of its own table is another person):",
        ]
        lines += [f"  {reference}" for reference in plan.not_followed]
    if plan.other_people:
        lines += [
            "",
            "Followed one way only (these rows also name someone else; they are found "
            "from that person, never lead to them):",
        ]
        lines += [f"  {reference}" for reference in plan.other_people]
    if plan.unused:
        lines += ["", f"No declared field holds: {', '.join(plan.unused)}"]
    lines += ["", "Unreachable (personal data no identity or reference leads to):"]
    if plan.unreachable:
        lines += [f"  {dotted}" for dotted in plan.unreachable]
        lines.append(
            "  declare an identity field or a reference on each, or the DPO must "
            "search them by hand"
        )
    else:
        lines.append("  none")
    if plan.erasure_order:
        order = ", ".join(plan.step(n).dotted for n in plan.erasure_order)
        lines += ["", f"Erasure order (rows that refer to others first): {order}"]
    if plan.erasure_loops:
        lines.append(f"  references loop through: {', '.join(plan.erasure_loops)}")
    return lines


def _match(plan: Plan, step: Step, match: Match) -> list[str]:
    how = " (any case)" if match.fold_case else ""
    head = f"     match {match.field}{how} = "
    texts = [_source(plan, s) for s in match.sources if s.via != "same-identity"]
    shared = [s for s in match.sources if s.via == "same-identity"]
    if shared:
        texts.append(_shared(plan, shared))
    out = []
    for index, text in enumerate(texts):
        prefix = head if index == 0 else " " * (len(head) - 3) + "or "
        out.append(prefix + text)
    return out


def _shared(plan: Plan, sources: list[Source]) -> str:
    """Same-identity sources in one phrase: they are many, and alike."""
    kind = _label(sources[0].identity)
    before = sorted({s.step for s in sources if s.step and not s.loop})
    after = sorted({s.step for s in sources if s.step and s.loop})
    text = f"any {kind} found in step{'s' if len(before) > 1 else ''} " + _numbers(before)
    if not before:
        text = f"any {kind} found later in step{'s' if len(after) > 1 else ''} "
        return text + _numbers(after)
    if after:
        text += f" (and later in {_numbers(after)})"
    return text


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _source(plan: Plan, source: Source) -> str:
    if source.via == "identity":
        values = [i for i in plan.identities if i.kind == source.identity]
        forms = sorted({form for i in values for form in i.forms} - {i.value for i in values})
        extra = f" (also as {', '.join(forms)})" if forms else ""
        return f"the {_label(source.identity)} given{extra}"
    origin = plan.step(source.step or 0)
    where = f"{origin.dotted}.{source.column} (step {origin.number})"
    again = ", when it finds new rows" if source.loop else ""
    if source.via == "child":
        return f"{where}: rows that refer to it{again}"
    if source.via == "parent":
        return f"{where}: the rows it refers to{again}"
    return f"{_label(source.identity)} values found in {where}{again}"


def _label(kind: str | None) -> str:
    return (kind or "identity").replace("_", " ")
