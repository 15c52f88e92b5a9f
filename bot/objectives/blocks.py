"""Block Kit for quality objectives: the form to define one, and the lines showing each against its target."""

from __future__ import annotations

from typing import Any

from bot.objectives.measures import DIRECTIONS, MEASURES, PERIODS, Standing
from bot.registry import Callback
from bot.surfaces.blocks import input_block, modal, static_select, text_input
from bot.surfaces.mrkdwn import safe

STATUS_EMOJI = {
    "met": ":large_green_circle:",
    "at risk": ":large_yellow_circle:",
    "missed": ":red_circle:",
    "no data": ":white_circle:",
}


def new_modal() -> dict[str, Any]:
    blocks = [
        input_block("name", "Objective", text_input("value", max_length=100, placeholder="e.g. On-time NC closure")),
        input_block("measure", "Measure", static_select("value", [(m.label, key) for key, m in MEASURES.items()])),
        input_block(
            "direction",
            "Target is",
            static_select("value", list((label, key) for key, label in DIRECTIONS.items()), initial="at_least"),
        ),
        input_block("target", "Target", text_input("value", max_length=20, placeholder="e.g. 90")),
        input_block(
            "unit",
            "Unit",
            text_input("value", max_length=20, placeholder="e.g. %"),
            optional=True,
            hint="Computed measures bring their own unit.",
        ),
        input_block(
            "period",
            "Measured per",
            static_select("value", list((label, key) for key, label in PERIODS.items()), initial="month"),
        ),
    ]
    return modal(Callback.OBJECTIVE_NEW, "New quality objective", blocks, submit="Save")


def lines(found: list[Standing]) -> list[str]:
    out = []
    for s in found:
        o = s.objective
        unit = safe(o.unit, 20)
        value = "no data" if s.value is None else f"{s.value:g}{unit}"
        out.append(
            f"{STATUS_EMOJI[s.status]} *{s.code}* {safe(o.name, 100)}: {value} · target {DIRECTIONS[o.direction].lower()} {o.target:g}{unit} · {s.period} · *{s.status}*"
        )
    return out
