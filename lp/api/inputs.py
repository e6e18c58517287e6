"""Read API input: the JSON body, whole numbers and paging, reporting every refusal at once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from lp.api.schemas import api_name, internal_name, query_parameter
from lp.core.validation import MAX_INT, ValidationFailed, whole_number
from lp.requests.search import PAGE_SIZES, RequestFilter
from lp.web.access import api_error

DEFAULT_PER_PAGE = RequestFilter.per_page
#: The version a client sends back, as ``read_version`` accepts it.
VERSION_READ = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
#: How every paginated list describes its paging.
PAGING_PARAMETERS = (
    query_parameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_INT, "default": 1}, "Page number."),
    query_parameter("per_page", {"type": "integer", "enum": list(PAGE_SIZES), "default": DEFAULT_PER_PAGE},
                    "Items per page."),
)


def gather(errors: dict[str, list[Any]], parse: Callable[..., Any], *args, **kw) -> Any:
    """Return ``parse(...)``, or None after adding its refusals to ``errors`` (to report all at once)."""
    try:
        return parse(*args, **kw)
    except ValidationFailed as failed:
        errors |= failed.errors
        return None


#: The largest JSON body any operation takes (a profile's notes are 20,000 characters) and its
#: deepest nesting; anything beyond is refused before it reaches a parser or a validator.
MAX_BODY_BYTES = 1024 * 1024
MAX_BODY_DEPTH = 32


def json_object() -> dict[str, Any]:
    """Return the request body as a JSON object; answer 415 when it is not sent as JSON, else 400
    (not JSON, too large, too deep, not an object)."""
    message = _l("Send a JSON object as the body, with Content-Type: application/json.")
    if not request.is_json:
        abort(api_error(415, str(message)))
    if (request.content_length or 0) > MAX_BODY_BYTES or len(request.get_data(cache=True)) > MAX_BODY_BYTES:
        abort(api_error(400, str(_l("The body is larger than %(megabytes)d MB.",
                                    megabytes=MAX_BODY_BYTES // 2**20))))
    try:
        body = json.loads(request.get_data(cache=True), parse_float=_number)
    except RecursionError:  # the C parser gives up far deeper than we accept
        body = _TOO_DEEP
    except ValueError:
        abort(api_error(400, str(message)))
    if body is _TOO_DEEP or _depth(body) > MAX_BODY_DEPTH:
        abort(api_error(400, str(_l("The body is nested too deeply: at most %(depth)d levels of objects "
                                    "and lists.", depth=MAX_BODY_DEPTH))))
    if not isinstance(body, dict):
        raise ValidationFailed.single("body", message)
    return body


_TOO_DEEP = object()


def _number(text: str) -> int | float:
    # JSON Schema counts 5.0 as the integer 5, and every number the API takes is whole.
    number = float(text)
    return int(number) if number.is_integer() else number


def _depth(value: Any) -> int:
    """Return how deeply objects and lists nest in a parsed JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_BODY_DEPTH:  # deeper is refused anyway: stop looking
            stack.extend((child, level + 1) for child in children)
    return deepest


def api_query(parameters: Iterable[Mapping[str, Any]], args: MultiDict[str, str]) -> tuple[MultiDict[str, str],
                                                                                    list[str]]:
    """Return the query under the documented (lowerCamelCase) keys, and the old snake_case keys that were used.

    API 1.0.0 renamed the query keys (/core/query-keys-camel-case); the old ones keep
    working for one minor version, with a Deprecation header (CHANGELOG.md).
    """
    documented = {parameter["name"] for parameter in parameters if parameter.get("in") == "query"}
    renamed: MultiDict[str, str] = MultiDict()
    deprecated = []
    for key, value in args.items(multi=True):
        if key not in documented and api_name(key) in documented:
            deprecated.append(key)
            key = api_name(key)
        renamed.add(key, value)
    return renamed, sorted(set(deprecated))


def internal_query(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """Return the query under the names the app's filters and parsers use (``pageSize`` → ``per_page``)."""
    return MultiDict([(internal_name(key), value) for key, value in args.items(multi=True)])


def query_args() -> MultiDict[str, str]:
    """Return this API request's query under the app's internal names (see ``api_query``)."""
    return g.get("lp_query", request.args)


def check_query(parameters: Iterable[Mapping[str, Any]], args: MultiDict[str, str]) -> None:
    """Refuse (400, every parameter at once) query arguments that the operation's document does not admit.

    The document is the contract: what it describes is checked here, in one place,
    so that the two cannot disagree. Booleans are left to the shared boolean parser.
    """
    errors: dict[str, list[Any]] = {}
    for parameter in parameters:
        name, schema = parameter["name"], parameter["schema"]
        if parameter.get("in") != "query" or name not in args or schema.get("type") == "boolean":
            continue
        values = args.getlist(name)
        message = _refusal(schema, values[0]) if len(values) == 1 else _l("Send this parameter once.")
        if message is not None:
            errors[name] = [message]
    if errors:
        raise ValidationFailed(errors)


_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _refusal(schema: Mapping[str, Any], value: str) -> Any:
    """Return why ``value`` does not fit a parameter's schema, or None when it does."""
    typed: str | int = value
    if schema.get("type") == "integer":
        number = whole_number(value) if value.isascii() and value.isdigit() else None
        low, high = schema.get("minimum", 0), schema.get("maximum", MAX_INT)
        if number is None or not low <= number <= high:
            return _l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
        typed = number
    if "enum" in schema and typed not in schema["enum"]:
        return _l("Choose one of: %(choices)s.", choices=", ".join(map(str, schema["enum"])))
    if isinstance(typed, str):
        if len(value) > schema.get("maxLength", len(value)):
            return _l("Use at most %(n)d characters.", n=schema["maxLength"])
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return _l("This value does not have the form %(pattern)s.", pattern=schema["pattern"])
        if schema.get("format") == "date" and not _is_date(value):
            return _l("Enter a date as YYYY-MM-DD.")
    return None


def _is_date(text: str) -> bool:
    try:
        return bool(_DATE.match(text)) and date.fromisoformat(text) is not None
    except ValueError:
        return False


def is_whole_number(value: Any) -> bool:
    # bool is an int in Python, but true is not a version or an id; nor is 10**30.
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT


def read_version(body: Mapping[str, Any], errors: dict[str, list[Any]], *, required: bool = True) -> int | None:
    """Return the ``version`` the client read, adding a refusal to ``errors`` when it is not a whole number."""
    version = body.get("version")
    if version is None and not required:
        return None
    if not is_whole_number(version):
        errors["version"] = [_l("Send the version you read, as a whole number.")]
        return None
    return version


def read_paging(args: Mapping[str, str], errors: dict[str, list[Any]]) -> tuple[int, int]:
    """Return (page, per_page) from the query, with the request list's page sizes."""
    values = {}
    for name, default, message in (("page", 1, _l("Enter a page number.")),
                                   ("per_page", DEFAULT_PER_PAGE, _l("Enter a page size."))):
        raw = (args.get(name) or "").strip()
        number = whole_number(raw, minimum=1)
        if raw and number is None:
            errors[name] = [message]
        values[name] = number or default
    if "per_page" not in errors and values["per_page"] not in PAGE_SIZES:
        errors["per_page"] = [_l("Choose 25, 50 or 100 per page.")]
    return values["page"], values["per_page"]


def pages(total: int, per_page: int) -> int:
    """Return the number of pages (at least one, so an empty list still has a page 1)."""
    return max(1, -(-total // per_page))
