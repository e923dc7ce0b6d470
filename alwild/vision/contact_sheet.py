"""Contact sheets: one row of thumbnails per group (e.g. the frames each strategy asked about).

>>> import tempfile, os
>>> from importlib.resources import files
>>> img = str(files("alwild") / "data" / "insulators" / "frames" / "images" / "idd_100017.jpg")
>>> out = contact_sheet({"entropy": [(img, "defect")]}, os.path.join(tempfile.mkdtemp(), "s.png"))
>>> out.suffix
'.png'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from alwild.vision.io import open_rgb

__all__ = ["contact_sheet"]

_BORDER = {"anomaly": (200, 30, 30), "defect": (200, 30, 30), "normal": (30, 140, 60)}


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one fixed-size bitmap font
        return ImageFont.load_default()


def contact_sheet(
    rows: Mapping[str, Sequence[tuple[str, str]]],
    path: str | PathLike,
    thumb: int = 120,
    title: str | None = None,
) -> Path:
    """Write a PNG grid: one row per key, thumbnails ``(file, caption)`` left to right.

    Captions ``anomaly``/``defect`` get a red frame and ``normal`` a green one, so what a
    strategy asked about can be seen at a glance. An unreadable file becomes a grey tile.
    """
    pad, label_w, cap_h = 6, 150, 18
    head_h = 30 if title else 0
    n_cols = max((len(v) for v in rows.values()), default=0)
    width = label_w + n_cols * (thumb + pad) + pad
    height = head_h + len(rows) * (thumb + cap_h + pad) + pad
    sheet = Image.new("RGB", (max(width, 200), max(height, 40)), "white")
    draw = ImageDraw.Draw(sheet)
    font, small = _font(15), _font(12)
    if title:
        draw.text((pad, 6), title, fill="black", font=font)
    for r, (name, items) in enumerate(rows.items()):
        y = head_h + pad + r * (thumb + cap_h + pad)
        draw.text((pad, y + thumb // 2 - 8), name, fill="black", font=font)
        for c, (file, caption) in enumerate(items):
            x = label_w + pad + c * (thumb + pad)
            try:
                tile = open_rgb(file)
                tile.thumbnail((thumb - 6, thumb - 6))
            except OSError:
                tile = Image.new("RGB", (thumb - 6, thumb - 6), (180, 180, 180))
            colour = _BORDER.get(caption.split()[0] if caption else "", (120, 120, 120))
            draw.rectangle([x, y, x + thumb - 1, y + thumb - 1], outline=colour, width=3)
            sheet.paste(tile, (x + (thumb - tile.width) // 2, y + (thumb - tile.height) // 2))
            draw.text((x + 2, y + thumb + 1), caption, fill=colour, font=small)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path
