"""The power-line case as detection: where is the defect, and how few frames teach it?

A simulated campaign on the loop (:func:`alwild.loop.run_loop`): the rows are frame
positions, a :class:`DetectionLearner` picks frames with a detection strategy
(:mod:`alwild.models.detection_strategies`), the simulated expert draws the frames'
boxes (the ground truth), and the :class:`~alwild.models.box_detector.BoxDetector`
retrains: from its current head (``refit="warm"``, as the app does), or from scratch on
every labelled frame (``refit="cold"``: then a round's detector depends only on which
frames are labelled, not on the path to them, so curves measure labels rather than
accumulated training). After each round the callback measures, on held-out groups, COCO
AP@0.5 and AP@0.5:0.95 per class (pycocotools) and the frame-level balanced accuracy of
"a defect box at least ``CONFIDENT`` sure". Every strategy of a seed starts from the same
seed frames and the same split; the reference is the mean of ``reference_fits`` cold fits
on every training frame (head seeds ``seed + 1000 r``; ``r = 0`` is the learners' seed, so
with cold refits a curve's point at the whole split is that first fit).

>>> DetectionConfig().strategies[-1]
'random'
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score

from alwild.cases.powerline import FrameSet, group_split, torch_threads
from alwild.errors import UserValueError
from alwild.loop import LoopRound, run_loop
from alwild.models.box_detector import BoxDetector
from alwild.models.coco_eval import coco_ap
from alwild.models.detection_strategies import CONFIDENT, rare_class_weights, select_frames
from alwild.vision.io import image_sizes

__all__ = ["DetectionConfig", "DetectionLearner", "DetectionResult", "run_detection_case",
           "frame_truth", "frame_predictions"]


@dataclass
class DetectionConfig:
    """Settings of the simulated detection campaign (frames, not rounds, are the budget)."""

    #: ``mc_disagreement`` (8 MC-dropout passes per pool frame) is left out of the default
    #: to keep the demo within 15 minutes; pass it by name.
    strategies: tuple[str, ...] = ("least_anomaly_probability", "max_box_entropy", "random")
    seeds: int = 5
    first_seed: int = 0
    seed_frames: int = 10
    batch: int = 15
    budget: int = 100
    test_share_folds: int = 3
    image_size: int = 320
    epochs: float = 15
    warm_epochs: float = 3
    #: ``"warm"``: each round continues from the head (the app's way, cheap); ``"cold"``:
    #: each round fits afresh on every labelled frame (the steady measurement)
    refit: str = "warm"
    #: cold fits on all training frames averaged into the all-labels reference
    reference_fits: int = 1
    mc_samples: int = 8
    anomaly: str = "defect"
    threads: int | None = 1


def frame_truth(frames: FrameSet, classes: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each frame's boxes ``(k, 4)`` and class indices ``(k,)`` from the expert's table."""
    by_file = {f: g for f, g in frames.boxes.groupby("file")}
    out = []
    for f in frames.files:
        g = by_file.get(f)
        if g is None:
            out.append((np.zeros((0, 4)), np.zeros(0, dtype=int)))
            continue
        unknown = sorted(set(g["class"]) - set(classes))
        if unknown:
            raise UserValueError(f"boxes of {f} have classes {unknown} outside {classes}")
        out.append((g[["x_min", "y_min", "x_max", "y_max"]].to_numpy(float),
                    np.array([classes.index(c) for c in g["class"]], dtype=int)))
    return out


def frame_predictions(detections, anomaly: int) -> np.ndarray:
    """1 where a frame has a box of the anomaly class at least ``CONFIDENT`` sure."""
    return np.array([int(((d.class_proba.argmax(axis=1) == anomaly)
                          & (d.scores * d.class_proba[:, anomaly] >= CONFIDENT)).any())
                     if len(d) else 0 for d in detections])


@dataclass
class DetectionLearner:
    """The loop's learner: frames are rows ``[[position]]``; teaching adds their boxes."""

    detector: BoxDetector
    strategy: str
    files: list[str]
    truth: list[tuple[np.ndarray, np.ndarray]]
    anomaly: int
    n_samples: int = 8
    random_state: int = 0
    labelled: list[int] = field(default_factory=list)
    #: cold fits already made, by (frames, head seed): learners that share it reuse the
    #: fit of a frame set another has trained on (a cold fit depends on nothing else)
    cold_fits: dict | None = None

    def _fit(self) -> None:
        det = self.detector
        frames = tuple(sorted(self.labelled))  # a cold fit depends on the set, not the order
        cold = not (det.warm_start and det.head_ is not None)
        key = (frames, det.random_state)
        if cold and self.cold_fits is not None and key in self.cold_fits:
            det.head_ = copy.deepcopy(self.cold_fits[key])
            return
        det.fit([self.files[i] for i in frames], [self.truth[i][0] for i in frames],
                [[det.classes[c] for c in self.truth[i][1]] for i in frames])
        if cold and self.cold_fits is not None:
            self.cold_fits[key] = copy.deepcopy(det.head_)

    def teach(self, rows: np.ndarray, labels=None) -> None:
        """Add the frames ``rows[:, 0]`` (their boxes come from the expert) and refit."""
        self.labelled.extend(int(i) for i in np.asarray(rows)[:, 0])
        self._fit()

    def box_counts(self) -> np.ndarray:
        """How many boxes of each class the labelled frames hold."""
        return np.bincount(np.concatenate([self.truth[i][1] for i in self.labelled]),
                           minlength=len(self.detector.classes))

    def query(self, rows: np.ndarray, n_instances: int):
        """Positions (into ``rows``) of the frames the strategy asks about, and the rows."""
        counts = self.box_counts()
        images = [self.files[i] for i in rows[:, 0]]
        labelled = (self.detector.embed([self.files[i] for i in self.labelled])
                    if self.strategy == "diverse_max_entropy" else None)
        self.random_state += 1
        idx = select_frames(self.strategy, self.detector, images, n_instances,
                            anomaly=self.anomaly, weights=rare_class_weights(counts),
                            labelled_vectors=labelled, n_samples=self.n_samples,
                            random_state=self.random_state)
        return idx, rows[idx]


@dataclass
class DetectionResult:
    """Learning curves (seed, strategy, labels, labelled boxes per class, AP per class,
    BA), the all-labels
    reference per seed, round-1 picks and the frames each strategy had labelled (first seed)."""

    curves: pd.DataFrame
    full: pd.DataFrame
    first_picks: dict[str, list[int]]
    labelled: dict[str, list[int]]
    seconds: float


def _evaluate(detector, files, truth, sizes, y, classes, anomaly) -> dict:
    found = detector.detect(files)
    ap = coco_ap(truth, found, classes, sizes)
    row = {f"ap50_{c}": ap.loc[c, "ap50"] for c in classes}
    row.update({f"ap_{c}": ap.loc[c, "ap"] for c in classes})
    row["ba"] = balanced_accuracy_score(y, frame_predictions(found, anomaly))
    return row


def run_detection_case(frames: FrameSet, cfg: DetectionConfig, cache_dir=None,
                       progress=None) -> DetectionResult:
    """Every strategy on every seed, on group-aware splits; see the module docstring."""
    with torch_threads(cfg.threads):
        return _run(frames, cfg, cache_dir, progress)


def _run(frames: FrameSet, cfg: DetectionConfig, cache_dir, progress) -> DetectionResult:
    start = time.perf_counter()
    classes = sorted(set(frames.boxes["class"]), key=lambda c: (c == cfg.anomaly, c))
    if cfg.anomaly not in classes:
        raise UserValueError(f"no box of the anomaly class {cfg.anomaly!r} in the box table "
                             f"(classes: {classes}): pass the right anomaly class")
    anomaly = classes.index(cfg.anomaly)
    truth = frame_truth(frames, classes)
    sizes = image_sizes(frames.files).to_numpy()
    X = np.arange(len(frames.files))[:, None]
    if cfg.refit not in ("warm", "cold"):
        raise UserValueError(f"refit must be 'warm' or 'cold', got {cfg.refit!r}")
    if cfg.reference_fits < 1:
        raise UserValueError(f"reference_fits must be at least 1, got {cfg.reference_fits}")
    rows, full_rows, first_picks, labelled = [], [], {}, {}

    def detector(head_seed: int) -> BoxDetector:
        return BoxDetector(classes, image_size=cfg.image_size, epochs=cfg.epochs,
                           warm_epochs=cfg.warm_epochs, warm_start=cfg.refit == "warm",
                           random_state=head_seed, cache_dir=cache_dir)

    for seed in range(cfg.first_seed, cfg.first_seed + cfg.seeds):
        train, test = group_split(frames, cfg, seed)
        test_args = ([frames.files[i] for i in test], [truth[i] for i in test],
                     sizes[test], frames.y[test], classes, anomaly)
        fits, cold_fits = [], {}
        for r in range(cfg.reference_fits):
            full = DetectionLearner(detector(seed + 1000 * r), "random", frames.files, truth,
                                    anomaly, cold_fits=cold_fits)
            full.teach(X[train])
            fits.append(_evaluate(full.detector, *test_args))
        fits = pd.DataFrame(fits)
        key = f"ap50_{cfg.anomaly}"
        full_rows.append({"seed": seed, "n_train": train.size, **fits.mean(),
                          "reference_fits": len(fits), f"sd_{key}": fits[key].std(ddof=0)})
        rng = np.random.default_rng(seed)
        init = rng.choice(train, min(cfg.seed_frames, train.size // 2), replace=False)
        for name in cfg.strategies:
            learner = DetectionLearner(detector(seed), name, frames.files, truth, anomaly,
                                       cfg.mc_samples, random_state=seed * 1000,
                                       cold_fits=cold_fits)
            learner.teach(X[init])
            points = []

            def measure(state: LoopRound, learner=learner, points=points,
                        test_args=test_args) -> None:
                counts = learner.box_counts()
                points.append({"round": state.round, "labels": len(learner.labelled),
                               **{f"boxes_{c}": int(n) for c, n in zip(classes, counts,
                                                                       strict=True)},
                               **_evaluate(learner.detector, *test_args)})

            result = run_loop(learner, X, lambda rows, idx: frames.y[idx],
                              pool=np.setdiff1d(train, init), batch_size=cfg.batch,
                              budget=max(cfg.budget - init.size, 0), callback=measure)
            rows.extend({"seed": seed, "strategy": name, **p} for p in points)
            if seed == cfg.first_seed:
                first_picks[name] = result.picked[0].tolist() if result.picked else []
                labelled[name] = list(learner.labelled)
            if progress is not None:
                progress(seed, name, points[-1], full_rows[-1])
    return DetectionResult(pd.DataFrame(rows), pd.DataFrame(full_rows), first_picks,
                           labelled, time.perf_counter() - start)
