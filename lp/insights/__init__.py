"""Insights: how each country and embassy really answers LP requests.

``stats`` defines and computes every figure, ``charts`` draws them as SVG, ``export``
writes them as CSV, ``views`` shows them, ``calendar`` serves the iCalendar feed.
"""
