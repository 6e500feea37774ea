"""A plan as lines a DPO can read: numbered steps marked owned or people, how each is
reached, the context and mentions the plan will not follow, and what it cannot reach.
Pure text; the CLI prints it."""

from __future__ import annotations

from pledge.subjects.plan import Match, Plan, Source


def describe(plan: Plan) -> list[str]:
    """The plan, one line per fact."""
    given = ", ".join(f"{i.kind} {i.value}" for i in plan.identities) or "no identity"
    lines = [f"Plan for {given}: {len(plan.steps)} step(s)"]
    if not plan.steps:
        lines.append("  nothing to read: no declared field holds these identities")
    for step in plan.steps:
        mark = "people" if step.role == "people" else "owned"
        lines.append("")
        lines.append(f"{step.number:>3}. {step.dotted}  [{mark}]")
        for match in step.matches:
            lines.extend(_match(plan, match))
        lines.append(f"     read  {', '.join(step.fields)}")
    reached = {s.dotted for s in plan.steps}
    context = [k for k in plan.links if k.reach == "context" and k.dataset in reached]
    if context:
        lines += ["", "Context (not followed: never found from, never erased with the person):"]
        shown = {(c.target, c.key) for c in plan.context}
        for link in context:
            note = ", shown in access" if (link.target, link.key) in shown else ""
            lines.append(f"  {link.label} → {link.target}.{link.key}  [context{note}]")
    if plan.mentions:
        lines += ["", "Mentions (another party's identity: never followed):"]
        for mention in plan.mentions:
            lines.append(
                f"  {mention.dotted}.{mention.field}  [mention: {mention.kind}; when the "
                f"person named is erased: {mention.erase}]"
            )
    if plan.warnings:
        lines += ["", "Warnings:"]
        lines += [f"  {warning}" for warning in plan.warnings]
    if plan.unused:
        lines += ["", f"No declared field holds: {', '.join(plan.unused)}"]
    if plan.not_reached:
        lines += ["", "Not reached with these identities (another kind of identity finds them):"]
        lines += [f"  {dotted}" for dotted in plan.not_reached]
    lines += ["", "Unreachable (personal data no identity or ownership leads to):"]
    if plan.unreachable:
        lines += [f"  {dotted}" for dotted in plan.unreachable]
        lines.append(
            "  give each an identity field or an ownership reference (reach: belongs-to), or "
            "the DPO must search them by hand"
        )
    else:
        lines.append("  none")
    if plan.erasure_order:
        order = ", ".join(plan.step(n).dotted for n in plan.erasure_order)
        lines += ["", f"Erasure order (rows that refer to others first): {order}"]
    if plan.erasure_loops:
        lines.append(f"  references loop through: {', '.join(plan.erasure_loops)}")
    return lines


def _match(plan: Plan, match: Match) -> list[str]:
    how = " (any case)" if match.fold_case else ""
    head = f"     match {match.field}{how} = "
    out = []
    for index, source in enumerate(match.sources):
        prefix = head if index == 0 else " " * (len(head) - 3) + "or "
        out.append(prefix + _source(plan, source))
    return out


def _source(plan: Plan, source: Source) -> str:
    if source.via == "identity":
        kind = _label(source.identity)
        values = [i for i in plan.identities if i.kind == source.identity]
        forms = sorted({form for i in values for form in i.forms} - {i.value for i in values})
        extra = f" (also as {', '.join(forms)})" if forms else ""
        if not values:
            return f"any {kind} found on the person's own rows"
        return f"the {kind} given{extra}, and any found on the person's own rows"
    origin = plan.step(source.step or 0)
    where = f"{origin.dotted}.{source.column} (step {origin.number})"
    if source.via == "belongs-to":
        return f"{where}: rows that belong to the person's rows there  [owned: belongs-to]"
    return f"{where}: the rows the person's rows there own  [owned: owns]"


def _label(kind: str | None) -> str:
    return (kind or "identity").replace("_", " ")
