"""The digest's trend chart: NCs raised and closed per week as bars, the customer rating as a line.

Drawn with Pillow into a PNG in memory: no plotting stack, no files on disk.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 900, 420
LEFT, RIGHT, TOP, BOTTOM = 60, 60, 50, 70
RAISED, CLOSED, RATING, INK, GRID = (214, 69, 65), (46, 134, 222), (39, 174, 96), (40, 40, 40), (225, 225, 225)


@dataclass(frozen=True)
class Week:
    label: str  # e.g. "23 Nov"
    raised: int
    closed: int
    rating: float | None  # average customer rating, 1-5


def trend_png(weeks: list[Week], title: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    highest = max([1] + [max(w.raised, w.closed) for w in weeks])
    step = math.ceil(highest / 5)  # whole-number grid lines, at most five
    top_count = step * math.ceil(highest / step)
    draw.text((LEFT, 15), title, fill=INK, font=font)
    # Grid and left axis: NC counts.
    for i in range(top_count // step + 1):
        y = TOP + plot_h - plot_h * (i * step) / top_count
        draw.line([(LEFT, y), (LEFT + plot_w, y)], fill=GRID)
        draw.text((LEFT - 30, y - 6), f"{i * step}", fill=INK, font=font)
    # Right axis: rating 1-5.
    for r in range(1, 6):
        y = TOP + plot_h - plot_h * (r - 1) / 4
        draw.text((LEFT + plot_w + 10, y - 6), f"{r}", fill=RATING, font=font)
    slot = plot_w / max(1, len(weeks))
    bar = slot * 0.3
    points = []
    for i, week in enumerate(weeks):
        x = LEFT + slot * i + slot * 0.2
        for offset, value, colour in ((0, week.raised, RAISED), (bar, week.closed, CLOSED)):
            height = plot_h * value / top_count
            if height:
                draw.rectangle([(x + offset, TOP + plot_h - height), (x + offset + bar - 1, TOP + plot_h)], fill=colour)
        draw.text((x, TOP + plot_h + 8), week.label, fill=INK, font=font)
        if week.rating is not None:
            points.append((x + bar, TOP + plot_h - plot_h * (week.rating - 1) / 4))
    if len(points) > 1:
        draw.line(points, fill=RATING, width=3)
    for px, py in points:
        draw.ellipse([(px - 4, py - 4), (px + 4, py + 4)], fill=RATING)
    for i, (label, colour) in enumerate(
        (("NCs raised", RAISED), ("NCs closed", CLOSED), ("Customer rating (right axis)", RATING))
    ):
        x = LEFT + i * 220
        draw.rectangle([(x, HEIGHT - 28), (x + 12, HEIGHT - 16)], fill=colour)
        draw.text((x + 18, HEIGHT - 28), label, fill=INK, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
