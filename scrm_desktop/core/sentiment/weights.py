"""Learned numbers for SocialAnalyzer, written by scripts/train_sentiment.py (do not edit by hand).

Trained on: VADER tweets ground truth (4,200 tweets, 3 classes, neutral band |rating/4| <= 0.05).
Chosen by coordinate search on macro-F1 over rule strengths (output layer: VADER's normalisation).
Held-out tweets macro-F1 (nested 5-fold CV): 0.732 (folds 0.745, 0.752, 0.717, 0.713, 0.736).
Macro-F1 of the shipped weights (tweets: in-sample; amazon, movie, nyt: never trained on):
  tweets  social 0.734  vader 0.726  textblob 0.583
  amazon  social 0.549  vader 0.533  textblob 0.450
  movie   social 0.418  vader 0.408  textblob 0.388
  nyt     social 0.539  vader 0.537  textblob 0.402
Support tweets (33 complaint-topic, 5 praise-topic): share read as negative / positive
  social   complaints 0.88  praise 1.00
  vader    complaints 0.76  praise 1.00
  textblob complaints 0.55  praise 0.80
"""

RULES = {
    "negation": -0.74,
    "booster": 0.5,
    "caps": 0.733,
    "elongation": 0.293,
    "but_before": 0.3,
    "but_after": 1.5,
    "question": 0.75,
    "question_only": 0.1,
    "name": 1.0,
    "link": 1.0,
    "sarcasm": -0.74,
    "exclaim": 0.292,
}
OUTPUT = {"pos": 1.0, "neg": 1.0, "emphasis": 1.0, "alpha": 15.0}
