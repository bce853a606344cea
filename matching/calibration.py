"""From a score to the probability that a broker approves the pair — pure Python (+ scikit-learn to fit).

A ``Calibrator`` is a logistic model (Platt scaling generalised to a few features; Platt 1999, as in
scikit-learn's ``LogisticRegression``) over what the scorer knows about a pair (``FEATURES``): the score,
the score relative to the need's best, the lexical parts, how much specific evidence the pair shares
(``Scored.components["evidence"]``), whether a concept-layer relation supplied it, the cluster relation
and the rank. Its output is the estimated probability that the pair is worth a broker's minute
(graded ≥ 1 on a labeled set, approved by a broker on the platform).

It is data: ``matching/data/calibration.json`` is fitted on the graded pairs of the labeled sets
(``bench/calibrate.py``); the platform refits it from its brokers' decisions (``matching.learning``) and
keeps every version in ``LearnedModel`` (kind ``calibration``), one of them active.

The proposal rule built on it: a pair is proposed when it shares at least one specific concept
(evidence ≥ 1) and its probability is at least ``threshold`` (stored with the model; 0.5 = "more likely
approved than not").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "calibration.json"

FEATURES = (
    "score",
    "relative",
    "lexical",
    "coverage",
    "evidence",
    "evidence_idf",
    "link",
    "same_cluster",
    "related_cluster",
    "inverse_rank",
)


def features(components: dict, *, relative: float, rank: int) -> list[float]:
    """The calibrator's inputs for one pair: ``components`` of ``Scored``; ``relative`` = score / best
    score of the need (1.0 for the best); ``rank`` ≥ 1 among the need's candidates."""
    cluster = components.get("cluster_factor", 0.8)
    return [
        float(components.get("score", 0.0)),
        float(relative),
        float(components.get("lexical", 0.0)),
        float(components.get("keyword_coverage", 0.0)),
        math.log1p(components.get("evidence", 0)),
        float(components.get("evidence_idf", 0.0)) / 10.0,
        1.0 if components.get("link_evidence") else 0.0,
        1.0 if cluster >= 1.0 else 0.0,
        1.0 if 0.8 < cluster < 1.0 else 0.0,
        1.0 / max(rank, 1),
    ]


@dataclass
class Calibrator:
    coef: list[float]
    intercept: float
    threshold: float = 0.5
    version: str = "default"
    features: tuple[str, ...] = FEATURES
    info: dict = field(default_factory=dict)

    def probability(self, x: list[float]) -> float:
        z = self.intercept + sum(c * v for c, v in zip(self.coef, x, strict=False))
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def to_dict(self) -> dict:
        return {
            "coef": self.coef,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "version": self.version,
            "features": list(self.features),
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        names = tuple(data.get("features") or FEATURES)
        if names != FEATURES:
            raise ValueError(f"calibration features {names} differ from {FEATURES}")
        return cls(
            coef=[float(c) for c in data["coef"]],
            intercept=float(data["intercept"]),
            threshold=float(data.get("threshold", 0.5)),
            version=str(data.get("version", "")),
            features=names,
            info=data.get("info") or {},
        )


def shipped() -> Calibrator:
    """The calibration fitted on the labeled sets (``bench/calibrate.py``), used until the platform has
    its own (and whenever no ``LearnedModel`` calibration is active)."""
    with open(DATA, encoding="utf-8") as fh:
        return Calibrator.from_dict(json.load(fh))


def fit(
    x: list[list[float]],
    y: list[int],
    *,
    sample_weight: list[float] | None = None,
    version: str = "",
    threshold: float = 0.5,
    c: float = 1.0,
) -> Calibrator:
    """Logistic regression (scikit-learn, L2, ``C = c``) of ``y`` (1 = relevant/approved) on ``x``.
    Raises ValueError when ``y`` has one class only (nothing to learn)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2:
        raise ValueError("need both approved and rejected pairs to learn from")
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, y, sample_weight=sample_weight)
    return Calibrator(
        coef=[round(float(v), 6) for v in model.coef_[0]],
        intercept=round(float(model.intercept_[0]), 6),
        threshold=threshold,
        version=version,
        info={"pairs": len(y), "positives": int(sum(y))},
    )
