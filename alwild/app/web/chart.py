"""Learning-curve geometry for an inline SVG chart (pure; the template draws it)."""

from __future__ import annotations

__all__ = ["curve_geometry", "honest_curve"]


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


def honest_curve(models: list[dict]) -> dict:
    """What the learning curve plots: balanced accuracy where the versions have it (with
    the majority-class baseline's as a reference line), else the mean AP@0.5 over the
    detector's classes, else plain accuracy; ``models`` as ``learning_curve`` gives them.

    >>> c = honest_curve([{"labels": 10, "accuracy": 0.9, "metrics": {
    ...     "balanced_accuracy": 0.6, "majority_balanced_accuracy": 0.5}}])
    >>> c["name"], c["points"], c["baseline"]
    ('balanced accuracy', [(10, 0.6)], 0.5)
    >>> honest_curve([{"labels": 8, "accuracy": None,
    ...                "metrics": {"ap50:insulator": 0.5, "ap50:defect": 0.25}}])["points"]
    [(8, 0.375)]
    """
    metrics = [m.get("metrics") or {} for m in models]
    if any("balanced_accuracy" in f for f in metrics):
        baselines = [f["majority_balanced_accuracy"] for f in metrics
                     if "majority_balanced_accuracy" in f]
        return {"name": "balanced accuracy", "baseline": baselines[-1] if baselines else None,
                "points": [(m["labels"], f.get("balanced_accuracy"))
                           for m, f in zip(models, metrics, strict=True)]}
    ap = [[v for k, v in f.items() if k.startswith("ap50:")] for f in metrics]
    if any(ap):
        return {"name": "mean AP@0.5 over the classes", "baseline": None,
                "points": [(m["labels"], sum(a) / len(a) if a else None)
                           for m, a in zip(models, ap, strict=True)]}
    return {"name": "accuracy", "baseline": None,
            "points": [(m["labels"], m["accuracy"]) for m in models]}


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
