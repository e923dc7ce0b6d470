"""Pascal VOC xml: one ``Annotations/<image stem>.xml`` per image.

>>> voc_xml(Image("a.jpg", 100, 200), [Box("a.jpg", 10, 20, 30, 40, "b")])[:40]
'<annotation><filename>a.jpg</filename><s'
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from xml.sax.saxutils import escape

from alwild.export.records import Box, Image

__all__ = ["voc_xml", "write_voc"]


def voc_xml(image: Image, boxes: Sequence[Box]) -> str:
    """The annotation of one image (corners printed with one decimal)."""
    objects = "".join(
        f"<object><name>{escape(b.label)}</name><difficult>0</difficult><bndbox>"
        f"<xmin>{b.x:.1f}</xmin><ymin>{b.y:.1f}</ymin>"
        f"<xmax>{b.x + b.w:.1f}</xmax><ymax>{b.y + b.h:.1f}</ymax>"
        "</bndbox></object>" for b in boxes)
    name = Path(image.file).name
    return (f"<annotation><filename>{escape(name)}</filename><size>"
            f"<width>{image.width}</width><height>{image.height}</height><depth>3</depth>"
            f"</size>{objects}</annotation>\n")


def write_voc(images: Sequence[Image], boxes: Sequence[Box], out_dir: str | PathLike) -> Path:
    """Write the xml of every image under ``out_dir/Annotations``; returns ``out_dir``."""
    out = Path(out_dir)
    (out / "Annotations").mkdir(parents=True, exist_ok=True)
    mine: dict[str, list[Box]] = {im.file: [] for im in images}
    for b in boxes:
        mine[b.file].append(b)
    for image in images:
        (out / "Annotations" / f"{Path(image.file).stem}.xml").write_text(
            voc_xml(image, mine[image.file]))
    return out
