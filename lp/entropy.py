"""How unpredictable a secret looks, estimated from its own characters."""

from __future__ import annotations

import math
from collections import Counter


def estimated_bits(text: str) -> float:
    """Return the text's Shannon entropy in bits: its length times the bits per character.

    Only a floor for random-looking text and a clear alarm for patterns
    ("aaaaaaaa", "abababab"): it knows nothing of words or keyboards.
    """
    counts = Counter(text)
    return -sum(n * math.log2(n / len(text)) for n in counts.values())


def is_pattern(text: str) -> bool:
    """Return whether the text is a shorter piece repeated ("abcabc") or a run ("abcdef", "987654")."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text == text[:size] * (len(text) // size):
            return True
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
    return steps <= {1} or steps <= {-1}
