"""`qms-bot demo`: the real app, a Slack stand-in and a throwaway database, and a transcript.

The tour is a list of named scenes (bot.standin.demo_catalogue), played in order; each moves
the clock to its own day. `--scene NAME` plays one: the scenes it builds on are played first
without printing, so that it finds what it needs (the NC it works on, the document it requires).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from bot.standin import demo_scenes_closing as closing
from bot.standin import demo_scenes_nc as nc
from bot.standin import demo_scenes_people as people
from bot.standin import demo_scenes_programme as programme
from bot.standin import demo_scenes_registers as registers
from bot.standin.demo_catalogue import SCENE_NAMES, SCENES
from bot.standin.demo_tour import Tour

# name -> (how it plays, the scenes whose records it works on)
PLAYS: dict[str, tuple[Callable[[Tour], None], tuple[str, ...]]] = {
    "basics": (nc.basics, ()),
    "nc": (nc.nonconformity, ()),
    "training": (people.training, ()),
    "feedback": (people.feedback, ()),
    "audit": (programme.audit, ()),
    "snooze": (closing.snooze, ("feedback",)),
    "documents": (programme.documents, ()),
    "kpi": (programme.kpi, ("feedback",)),
    "risks": (registers.risks, ()),
    "suppliers": (registers.suppliers, ()),
    "equipment": (registers.equipment, ()),
    "competence": (people.competence, ("training",)),
    "outputs": (registers.outputs, ("audit",)),
    "review": (programme.review, ()),
    "escalation": (closing.escalation, ("feedback",)),
    "digest": (closing.digest, ("nc", "feedback", "audit")),
    "export": (closing.export_and_verify, ("nc",)),
}
assert tuple(PLAYS) == SCENE_NAMES, "the catalogue and the scenes must list the same names in the same order"

INTRO = """QMS bot demo: the real app over HTTP, a local Slack stand-in, a throwaway SQLite file.
Workspace: Anna and Ben (employees), Quinn (QMS manager), Lena (leader); #quality is the QMS channel.
Settings: Anna owns the Production process; overdue work reaches the QMS managers after 2 days
(QMS_ESCALATE_AFTER_DAYS=2, default 7). The clock starts on Wed 25 Nov 2026 and moves as the story does.
"""


def play(out: TextIO, folder: Path | None = None, scene: str | None = None) -> int:
    """Play the whole tour (or one scene) to `out`; the chart and the workbook go into `folder`."""
    with played(out, folder, scene):
        pass
    return 0


@contextmanager
def played(out: TextIO, folder: Path | None = None, scene: str | None = None) -> Iterator[Tour]:
    """Play the tour, then hand it over with its sandbox still running (the tests read its
    records); on leaving, say where the files are."""
    if scene is not None and scene not in SCENES:
        raise ValueError(f"no scene called {scene!r}; the scenes: {', '.join(SCENE_NAMES)}")
    folder = folder or Path(tempfile.mkdtemp(prefix="qms-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    out.write(INTRO)
    with Tour(out, folder) as tour:
        if scene is None:
            for name in SCENE_NAMES:
                _play(tour, name)
        else:
            _set_up(tour, scene)
            _play(tour, scene)
        yield tour
    out.write("\nDone. Every step above went through the real Bolt app, signed like Slack signs requests.\n")
    out.write(f"Files in {folder}:\n")
    for path in sorted(folder.iterdir()):
        out.write(f"  {path.name} ({path.stat().st_size // 1024} KB)\n")


def _play(tour: Tour, name: str) -> None:
    tour.out.write(f"\n══ Scene {name}: {SCENES[name]}\n")
    PLAYS[name][0](tour)
    tour.played.append(name)


def _set_up(tour: Tour, scene: str) -> None:
    """Play, without printing, the scenes `scene` builds on (and theirs), in the tour's order."""
    wanted: set[str] = set()
    todo = list(PLAYS[scene][1])
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += PLAYS[name][1]
    if not wanted:
        return
    shown = tour.quietly()
    try:
        for name in SCENE_NAMES:
            if name in wanted:
                _play(tour, name)
    finally:
        tour.out = shown
    tour.out.write(f"(set up first, not shown: {', '.join(n for n in SCENE_NAMES if n in wanted)})\n")
