"""Presentation days: several persons presented to one mission on one day (issue 18, part 8)."""
