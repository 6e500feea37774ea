"""Facilities: clips from the CCTV cameras at the company's offices, shops and exchanges.

The premises do not grow with the number of customers, so the clips are made once, with the
first chunk: a few per site over the last eight weeks, spread evenly so that every site has
clips both inside and past the 31-day rule and a retention run always has some to sweep.
"""

from __future__ import annotations

from pledge.demo.rows import Chunk, Ids

DAY = 86_400
#: How far back the clips go, and how many each site keeps over that time.
WEEKS, CLIPS_PER_SITE = 8, 6
#: Sites: (name, folder under cctv/, cameras, whether staff work there).
SITES = (
    ("Northwold House, Hull", "hull-office", ("reception", "car-park", "lift-lobby"), True),
    ("Whitefriargate shop, Hull", "hull-shop", ("shop-floor", "entrance"), True),
    ("Toll Gavel shop, Beverley", "beverley-shop", ("shop-floor", "entrance"), True),
    ("Bond Street exchange, Hull", "hull-exchange", ("perimeter", "equipment-hall"), False),
    ("Piccadilly exchange, York", "york-exchange", ("perimeter", "equipment-hall"), False),
)


def clip_path(site: str, clip_id: int, camera: str, day: str) -> str:
    """Where a clip's video lives, relative to the estate's ``cctv`` folder."""
    return f"{site}/{day}/{camera}-{clip_id}.mp4"


def make(chunk: Chunk) -> None:
    """The CCTV clips, in the first chunk only; now and then a member of staff is seen."""
    if chunk.index != 0:
        return
    rng, clock = chunk.rng("facilities"), chunk.clock
    clips, ids, staff = chunk.add("cctv_clip"), Ids(0, 0), chunk.employee_ids
    span = WEEKS * 7 * DAY / CLIPS_PER_SITE
    for name, folder, cameras, staffed in SITES:
        for k in range(CLIPS_PER_SITE):
            recorded = clock.now - 1 - int((k + rng.random()) * span)
            camera = cameras[int(rng.random() * len(cameras))]
            seen = staff[int(rng.random() * len(staff))] if staffed and rng.random() < 0.5 else None
            clip_id = ids.take()
            clips.append((
                clip_id, name, camera, clock.stamp(recorded), seen,
                clip_path(folder, clip_id, camera, clock.day(recorded)),
            ))  # fmt: skip
