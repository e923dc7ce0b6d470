"""Learning-curve geometry for an inline SVG chart (pure; the template draws it)."""

from __future__ import annotations

__all__ = ["curve_geometry"]


def curve_geometry(points: list[tuple[int, float | None]], width: int = 560,
                   height: int = 220, pad: int = 36) -> dict:
    """Scale ``(labels, accuracy)`` points into an SVG box, with axis ticks.

    >>> curve_geometry([(10, 0.5), (20, 1.0)])["polyline"]
    '36.0,100.0 548.0,16.0'
    """
    left, right, top, bottom = pad, width - 12, 16, height - pad
    pts = [(x, y) for x, y in points if y is not None]
    geometry = {"width": width, "height": height, "left": left, "right": right, "top": top,
                "bottom": bottom, "polyline": "", "dots": [], "xticks": [],
                "yticks": [{"y": round(bottom - v * (bottom - top), 1), "text": f"{v:.2f}"}
                           for v in (0.0, 0.25, 0.5, 0.75, 1.0)]}
    if not pts:
        return geometry
    x0, x1 = min(x for x, _ in pts), max(x for x, _ in pts)
    span = (x1 - x0) or 1

    def sx(x: float) -> float:
        return round(left + (x - x0) / span * (right - left), 1)

    def sy(y: float) -> float:
        return round(bottom - y * (bottom - top), 1)

    dots = [{"x": sx(x), "y": sy(y), "labels": x, "acc": f"{y:.3f}"} for x, y in pts]
    geometry.update(polyline=" ".join(f"{d['x']},{d['y']}" for d in dots), dots=dots,
                    xticks=[{"x": sx(v), "text": str(v)} for v in _ticks(x0, x1)])
    return geometry


def _ticks(lo: int, hi: int, most: int = 6) -> list[int]:
    """Round tick values from ``lo`` to ``hi``.

    >>> _ticks(19, 24), _ticks(0, 100)
    ([19, 20, 21, 22, 23, 24], [0, 20, 40, 60, 80, 100])
    """
    span = max(hi - lo, 1)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000,
                            10000, 100000) if span / s <= most - 1)
    first = -(-lo // step) * step
    ticks = list(range(first, hi + 1, step))
    return ticks if ticks else [lo, hi]
