"""Links of a table's rows, built once per table instead of once per row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, url_for

#: Stands for the row's value in the link built once; never part of a real link.
_MARK = "LPROWKEY"


def links_for(endpoint: str, key: str, **values: Any) -> Callable[[str], str]:
    """Return ``link(value)`` = ``url_for(endpoint, **{key: value}, **values)``, at a fraction of its cost.

    A table of 249 countries with two links a row spent a fifth of its drawing in url_for.
    The link is built once with a mark for the value; a value that URL quoting leaves as it
    is (letters and digits, as alpha-2 codes) takes the mark's place, any other gets url_for.
    """
    def built(value: str) -> str:
        arguments: dict[str, Any] = {**values, key: value}
        return url_for(endpoint, **arguments)

    prefix, found, suffix = built(_MARK).partition(_MARK)
    if not found or _MARK in suffix:
        return built

    def link(value: str) -> str:
        text = str(value)
        if text.isascii() and text.isalnum() and text != _MARK:
            return f"{prefix}{text}{suffix}"
        return built(value)

    return link


def init_app(app: Flask) -> None:
    app.jinja_env.globals["links_for"] = links_for
