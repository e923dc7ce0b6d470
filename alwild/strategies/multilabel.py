"""Multi-label strategies: each row has a set of labels, the model one score per label.

The model's ``predict`` gives 0/1 label sets, shape (n, n_labels), its ``predict_proba``
one probability per label and its ``decision_function`` one margin per label (e.g.
``OneVsRestClassifier(SVC(probability=True))`` fitted on a label-indicator matrix).
SVM binary minimum queries the row nearest some label's boundary; mean max loss and max
loss the row whose predicted label set would cost most (Li et al. 2004); the confidence
and score strategies follow Esuli & Sebastiani 2009.

>>> from alwild.strategies import get_strategy
>>> get_strategy("svm_binary_minimum").needs
'multilabel_decision'
"""

from __future__ import annotations

import numpy as np

from alwild import scores as S
from alwild.strategies.base import proba_utility, score_strategy
from alwild.strategies.registry import register

__all__: list[str] = []


def _min_abs_margin(model, rows) -> np.ndarray:
    est = model.estimator if hasattr(model, "query_strategy") else model
    return S.min_abs_margin(np.asarray(est.decision_function(rows)))


def _predicted(model, rows) -> np.ndarray:
    return np.asarray(model.predict(rows))


def _mean_max_loss(model, rows):
    return S.mean_max_loss(_predicted(model, rows))


def _max_loss(model, rows):
    most_certain = model.predict_proba(rows).argmax(axis=1)
    return S.max_loss(_predicted(model, rows), most_certain)


def _max_score(model, rows):
    return S.max_score(model.predict_proba(rows), _predicted(model, rows))


def _avg_score(model, rows):
    return S.avg_score(model.predict_proba(rows), _predicted(model, rows))


register("svm_binary_minimum",
         score_strategy("svm_binary_minimum", _min_abs_margin, "multilabel_decision"))
register("mean_max_loss", score_strategy("mean_max_loss", _mean_max_loss, "multilabel"))
register("max_loss", score_strategy("max_loss", _max_loss, "multilabel_proba"))
register("min_confidence",
         score_strategy("min_confidence", proba_utility(S.min_confidence), "multilabel_proba"))
register("avg_confidence",
         score_strategy("avg_confidence", proba_utility(S.avg_confidence), "multilabel_proba"))
register("max_score", score_strategy("max_score", _max_score, "multilabel_proba"))
register("avg_score", score_strategy("avg_score", _avg_score, "multilabel_proba"))
