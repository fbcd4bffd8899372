"""Customer-service language on VADER's -4..+4 scale: our own phrase and word ratings for support posts."""

from __future__ import annotations

# Phrases are matched on consecutive words (no punctuation between). The value is (valence, consumed): the
# number of leading words the phrase takes over; the rest keep their own meaning (in "still not working" the
# phrase is "still not" but "not" still negates "working").
CS_PHRASES: dict[str, tuple[float, int]] = {
    # waiting, chasing, being ignored
    "still waiting": (-2.2, 2), "been waiting": (-1.6, 2), "keep waiting": (-1.8, 2),
    "kept waiting": (-1.8, 2), "waiting for hours": (-2.2, 3), "waited for hours": (-2.2, 3),
    "waited hours": (-2.0, 2), "waiting hours": (-2.0, 2), "waited all day": (-2.2, 3),  # "waited 5 hours"
    "not even": (-1.0, 1),  # "not even an email"; "not" still negates what follows
    "on hold": (-1.6, 2), "hold music": (-1.2, 2), "hung up on me": (-2.4, 4), "hung up": (-1.6, 2),
    "no response": (-1.8, 2), "no reply": (-1.8, 2), "no answer": (-1.5, 2), "no update": (-1.4, 2),
    "no updates": (-1.4, 2), "no one answers": (-2.0, 3), "nobody answers": (-2.0, 2),
    "still not": (-1.2, 1), "still no": (-1.4, 1), "still haven't": (-1.2, 1), "still hasn't": (-1.2, 1),
    "still havent": (-1.2, 1), "still hasnt": (-1.2, 1), "still can't": (-1.2, 1),
    "still cant": (-1.2, 1), "still doesn't": (-1.2, 1), "still doesnt": (-1.2, 1),
    "still isn't": (-1.2, 1), "still isnt": (-1.2, 1), "still don't": (-1.2, 1), "still dont": (-1.2, 1),
    "still down": (-2.0, 2), "where is my": (-1.2, 3), "where's my": (-1.2, 2), "wheres my": (-1.2, 2),
    # no-shows and delays
    "no show": (-2.2, 2), "no-show": (-2.2, 1), "didn't show up": (-2.2, 3), "didnt show up": (-2.2, 3),
    "never showed up": (-2.4, 3), "never came": (-1.8, 2), "late again": (-2.0, 2),
    "delayed again": (-2.2, 2), "down again": (-2.0, 2),
    "is down": (-1.4, 2), "went down": (-1.2, 2), "being down": (-1.4, 2), "are down": (-1.4, 2),
    "was down": (-1.2, 2), "website down": (-1.8, 2), "site down": (-1.8, 2), "app down": (-1.8, 2),
    "server down": (-1.8, 2), "servers down": (-1.8, 2), "system down": (-1.6, 2), "network down": (-1.8, 2),
    "running late": (-1.2, 2), "wait time": (-1.0, 2), "hour wait": (-1.6, 2), "hours wait": (-1.6, 2),
    "call volume": (-1.0, 2), "call volumes": (-1.0, 2), "gone quiet": (-1.4, 2), "go quiet": (-1.4, 2),
    "still nothing": (-1.6, 2), "now what": (-1.2, 2), "for hours": (-1.6, 2), "hours late": (-1.8, 2),
    "hrs late": (-1.8, 2), "mins late": (-1.4, 2), "minutes late": (-1.4, 2), "supposed to": (-1.0, 2),
    "was told": (-0.8, 2), "were told": (-0.8, 2), "tried calling": (-1.0, 2), "tried to call": (-1.0, 3),
    "tried everything": (-1.6, 2), "not ok": (-1.6, 2), "not okay": (-1.6, 2), "black screen": (-1.8, 2),
    "blue screen": (-1.8, 2), "keeps dropping": (-1.8, 2), "keeps disconnecting": (-1.8, 2),
    "still open": (-1.0, 2), "any update": (-0.6, 2), "any updates": (-0.6, 2), "battery drain": (-1.6, 2),
    "oh well": (-0.8, 2), "won't bother": (-1.2, 2), "wont bother": (-1.2, 2), "not just me": (-1.4, 3),
    "no one came": (-2.2, 3),
    "no one ever came": (-2.2, 4), "nobody came": (-2.2, 2), "no one showed up": (-2.2, 4),
    "nobody showed up": (-2.2, 3),
    # hardware, not fandom: "a clicking noise from the fan"
    "the fan": (0.0, 2), "fan noise": (-0.8, 2), "cpu fan": (0.0, 2), "laptop fan": (0.0, 2),
    # money and churn
    "cancel my subscription": (-2.2, 3), "cancel my account": (-2.2, 3), "cancel my order": (-1.6, 3),
    "cancelling my": (-1.8, 2), "canceling my": (-1.8, 2), "want a refund": (-2.0, 3),
    "want my money back": (-2.4, 4), "no refund": (-1.8, 2), "no refunds": (-1.6, 2),
    "demand a refund": (-2.4, 3), "charged twice": (-2.4, 2),
    "double charged": (-2.4, 2), "hidden fees": (-1.8, 2), "hidden fee": (-1.8, 2),
    "rip off": (-2.6, 2), "rip-off": (-2.6, 1), "waste of money": (-2.6, 3), "waste of time": (-2.4, 3),
    "never again": (-2.6, 2), "never buying": (-2.2, 2), "never buy": (-2.0, 2),
    "never ordering": (-2.2, 2), "never order": (-2.0, 2), "never flying": (-2.4, 2),
    "never fly": (-2.2, 2), "never using": (-2.2, 2), "never use": (-1.8, 2),
    "fed up": (-2.0, 2), "sick of": (-2.0, 2), "tired of": (-1.6, 2),
    "can't stand": (-2.0, 2), "cant stand": (-2.0, 2), "screwed up": (-1.8, 2),
    "keeps crashing": (-2.4, 2), "keeps freezing": (-2.2, 2), "stopped working": (-2.2, 2),
    "can't log in": (-1.8, 3), "cant log in": (-1.8, 3), "can't login": (-1.8, 2), "cant login": (-1.8, 2),
    # the agency of support staff, counted neutral (VADER rates "support", "care", "help" as praise)
    "customer service": (0.0, 2), "customer support": (0.0, 2), "customer care": (0.0, 2),
    "tech support": (0.0, 2), "technical support": (0.0, 2), "support team": (0.0, 2),
    "contact support": (0.0, 2), "help desk": (0.0, 2), "care team": (0.0, 2), "credit card": (0.0, 2),
    "credit cards": (0.0, 2), "gift card": (0.0, 2),
    # resolution and praise
    "quick fix": (2.2, 2), "quick help": (2.0, 2), "great help": (2.6, 2), "quick response": (2.2, 2),
    "quick reply": (2.0, 2),
    "fast response": (2.2, 2), "fast reply": (2.0, 2), "fast shipping": (2.2, 2),
    "fast delivery": (2.2, 2), "quick delivery": (2.2, 2), "arrived early": (2.0, 2),
    "problem solved": (2.2, 2), "issue resolved": (2.0, 2), "problem resolved": (2.0, 2),
    "works again": (1.8, 2), "working again": (1.8, 2), "back online": (1.4, 2),
    "sorted it": (1.6, 2), "sorted out": (1.4, 2), "above and beyond": (3.0, 3),
    "extra mile": (2.6, 2), "saved the day": (2.6, 3), "on time": (1.0, 2),
    "well done": (2.4, 2), "spot on": (2.2, 2), "no complaints": (2.0, 2), "no issues": (1.6, 2),
    "no problems": (1.6, 2), "highly recommend": (2.8, 2),
    # ripped off, in any tense
    "ripped off": (-2.6, 2), "ripped me off": (-2.8, 3), "ripping off": (-2.6, 2), "rips off": (-2.6, 2),
    "ripping me off": (-2.8, 3), "rip me off": (-2.8, 3),
    # comparatives and fixed negations whose words mislead: "couldn't be happier" is praise, "could be
    # better" a complaint, "nothing beats" praise, "can't wait" eagerness
    "couldn't be happier": (3.0, 3), "couldnt be happier": (3.0, 3), "could not be happier": (3.0, 4),
    "couldn't be better": (2.8, 3), "couldnt be better": (2.8, 3), "could not be better": (2.8, 4),
    "couldn't be worse": (-2.8, 3), "couldnt be worse": (-2.8, 3), "could not be worse": (-2.8, 4),
    "could be better": (-1.4, 3), "could have been better": (-1.6, 4), "could've been better": (-1.6, 3),
    "should be better": (-1.4, 3), "seen better days": (-1.6, 3), "could be worse": (0.8, 3),
    "could have been worse": (0.8, 4), "could've been worse": (0.8, 3), "nothing better": (2.2, 2),
    "nothing beats": (2.2, 2), "can't wait": (2.0, 2), "cant wait": (2.0, 2), "cannot wait": (2.0, 2),
    "can not wait": (2.0, 3), "can't complain": (1.2, 2), "cant complain": (1.2, 2),
    "thanks for nothing": (-2.6, 3), "thank you for nothing": (-2.6, 4),
    # disappointed expectations and scorn: "you can do better", "what a joke"
    "do better": (-1.6, 2), "hoped for better": (-1.8, 3), "expected better": (-1.8, 2),
    "expect better": (-1.6, 2), "deserve better": (-1.8, 2), "a joke": (-1.8, 2),
    # requests and greetings: "I'd like a window seat", "Good morning, my bag is missing"
    "would like": (0.0, 2), "i'd like": (0.0, 2), "id like": (0.0, 2), "we'd like": (0.0, 2),
    "good morning": (0.0, 2), "good afternoon": (0.0, 2), "good evening": (0.0, 2),
    # courtesy before a request: "Thanks in advance for the help!" asks, it does not praise
    "thanks in advance": (0.0, 3), "thank you in advance": (0.0, 4), "thx in advance": (0.0, 3),
}  # fmt: skip

# Single words VADER leaves unrated that carry clear sentiment in support conversations.
CS_WORDS: dict[str, float] = {
    "outage": -2.2, "outages": -2.2, "crashed": -1.8, "crashing": -2.0, "crashes": -1.8,
    "buggy": -2.0, "glitch": -1.4, "glitches": -1.4, "glitchy": -1.8, "laggy": -1.8,
    "unusable": -2.6, "unresponsive": -2.0, "overcharged": -2.4, "ripoff": -2.6, "scammed": -2.8,
    "refund": -0.8, "refunds": -0.8, "slow": -1.2, "slowest": -1.8, "unreliable": -2.0,
    "disconnected": -1.2, "fixed": 1.0, "resolved": 1.2, "fast": 0.8, "fml": -2.4, "aww": 1.8,
    "standstill": -1.2, "stranded": -2.0, "delays": -1.3, "canceled": -1.0, "cancellation": -1.0,
    "cancellations": -1.0, "overbooked": -1.8, "misplaced": -1.4, "unhelpful": -2.0, "rerouted": -0.8,
    "downtime": -1.6, "unreachable": -1.6, "unanswered": -1.6, "nonexistent": -1.2,
    "waited": -1.0, "late": -0.8, "rebooked": -0.6, "busted": -1.6, "cracked": -1.2,
    # devices misbehaving (VADER rates "freezes" -0.1, as weather)
    "freezes": -1.6, "froze": -1.6, "overheats": -1.8, "overheating": -1.8, "overheated": -1.6,
    "flickering": -1.4, "flickers": -1.4, "bricked": -2.4, "drains": -1.0,
    # scorn for a product VADER leaves unrated ("Brightwave laptops are garbage", "overpriced junk")
    "garbage": -2.2, "trash": -2.0, "trashy": -2.0, "junk": -1.8, "rubbish": -2.0, "overpriced": -1.8,
    "flimsy": -1.6,
}  # fmt: skip

# Words VADER rates that say nothing about how a support post feels:
# - departments: "awful support" is not half positive ("customer care", "Brightwave Care");
# - requests and their courtesy: "please help, my account is locked", "I want to change my flight";
# - answers and discourse markers: "yes, flight 1142", "ok, what now?", "sure, I'll DM you", "honestly, anyone?";
# - details a customer gives: "while I was giving my order number" (VADER: giving +1.4, number +0.3);
# - "l": a single letter VADER rates +2.
CS_NEUTRAL: frozenset[str] = frozenset(
    {"support", "care", "please", "pls", "plz", "help", "want", "yes", "yeah", "sure", "ok", "okay", "honestly", "l"}
    | {"giving", "number"}
)

# Verbs that say nothing on their own but complain when negated ("never arrived", "not working").
NEGATED_ONLY: dict[str, float] = {
    "work": -2.0, "works": -2.0, "working": -2.0, "worked": -1.6, "load": -1.6, "loads": -1.6,
    "loading": -1.6, "respond": -1.8, "responded": -1.8, "responding": -1.8, "reply": -1.6,
    "replied": -1.6, "answer": -1.4, "answered": -1.4, "arrive": -1.8, "arrived": -1.8,
    "received": -1.6, "receive": -1.4, "delivered": -1.8, "connect": -1.4, "connecting": -1.4,
    "refunded": -1.8, "showed": -1.8, "show": -1.2, "open": -1.0, "opens": -1.0, "helped": -1.6,
    "helps": -1.4, "help": -1.4, "helping": -1.4, "coming": -1.4, "come": -1.2, "came": -1.4,
    "use": -1.2, "print": -1.4, "heard": -1.4, "hear": -1.2, "access": -1.6, "login": -1.6, "log": -1.4,
    "reach": -1.4, "through": -1.4, "called": -1.2, "fix": -1.6, "charge": -1.2, "sync": -1.4,
    "boot": -1.8, "wake": -1.4, "happened": -1.6, "happen": -1.2, "start": -1.2, "detect": -1.4, "recognize": -1.4,
    "download": -1.2, "install": -1.2, "update": -1.2, "contact": -1.2, "sent": -1.2, "send": -1.2,
}  # fmt: skip
