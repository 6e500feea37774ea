"""What erasure does beyond the person's own rows: mentions of them in other parties' rows,
and the context rows their rows referred to.

A mention (README "Whose rows are these") is a field naming another party: the number a
customer called, a referrer's email. When the person it names is erased, the field's declared
``erase`` is applied to every row holding one of the person's values there, whoever's row it
is, in the same transaction as that system's own writes; ``keep`` leaves them and says so.
Context rows (a store, a tariff, the agent who served them) are never erased with one person:
the certificate lists them as kept with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pledge.connectors import Connector, Select, Update, Write
from pledge.dsr.certificate import ContextKept, ErasureResult, Mentioned, Remaining
from pledge.dsr.strategies import transform
from pledge.subjects.plan import Plan
from pledge.subjects.reach import Found, MentionHit, canonical


def mention_writes(
    hits: Sequence[MentionHit], hash_key: str | None
) -> list[tuple[Mentioned, Write | None]]:
    """Per mention field naming the person: its certificate line and the write (None: keep).

    Rows are named by the stored values themselves, so a dataset without a primary key is
    handled the same way, and nothing but the mention field changes.
    """
    out: list[tuple[Mentioned, Write | None]] = []
    for hit in hits:
        m = hit.mention
        line = Mentioned(m.system, m.dataset, m.field, m.erase, hit.rows)
        if m.erase == "keep":
            out.append((line, None))
        elif m.erase == "nullify":
            out.append((line, Update(m.dataset, m.field, hit.values, set_to={m.field: None})))
        else:
            fn = transform(m.erase, key=hash_key)  # type: ignore[arg-type]
            mapping = {value: fn(value) for value in hit.values}
            out.append((line, Update(m.dataset, m.field, hit.values, replace={m.field: mapping})))
    return out


def verify_mentions(
    hits: Sequence[MentionHit], conns: Mapping[str, Connector], result: ErasureResult
) -> list[Remaining]:
    """Mentions that should have changed and still name the person."""
    ran = {s.system for s in result.systems if s.status == "erased"}
    out: list[Remaining] = []
    for hit in hits:
        m = hit.mention
        if m.erase == "keep" or m.system not in ran:
            continue
        left = 0
        query = Select(m.dataset, m.field, hit.values, (m.field,))
        for batch in conns[m.system].read(query):
            held = {canonical(m.kind, v) for v in hit.values}
            left += sum(1 for row in batch if canonical(m.kind, row.get(m.field)) in held)
        if left:
            out.append(Remaining(m.system, m.dataset, left, (m.field,)))
    return out


def context_kept(plan: Plan, found: Mapping[int, Found]) -> list[ContextKept]:
    """The context rows the person's rows refer to, counted by distinct reference, one line
    per dataset however many references lead there."""
    referred: dict[str, set[str]] = {}
    through: dict[str, list[str]] = {}
    for link in plan.links:
        if link.reach != "context":
            continue
        step = plan.find(link.dataset)
        if step is None or link.target == link.dataset:
            continue
        values = {str(v) for v in found[step.number].values(link.field)}
        own = plan.find(link.target)
        if own is not None:  # the person's own rows there are theirs, not context
            values -= {str(v) for v in found[own.number].values(link.key)}
        if values:
            referred.setdefault(link.target, set()).update(values)
            through.setdefault(link.target, []).append(link.label)
    out: list[ContextKept] = []
    for target, values in referred.items():
        people = plan.roles.get(target) == "people"
        role = "another person's record" if people else "context"
        links = ", ".join(through[target])
        reason = f"{role}: referred to by {links}, never erased with one person"
        out.append(ContextKept(target, len(values), reason))
    return out
