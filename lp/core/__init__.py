"""What every feature may use and that depends on no feature: signals (and, by issue 13, more)."""
