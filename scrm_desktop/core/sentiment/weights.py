"""Learned numbers for SocialAnalyzer, written by scripts/train_sentiment.py (do not edit by hand).

Trained on: VADER tweets ground truth (4,200 tweets, 3 classes, neutral band |rating/4| <= 0.05).
Chosen by coordinate search on macro-F1 over rule strengths (output layer: VADER's normalisation).
Held-out tweets macro-F1 (nested 5-fold CV): 0.733 (folds 0.743, 0.751, 0.720, 0.711, 0.738).
Macro-F1 of the shipped weights (tweets: in-sample; amazon, movie, nyt: never trained on):
  tweets  social 0.734  vader 0.726  textblob 0.583
  amazon  social 0.549  vader 0.533  textblob 0.450
  movie   social 0.416  vader 0.408  textblob 0.388
  nyt     social 0.538  vader 0.537  textblob 0.402
"""

RULES = {
    "negation": -0.74,
    "booster": 0.293,
    "caps": 0.733,
    "elongation": 0.293,
    "but_before": 0.3,
    "but_after": 1.5,
    "question": 0.75,
    "question_only": 0.1,
    "name": 1.0,
    "link": 1.0,
    "exclaim": 0.292,
}
OUTPUT = {"pos": 1.0, "neg": 1.0, "emphasis": 1.0, "alpha": 15.0}
