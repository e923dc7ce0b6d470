"""Ultralytics YOLO as a :class:`~alwild.models.detection.Detector` (extra ``alwild[yolo]``).

Ultralytics needs torchvision, which is not part of ``alwild[deep]``; install it with
``pip install 'alwild[yolo]'``. Pass a local weights file (``.pt``) or a model config
(``.yaml``, untrained): alwild never downloads weights at run time.

Ultralytics reports one class and one confidence per box, not a class distribution;
``class_proba`` puts the confidence on that class and spreads the rest evenly over the
other classes (the least informative completion of what the detector reports).
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

import numpy as np

from alwild.models.detection import Detections

__all__ = ["UltralyticsDetector"]


class UltralyticsDetector:
    """Detect with an Ultralytics model; ``conf`` is the minimum box confidence kept."""

    def __init__(self, weights: str | PathLike, conf: float = 0.1, device: str = "cpu") -> None:
        try:
            from ultralytics import YOLO
        except ImportError as err:
            raise ImportError(
                "UltralyticsDetector needs the ultralytics package (and torchvision): "
                "pip install 'alwild[yolo]'"
            ) from err
        self.model = YOLO(str(weights))
        names = self.model.names
        self.classes = [names[i] for i in sorted(names)]
        self.conf = conf
        self.device = device

    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        """Detections for RGB uint8 images ``(H, W, 3)``."""
        # Ultralytics reads numpy images as BGR (OpenCV order).
        bgr = [np.ascontiguousarray(im[:, :, ::-1]) for im in images]
        results = self.model.predict(bgr, conf=self.conf, device=self.device, verbose=False)
        n_classes = len(self.classes)
        out = []
        for r in results:
            boxes = r.boxes.xyxy.cpu().numpy().astype(float)
            scores = r.boxes.conf.cpu().numpy().astype(float)
            cls = r.boxes.cls.cpu().numpy().astype(int)
            rest = (1.0 - scores) / max(n_classes - 1, 1)
            proba = np.repeat(rest[:, None], n_classes, axis=1)
            proba[np.arange(cls.size), cls] = scores
            out.append(Detections(boxes, scores, proba))
        return out
