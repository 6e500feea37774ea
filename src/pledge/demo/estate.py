"""Build the whole demo estate: databases, the files rows name (call recordings, CCTV
clips) and ``pledge.yaml``.

Everything is written into a staging folder beside the destination and renamed into place
only when complete, with a marker file written last; tables created on servers are dropped
again if anything fails. So a run either produces a complete estate or leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pledge.demo import declaration
from pledge.demo.generator import chunks, chunks_ahead
from pledge.demo.load import ServerSink, Sink, SqliteSink
from pledge.demo.recordings import Files
from pledge.demo.rows import CHUNK, Clock, Plan
from pledge.demo.schema import SYSTEMS
from pledge.demo.targets import Targets

#: Written last: its presence means the estate in the folder is complete.
MARKER = ".northwold-estate.json"


class EstateExists(Exception):
    """The destination already holds something that must not be overwritten."""


class Progress(Protocol):
    """Shows one phase: called with a label and a total, yields a function to advance."""

    def __call__(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]: ...


@contextmanager
def quiet(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A Progress that shows nothing."""
    yield lambda done: None


@dataclass
class Estate:
    """A finished estate and what went into it."""

    folder: Path
    plan: Plan
    counts: dict[str, int]
    placement: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def read_marker(folder: Path) -> dict[str, Any] | None:
    """What the marker of a complete estate in ``folder`` says; None when there is none."""
    try:
        data = json.loads((folder / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _check_destination(folder: Path, force: bool) -> None:
    if not folder.exists():
        return
    if not folder.is_dir():
        raise EstateExists(f"{folder} is a file; choose another --out")
    if read_marker(folder) is not None:
        if not force:
            raise EstateExists(
                f"{folder} already holds a Northwold estate; use --force to replace it"
            )
    elif any(folder.iterdir()):
        raise EstateExists(
            f"{folder} is not empty and is not a Northwold estate; choose another --out "
            "(Pledge never replaces a folder it did not make)"
        )


def _sinks(targets: Targets, staging: Path, force: bool) -> dict[str, Sink]:
    """One sink per system; servers are connected first so a down server fails fast."""
    servers: dict[str, ServerSink] = {}
    by_system: dict[str, Sink] = {}
    try:
        for system in SYSTEMS:
            engine = targets.engine_of(system)
            if engine is not None:
                url = targets.url(engine)
                if url not in servers:
                    servers[url] = ServerSink(url, replace=force)
                by_system[system] = servers[url]
        for system in SYSTEMS:
            if system not in by_system:
                by_system[system] = SqliteSink(staging / f"{system}.sqlite")
    except BaseException:
        for sink in _distinct(by_system):
            with suppress(Exception):
                sink.abort()
        raise
    return by_system


def _distinct(sinks: dict[str, Sink]) -> list[Sink]:
    """Each sink once: systems on the same server share one."""
    return list({id(sink): sink for sink in sinks.values()}.values())


def generate(
    plan: Plan,
    folder: Path,
    *,
    targets: Targets | None = None,
    force: bool = False,
    progress: Progress = quiet,
) -> Estate:
    """Generate the estate into ``folder``; all or nothing.

    Raises EstateExists when ``folder`` holds an estate (and not ``force``) or something
    else, and load.TargetUnreachable when a server cannot be used.
    """
    targets = targets or Targets()
    folder = folder.absolute()
    _check_destination(folder, force)
    staging = folder.parent / f".{folder.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    sinks: dict[str, Sink] = {}
    try:
        sinks = _sinks(targets, staging, force)
        estate = _fill(plan, staging, targets, sinks, progress)
        _swap(staging, folder)
    except BaseException:
        for sink in _distinct(sinks):
            with suppress(Exception):
                sink.abort()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for sink in _distinct(sinks):
        with suppress(Exception):
            sink.close()
    estate.folder = folder
    return estate


def _fill(
    plan: Plan, staging: Path, targets: Targets, sinks: dict[str, Sink], progress: Progress
) -> Estate:
    started = time.perf_counter()
    unique = _distinct(sinks)
    tables: dict[str, tuple[Any, Sink]] = {}
    for system, metadata in SYSTEMS.items():
        sinks[system].create(list(metadata.tables.values()))
        tables.update({name: (table, sinks[system]) for name, table in metadata.tables.items()})
    counts = dict.fromkeys(tables, 0)
    files = Files(staging, {name: table for name, (table, _) in tables.items()})
    label = f"Generating {plan.customers:,} customers and their records"
    with progress(label, plan.customers) as advance:
        servers_only = not any(isinstance(sink, SqliteSink) for sink in unique)
        made = (chunks_ahead if servers_only else chunks)(plan, Clock(plan.as_of))
        for chunk in made:
            for name, rows in chunk.rows.items():
                table, sink = tables[name]
                sink.write(table, rows)
                counts[name] += len(rows)
            files.write(chunk.rows)
            advance(min(CHUNK, plan.customers - chunk.index * CHUNK))
    loaded = time.perf_counter()
    groups = [sink.indexes() for sink in unique]
    with progress("Building indexes", sum(map(len, groups))) as advance:
        _build_indexes(groups, counts, advance)
    indexed = time.perf_counter()
    content, _ = declaration.validated(targets.connections())
    (staging / "pledge.yaml").write_text(content, "utf-8")
    for sink in unique:
        sink.commit()
    placement = {s: (targets.engine_of(s) or "sqlite") for s in SYSTEMS}
    estate = Estate(staging, plan, counts, placement)
    estate.timings = {
        "rows": loaded - started,
        "indexes": indexed - loaded,
        "total": time.perf_counter() - started,
    }
    marker = {
        "seed": plan.seed,
        "customers": plan.customers,
        "as_of": plan.as_of.isoformat(),
        "placement": placement,
        "counts": counts,
    }
    (staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n", "utf-8")
    return estate


def _build_indexes(
    groups: list[list[tuple[str, Callable[[], None]]]],
    counts: dict[str, int],
    advance: Callable[[int], None],
) -> None:
    """Build each sink's indexes in order, two sinks at a time: SQLite and the servers
    release the GIL while they sort, so the big network file need not wait for the rest."""
    done: queue.Queue[str] = queue.Queue()

    def run(steps: list[tuple[str, Callable[[], None]]]) -> None:
        for label, build in steps:
            build()
            done.put(label)

    with ThreadPoolExecutor(max_workers=2) as pool:

        def rows(steps: list[tuple[str, Callable[[], None]]]) -> int:
            return sum(counts.get(label.split(".")[0], 0) for label, _ in steps)

        futures = [pool.submit(run, g) for g in sorted(groups, key=rows, reverse=True)]
        remaining = sum(map(len, groups))
        while remaining and not any(f.done() and f.exception() for f in futures):
            try:
                done.get(timeout=0.2)
            except queue.Empty:
                continue
            remaining -= 1
            advance(1)
        for future in futures:
            future.result()  # re-raises the first failure


def _swap(staging: Path, folder: Path) -> None:
    """Put the finished estate in place; an old estate is only removed once it is."""
    if folder.exists():
        old = folder.parent / f".{folder.name}.old-{os.getpid()}"
        folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(folder)
