"""What an erasure did, per system: erased, kept and why, with counts. Pure data and text.

The :class:`ErasureResult` is what :func:`pledge.dsr.erasure.erase` returns; its
:meth:`~ErasureResult.certificate` is the document that goes with the request, to the person
and to the DPO. It names no personal data: systems, datasets, fields, counts and reasons.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Action = Literal["delete", "update"]


@dataclass(frozen=True)
class Kept:
    """Rows an exemption held back from erasure, and how their use is restricted."""

    rule: str
    reason: str
    rows: int
    #: "column <name>" when the dataset carries a flag, else "Pledge's restriction register".
    restricted_by: str


@dataclass
class DatasetOutcome:
    """One dataset of one system after erasure."""

    dataset: str
    action: Action
    found: int = 0
    erased: int = 0
    #: For updates: field → strategy (nullify, mask, hash, keep).
    fields: dict[str, str] = field(default_factory=dict)
    kept: list[Kept] = field(default_factory=list)
    #: Files the erased rows named (fields with ``file_root``), removed after the commit.
    files_removed: int = 0

    @property
    def kept_rows(self) -> int:
        return sum(k.rows for k in self.kept)


@dataclass
class SystemOutcome:
    """One system after erasure: all its datasets changed in one transaction, or none."""

    system: str
    status: Literal["erased", "nothing-found", "failed", "not-run"] = "not-run"
    datasets: list[DatasetOutcome] = field(default_factory=list)
    error: str | None = None
    statements: int = 0
    #: Earlier erasures of the person here that were interrupted after their intent, closed
    #: by this one (the ledger's entries say whether their writes had committed).
    interrupted: list[str] = field(default_factory=list)

    @property
    def erased(self) -> int:
        return sum(d.erased for d in self.datasets)

    @property
    def kept(self) -> int:
        return sum(d.kept_rows for d in self.datasets)

    @property
    def files_removed(self) -> int:
        return sum(d.files_removed for d in self.datasets)


@dataclass(frozen=True)
class Mentioned:
    """Rows of another party that named the erased person in a mention field."""

    system: str
    dataset: str
    field: str
    #: The declared erase of the mention: nullify, mask, hash, or keep (left as declared).
    action: str
    rows: int


@dataclass(frozen=True)
class ContextKept:
    """Context rows the person's rows referred to: never erased with one person."""

    dataset: str
    rows: int
    reason: str


@dataclass(frozen=True)
class Remaining:
    """Targeted data still present after erasure: the reason a request must fail."""

    system: str
    dataset: str
    rows: int
    fields: tuple[str, ...] = ()
    #: Targeted files (named by erased rows) still on disk; ``rows`` is then 0.
    files: int = 0

    def __str__(self) -> str:
        what = f" (fields: {', '.join(self.fields)})" if self.fields else ""
        if self.files:
            return f"{self.system}.{self.dataset}: {self.files} file(s) still exist{what}"
        return f"{self.system}.{self.dataset}: {self.rows} row(s) still hold the data{what}"


@dataclass
class ErasureResult:
    """Everything an erasure did; ``complete`` only when verification found nothing left."""

    erasure_id: str
    at: datetime
    request_id: str | None = None
    systems: list[SystemOutcome] = field(default_factory=list)
    remaining: list[Remaining] = field(default_factory=list)
    verified: bool = False
    #: Why the verification pass could not run, when it could not.
    unverified: str | None = None
    #: Mentions of the person in other parties' rows, and what was done to them.
    mentions: list[Mentioned] = field(default_factory=list)
    #: Context rows the person's rows referred to, kept.
    context: list[ContextKept] = field(default_factory=list)
    #: The operator's choices about shared identity values, if any.
    choices: dict[str, list[str]] = field(default_factory=dict)
    #: The erasure this one replays on a restored system, if it is a replay.
    replay_of: str | None = None

    @property
    def complete(self) -> bool:
        """Erased everywhere and verified: never true while targeted data remains."""
        return (
            self.verified
            and not self.remaining
            and all(s.status in ("erased", "nothing-found") for s in self.systems)
        )

    @property
    def with_exemptions(self) -> bool:
        """Some rows were kept under a retention rule (the request is complete-with-exemptions)."""
        return any(s.kept for s in self.systems)

    @property
    def erased(self) -> int:
        return sum(s.erased for s in self.systems)

    @property
    def kept(self) -> int:
        return sum(s.kept for s in self.systems)

    @property
    def files_removed(self) -> int:
        return sum(s.files_removed for s in self.systems)

    def certificate(self) -> dict[str, Any]:
        """The certificate as JSON-ready data."""
        status = "complete" if self.complete else "failed"
        if self.complete and self.with_exemptions:
            status = "complete-with-exemptions"
        return {
            "erasure_id": self.erasure_id,
            "request_id": self.request_id,
            "at": self.at.isoformat(),
            "status": status,
            "verified": self.verified,
            "unverified": self.unverified,
            "totals": {
                "erased": self.erased,
                "kept": self.kept,
                "files_removed": self.files_removed,
                "mentions_changed": sum(m.rows for m in self.mentions if m.action != "keep"),
            },
            "systems": [asdict(s) for s in self.systems],
            "mentions": [asdict(m) for m in self.mentions],
            "context": [asdict(c) for c in self.context],
            "choices": self.choices,
            "remaining": [asdict(r) for r in self.remaining],
        }

    def text(self) -> str:
        """The certificate as a person reads it."""
        lines = [
            f"Erasure certificate {self.erasure_id}"
            + (f" for request {self.request_id}" if self.request_id else ""),
            f"Carried out {self.at:%d %B %Y at %H:%M UTC}; "
            f"status: {self.certificate()['status'].replace('-', ' ')}",
        ]
        for system in self.systems:
            lines.append(f"\n{system.system}: {system.status.replace('-', ' ')}")
            if system.error:
                lines.append(f"  error: {system.error}")
            for earlier in system.interrupted:
                lines.append(
                    f"  completes erasure {earlier}, interrupted here after its intent was "
                    "recorded (see the erasure ledger)"
                )
            for d in system.datasets:
                how = "deleted" if d.action == "delete" else "updated"
                line = f"  {d.dataset}: {d.erased} row(s) {how}"
                if d.action == "update" and d.fields:
                    line += " (" + ", ".join(f"{f}: {s}" for f, s in d.fields.items()) + ")"
                if d.files_removed:
                    line += f", {d.files_removed} file(s) removed"
                lines.append(line)
                for k in d.kept:
                    lines.append(
                        f"    kept {k.rows} row(s) under '{k.rule}': {k.reason}; "
                        f"restricted by {k.restricted_by}"
                    )
        if self.mentions:
            lines.append("\nMentions of the person in other records:")
            for m in self.mentions:
                done = "left as declared (keep)" if m.action == "keep" else f"{m.action} applied"
                lines.append(f"  {m.system}.{m.dataset}.{m.field}: {m.rows} row(s), {done}")
        if self.context:
            lines.append("\nKept (not the person's alone):")
            for c in self.context:
                lines.append(f"  {c.dataset}: {c.rows} row(s), {c.reason}")
        if self.choices and any(self.choices.values()):
            lines.append(f"\nOperator's choices about shared values: {self.choices}")
        for r in self.remaining:
            lines.append(f"\nNOT ERASED: {r}")
        if self.unverified:
            lines.append(f"\nNOT VERIFIED: {self.unverified}")
        return "\n".join(lines)
