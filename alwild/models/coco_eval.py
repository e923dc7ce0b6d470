"""COCO average precision of detections, with pycocotools (extra ``alwild[deep]``).

:func:`coco_ap` builds the ground-truth and detection records in memory and runs
pycocotools' ``COCOeval``: AP at IoU 0.5 and AP averaged over IoU 0.5:0.95, per class
and their mean. A class with no ground-truth box on the frames has AP NaN (undefined,
not 0). The detected class of a box is the argmax of its ``class_proba``, its score the
box's ``score``.

>>> import numpy as np
>>> from alwild.models.detection import Detections
>>> truth = [(np.array([[0, 0, 10, 10.0]]), np.array([0]))]
>>> found = [Detections(np.array([[0, 0, 10, 10.0]]), np.array([0.9]), np.array([[1.0]]))]
>>> round(float(coco_ap(truth, found, ["thing"], [(20, 20)]).loc["thing", "ap50"]), 6)
1.0
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from alwild.errors import UserValueError
from alwild.models.detection import Detections

__all__ = ["coco_ap", "coco_records"]


def coco_records(truth, detections: Sequence[Detections], classes: Sequence[str],
                 sizes) -> tuple[dict, list[dict]]:
    """The COCO ground-truth dict and detection list (boxes as x, y, width, height)."""
    if not (len(truth) == len(detections) == len(sizes)):
        raise UserValueError(f"need one truth, detections and size per frame, got "
                             f"{len(truth)}, {len(detections)} and {len(sizes)}")
    images, annotations, results = [], [], []
    for i, ((boxes, labels), det, (w, h)) in enumerate(
            zip(truth, detections, sizes, strict=True)):
        images.append({"id": i, "width": int(w), "height": int(h)})
        for b, c in zip(np.asarray(boxes, float).reshape(-1, 4), labels, strict=True):
            bw, bh = b[2] - b[0], b[3] - b[1]
            annotations.append({"id": len(annotations) + 1, "image_id": i,
                                "category_id": int(c), "bbox": [b[0], b[1], bw, bh],
                                "area": bw * bh, "iscrowd": 0})
        for b, s, p in zip(det.boxes, det.scores, det.class_proba, strict=True):
            results.append({"image_id": i, "category_id": int(np.argmax(p)),
                            "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
                            "score": float(s)})
    gt = {"images": images, "annotations": annotations,
          "categories": [{"id": i, "name": c} for i, c in enumerate(classes)]}
    return gt, results


def coco_ap(truth, detections: Sequence[Detections], classes: Sequence[str],
            sizes) -> pd.DataFrame:
    """AP@0.5 (``ap50``) and AP@0.5:0.95 (``ap``) per class, plus a ``mean`` row.

    ``truth`` is one ``(boxes (k, 4), class indices (k,))`` per frame, ``sizes`` one
    ``(width, height)`` per frame.
    """
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError as err:
        raise ImportError("COCO AP needs pycocotools: pip install 'alwild[deep]'") from err
    gt_dict, results = coco_records(truth, detections, classes, sizes)
    rows = {c: {"ap50": np.nan, "ap": np.nan} for c in classes}
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = gt_dict
        gt.createIndex()
        if results and gt_dict["annotations"]:
            dt = gt.loadRes(results)
            ev = COCOeval(gt, dt, "bbox")
            ev.params.maxDets = [1, 10, 100]
            ev.evaluate()
            ev.accumulate()
            precision = ev.eval["precision"]  # (T iou, R recall, K class, A area, M maxdets)
            for k, c in enumerate(classes):
                p = precision[:, :, k, 0, -1]
                if (p > -1).any():
                    valid = np.where(p > -1, p, np.nan)
                    rows[c] = {"ap50": float(np.nanmean(valid[0])),
                               "ap": float(np.nanmean(valid))}
        elif gt_dict["annotations"]:
            present = {a["category_id"] for a in gt_dict["annotations"]}
            rows.update({classes[k]: {"ap50": 0.0, "ap": 0.0} for k in present})
    table = pd.DataFrame(rows).T
    table.loc["mean"] = table.mean(skipna=True)
    return table
