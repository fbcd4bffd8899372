"""Learned numbers for SocialAnalyzer, written by scripts/train_sentiment.py (do not edit by hand).

Trained on: VADER tweets ground truth only (cjhutto/vaderSentiment, MIT; 4,200 tweets, 3 classes,
  neutral band |rating/4| <= 0.05). CrowdFlower tweets: evaluation only (issue #16, licence).
Chosen by coordinate search on macro-F1 over rule strengths (output layer: VADER's normalisation).
Held-out tweets macro-F1 (nested 5-fold CV): 0.733 (folds 0.733, 0.754, 0.723, 0.707, 0.746).
Macro-F1 of the shipped weights (tweets: in-sample; amazon, movie, nyt: never trained on):
  tweets  social 0.735  vader 0.726  textblob 0.583
  amazon  social 0.560  vader 0.533  textblob 0.450
  movie   social 0.420  vader 0.408  textblob 0.388
  nyt     social 0.537  vader 0.537  textblob 0.402
Macro-F1 on TweetEval validation tweets, 2017 (never trained on):
  val     social 0.571  vader 0.560  textblob 0.479  (2,000 tweets)
Support tweets (33 complaint-topic, 5 praise-topic): share read as negative / positive
  social   complaints 0.88  praise 1.00
  vader    complaints 0.76  praise 1.00
  textblob complaints 0.55  praise 0.80
Macro-F1 on CrowdFlower tweets, 2015 (confidence >= 0.7, halves by crc32; evaluation only, never trained on):
  dev     social 0.580  vader 0.491  textblob 0.437  (10,442 tweets)
  test    social 0.575  vader 0.476  textblob 0.440  (10,368 tweets)
  airline social 0.645  vader 0.467  textblob 0.451  (5,435 tweets)
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
