"""Documents the app writes itself (the reminder letter, the note verbale) as PDF, with WeasyPrint.

WeasyPrint lays out HTML and CSS as print; it is imported when first used (it loads
pango, which only the PDF needs). The HTML is the app's own template output: no
external resources are fetched (a URL fetcher that refuses every URL).
"""

from __future__ import annotations

from typing import Any

from lp.files import content
from lp.files.services import CheckedUpload

MIME = content.PDF.mime


def _refuse_fetch(url: str, *_args: Any, **_kwargs: Any) -> dict[str, Any]:
    raise ValueError("the PDF letters load nothing from outside")


def html_to_pdf(html: str) -> bytes:
    """Return the PDF of a complete HTML document (styles inline)."""
    from weasyprint import HTML  # noqa: PLC0415 loads pango; only the PDF needs it

    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def as_upload(data: bytes, filename: str) -> CheckedUpload:
    """Return a PDF the app made as an upload to attach (made here, so not scanned)."""
    return CheckedUpload(data, filename, content.PDF, scanned=False)
