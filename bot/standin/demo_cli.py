"""`qms-bot demo [--out DIR] [--scene NAME]`: its arguments, and playing it.

Apart from bot/cli.py (which stays under the size rule) and light to import: `qms-bot --help`
lists the scenes without importing the app.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.standin.demo_catalogue import SCENE_NAMES
from bot.workspace.commands import COMMANDS


def add_parser(sub: Any) -> None:
    demo = sub.add_parser("demo", help=COMMANDS["demo"][0])
    demo.add_argument(
        "--out",
        metavar="DIR",
        help="the folder for the digest's chart and the export workbook (default: a new temporary folder)",
    )
    demo.add_argument(
        "--scene", metavar="NAME", help=f"play one scene (what it builds on is set up unseen): {', '.join(SCENE_NAMES)}"
    )


def run(args: argparse.Namespace) -> int:
    if args.scene is not None and args.scene not in SCENE_NAMES:
        print(
            f"qms-bot: --scene: there is no scene {args.scene!r}; the scenes: {', '.join(SCENE_NAMES)}", file=sys.stderr
        )
        return 2
    from bot.standin.demo import play

    try:
        return play(sys.stdout, Path(args.out) if args.out else None, args.scene)
    except BrokenPipeError:  # `qms-bot demo | head`: the reader has seen enough
        sys.stderr.close()
        return 0
