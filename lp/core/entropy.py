"""How unpredictable a secret looks, estimated from its own characters."""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise


def estimated_bits(text: str) -> float:
    """Return the text's Shannon entropy in bits: its length times the bits per character.

    Only a floor for random-looking text and a clear alarm for patterns
    ("aaaaaaaa", "abababab"): it knows nothing of words or keyboards.
    """
    counts = Counter(text)
    return -sum(n * math.log2(n / len(text)) for n in counts.values())


#: Keyboard rows, walked left to right (a walk right to left is checked reversed).
KEYBOARD_ROWS = ("1234567890", "qwertyuiopasdfghjklzxcvbnm", "azertyuiopqsdfghjklmwxcvbn")


def is_pattern(text: str) -> bool:
    """Return whether the text is a piece repeated ("abcabc"), a run ("abcdef", "1234567890123")
    or a walk along the keyboard ("qwertyuiopasdf")."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text == text[:size] * (len(text) // size):
            return True
    steps = [ord(b) - ord(a) for a, b in pairwise(text)]
    if steps and max(steps.count(1), steps.count(-1)) >= 0.75 * len(steps):
        return True
    lowered = text.lower()
    return any(lowered in row or lowered[::-1] in row for row in KEYBOARD_ROWS)
