"""The output layer: cue weights and the curve from summed evidence to a score in [-1, 1]."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scrm_desktop.core.sentiment import NEUTRAL_BAND
from scrm_desktop.core.sentiment.rules import RuleParams


@dataclass(frozen=True, slots=True)
class OutputLayer:
    """z = pos * (positive cues) + neg * (negative cues) + emphasis * (!!!); score = z / sqrt(z^2 + alpha).

    VADER's normalisation: no cues scores 0, a single mild word lands just outside the neutral band, and
    piling up cues approaches +/-1 without reaching it.
    """

    pos: float = 1.0
    neg: float = 1.0
    emphasis: float = 1.0
    alpha: float = 15.0

    def score(self, z: float) -> float:
        return z / math.sqrt(z * z + self.alpha)

    @property
    def threshold(self) -> float:
        """Evidence needed to leave the neutral band."""
        return NEUTRAL_BAND * math.sqrt(self.alpha / (1 - NEUTRAL_BAND**2))

    @property
    def slope_at_zero(self) -> float:
        return 1 / math.sqrt(self.alpha)


@dataclass(frozen=True, slots=True)
class Weights:
    rules: RuleParams = field(default_factory=RuleParams)
    output: OutputLayer = field(default_factory=OutputLayer)

    @classmethod
    def shipped(cls) -> Weights:
        """The numbers scripts/train_sentiment.py chose (weights.py's header gives the figures they reached)."""
        from scrm_desktop.core.sentiment import weights

        return cls(RuleParams(**weights.RULES), OutputLayer(**weights.OUTPUT))
