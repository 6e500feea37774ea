"""``pledge notice diff``: what changed between two declarations for the people concerned,
each change one sentence, flagged when customers must be told before it takes effect
(a new purpose or recipient, data kept longer, more data collected or shared)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pledge.declaration.model import Declaration, Purpose, Recipient, RetentionRule
from pledge.notice import words


@dataclass(frozen=True)
class Change:
    """One change, said as a sentence; ``must_tell`` when people must be told of it."""

    sentence: str
    must_tell: bool

    def __str__(self) -> str:
        return f"{'TELL' if self.must_tell else '    '}  {self.sentence}"


def diff(old: Declaration, new: Declaration) -> list[Change]:
    """The changes from ``old`` to ``new`` that matter to the people whose data it is."""
    out: list[Change] = []
    if old.controller.name != new.controller.name:
        out.append(Change(f"The controller is now {new.controller.name}.", True))
    out += _collected(old, new)
    out += _purposes(old, new)
    out += _recipients(old.recipients, new.recipients)
    out += _retention(old.retention, new.retention)
    out += _marketing(old, new)
    return out


def _names(keys: Iterable[str]) -> str:
    return words.join(words.categories(keys))


def _held(d: Declaration) -> set[str]:
    return {c for p in d.purposes.values() for c in p.categories} | {
        c for g in d.data_subjects.values() for c in g.categories
    }


def _collected(old: Declaration, new: Declaration) -> list[Change]:
    added = sorted(_held(new) - _held(old))
    return [Change(f"We now collect {_names(added)}.", True)] if added else []


def _purposes(old: Declaration, new: Declaration) -> list[Change]:
    out: list[Change] = []
    newly_held = _held(new) - _held(old)
    for key, p in new.purposes.items():
        before = old.purposes.get(key)
        if before is None:
            basis = words.BASIS[p.lawful_basis]
            out.append(Change(f"New purpose: {p.description} (lawful basis: {basis}).", True))
            continue
        out += _purpose(before, p, newly_held, old, new)
    for key, p in old.purposes.items():
        if key not in new.purposes:
            out.append(Change(f"Purpose removed: {p.description}.", False))
    return out


def _purpose(
    before: Purpose, p: Purpose, newly_held: set[str], old: Declaration, new: Declaration
) -> list[Change]:
    out: list[Change] = []
    what = p.description
    if before.lawful_basis != p.lawful_basis:
        out.append(
            Change(
                f"{what}: the lawful basis changes from {words.BASIS[before.lawful_basis]} to "
                f"{words.BASIS[p.lawful_basis]}.",
                True,
            )
        )
    elif before.legitimate_interest != p.legitimate_interest and p.legitimate_interest:
        out.append(Change(f"{what}: the legitimate interest is now: {p.legitimate_interest}", True))
    if before.special_category_condition != p.special_category_condition:
        condition = p.special_category_condition
        said = words.CONDITION[condition] if condition else "no condition"
        out.append(Change(f"{what}: sensitive data now relies on {said}.", True))
    more = [c for c in p.categories if c not in before.categories and c not in newly_held]
    if more:
        out.append(Change(f"{what}: now also uses {_names(more)}.", True))
    less = [c for c in before.categories if c not in p.categories]
    if less:
        out.append(Change(f"{what}: no longer uses {_names(less)}.", False))
    for r in p.recipients:
        if r not in before.recipients and r in new.recipients:
            out.append(Change(f"{what}: data is now shared with {new.recipients[r].name}.", True))
    for r in before.recipients:
        if r not in p.recipients:
            name = old.recipients[r].name if r in old.recipients else r
            out.append(Change(f"{what}: data is no longer shared with {name}.", False))
    if before.retention_criteria != p.retention_criteria and p.retention_criteria:
        out.append(Change(f"{what}: how long data is kept is now: {p.retention_criteria}", True))
    if before.automated_decision_making != p.automated_decision_making:
        adm = p.automated_decision_making or "not stated"
        out.append(Change(f"{what}: automated decision-making is now: {adm}", True))
    return out


def _recipients(old: dict[str, Recipient], new: dict[str, Recipient]) -> list[Change]:
    out: list[Change] = []
    for key, r in new.items():
        before = old.get(key)
        where = words.country(r.country)
        if before is None:
            shared = _names(r.categories) or "data not stated"
            sentence = f"New recipient: {r.name} ({r.service}, {where}) receives {shared}."
            out.append(Change(sentence, True))
            continue
        if before.country != r.country:
            out.append(
                Change(
                    f"{r.name} now holds data in {where} (before: "
                    f"{words.country(before.country)}).",
                    True,
                )
            )
        if before.safeguard != r.safeguard and r.country != "GB":
            said = words.SAFEGUARD[r.safeguard] if r.safeguard else "none named"
            out.append(Change(f"The safeguard for data sent to {r.name} is now {said}.", True))
        wider = [c for c in r.categories if c not in before.categories]
        if wider:
            out.append(Change(f"{r.name} now also receives {_names(wider)}.", True))
        narrower = [c for c in before.categories if c not in r.categories]
        if narrower:
            out.append(Change(f"{r.name} no longer receives {_names(narrower)}.", False))
    for key, r in old.items():
        if key not in new:
            out.append(Change(f"We no longer share data with {r.name}.", False))
    return out


def _total_days(rule: RetentionRule) -> float:
    extra = rule.archive.keep.approximate_days if rule.archive else 0.0
    return rule.keep.approximate_days + extra


def _retention(old: dict[str, RetentionRule], new: dict[str, RetentionRule]) -> list[Change]:
    out: list[Change] = []
    for key, rule in new.items():
        what = words.records(rule)
        kept = f"{words.period(rule)}, {words.afterwards(rule)}"
        before = old.get(key)
        if before is None:
            out.append(Change(f"New retention period: {what}: {kept}.", False))
            continue
        if _total_days(rule) > _total_days(before):
            out.append(Change(f"{what} will be kept longer: {kept}.", True))
        elif _total_days(rule) < _total_days(before):
            out.append(Change(f"{what} will be kept for less time: {kept}.", False))
    for key, rule in old.items():
        if key not in new:
            what = words.records(rule)
            out.append(Change(f"{what} no longer has a fixed retention period.", True))
    return out


def _marketing(old: Declaration, new: Declaration) -> list[Change]:
    before = old.marketing.channels if old.marketing else []
    after = new.marketing.channels if new.marketing else []
    out = [
        Change(f"New marketing channel: {words.CHANNEL[c]}.", True)
        for c in after
        if c not in before
    ]
    out += [
        Change(f"No more marketing by {words.CHANNEL[c]}.", False) for c in before if c not in after
    ]
    routes_before = {r.how for r in old.marketing.opt_out_routes} if old.marketing else set()
    routes_after = {r.how for r in new.marketing.opt_out_routes} if new.marketing else set()
    out += [
        Change(f"This way to opt out of marketing is withdrawn: {how}", True)
        for how in sorted(routes_before - routes_after)
    ]
    out += [
        Change(f"New way to opt out of marketing: {how}", False)
        for how in sorted(routes_after - routes_before)
    ]
    return out
