"""Learned numbers for SocialAnalyzer, written by scripts/train_sentiment.py (do not edit by hand).

Trained on: VADER tweets ground truth (4,200 tweets, 3 classes, neutral band |rating/4| <= 0.05)
  and the CrowdFlower tweets' dev half (10,442 tweets, 2015, confidence >= 0.7);
  the objective is the mean of the two macro-F1s.
Chosen by coordinate search on macro-F1 over rule strengths (output layer: VADER's normalisation).
Held-out tweets macro-F1 (nested 5-fold CV): 0.733 (folds 0.736, 0.750, 0.722, 0.710, 0.748).
Macro-F1 of the shipped weights (tweets: in-sample; amazon, movie, nyt: never trained on):
  tweets  social 0.736  vader 0.726  textblob 0.583
  amazon  social 0.561  vader 0.533  textblob 0.450
  movie   social 0.418  vader 0.408  textblob 0.388
  nyt     social 0.539  vader 0.537  textblob 0.402
Support tweets (33 complaint-topic, 5 praise-topic): share read as negative / positive
  social   complaints 0.91  praise 1.00
  vader    complaints 0.76  praise 1.00
  textblob complaints 0.55  praise 0.80
Macro-F1 on CrowdFlower tweets, 2015 (confidence >= 0.7, test half by crc32, never trained on):
  all     social 0.578  vader 0.476  textblob 0.440  (10,368 tweets)
  airline social 0.644  vader 0.467  textblob 0.451  (5,435 tweets)
"""

RULES = {
    "negation": -0.74,
    "booster": 0.5,
    "caps": 0.733,
    "elongation": 0.293,
    "but_before": 0.3,
    "but_after": 1.5,
    "question": 0.5,
    "question_only": 0.1,
    "name": 0.3,
    "link": 0.6,
    "sarcasm": -0.74,
    "exclaim": 0.292,
}
OUTPUT = {"pos": 1.0, "neg": 1.0, "emphasis": 1.0, "alpha": 15.0}
