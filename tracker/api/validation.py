"""Input that no database should see: NUL characters and text that is not valid Unicode.

PostgreSQL cannot store a NUL character, and an undecodable byte sequence silently turns
into replacement characters; both are refused up front with a 400 naming the parameter
or field, whatever view the request was meant for.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse

NUL_MESSAGE = "The value contains a NUL character (0x00), which is not allowed."
INVALID_UNICODE_MESSAGE = "The value is not valid Unicode text (bytes that are not UTF-8, or a lone surrogate)."


# No record the API reads nests deeper than a few levels; deeper JSON is refused before
# anything walks it recursively (the parser, the checks below, a serializer).
MAX_JSON_DEPTH = 32
TOO_DEEP_MESSAGE = f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep; no field of this API needs that."


def json_depth_exceeds(data, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``data`` (decoded JSON) nests lists and objects more than ``limit`` deep;
    walked with a stack, not recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def too_big_message() -> str:
    return f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes, the most this service reads."


def _decode_component(raw: str) -> str:
    """A query-string component as text; UnicodeDecodeError if it is not valid UTF-8."""
    try:
        # A WSGI server hands the query string over decoded as latin-1: get the bytes back.
        data = raw.encode("latin-1")
    except UnicodeEncodeError:
        data = raw.encode("utf-8")
    return unquote_to_bytes(data.replace(b"+", b" ")).decode("utf-8")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return INVALID_UNICODE_MESSAGE
    return None


def query_string_errors(query_string: str) -> dict[str, list[str]]:
    """Errors by parameter name for NUL characters and invalid UTF-8 in a raw query string."""
    errors: dict[str, list[str]] = {}
    for pair in query_string.split("&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition("=")
        try:
            name = _decode_component(raw_name)
        except (UnicodeDecodeError, UnicodeEncodeError):
            errors.setdefault("query", []).append("A parameter name is not valid UTF-8 text.")
            continue
        label = name.replace("\x00", "\\x00") or "query"
        if "\x00" in name:
            errors.setdefault(label, []).append("The parameter name contains a NUL character (0x00), which is not allowed.")
            continue
        try:
            value = _decode_component(raw_value)
        except (UnicodeDecodeError, UnicodeEncodeError):
            errors.setdefault(label, []).append(INVALID_UNICODE_MESSAGE)
            continue
        problem = text_problem(value)
        if problem:
            errors.setdefault(label, []).append(problem)
    return errors


def data_errors(data, path: str = "") -> dict[str, list[str]]:
    """Errors by field path (``sources.0``) for NUL characters and lone surrogates
    anywhere in decoded JSON, keys included."""
    errors: dict[str, list[str]] = {}
    if isinstance(data, str):
        problem = text_problem(data)
        if problem:
            errors[path or "body"] = [problem]
    elif isinstance(data, dict):
        for key, value in data.items():
            key_text = str(key)
            key_problem = text_problem(key_text)
            if key_problem:
                errors[f"{path}.{key_text!r}" if path else repr(key_text)] = ["The field name is not valid text: " + key_problem[0].lower() + key_problem[1:]]
                continue
            errors.update(data_errors(value, f"{path}.{key_text}" if path else key_text))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            errors.update(data_errors(value, f"{path}.{index}" if path else str(index)))
    return errors


def request_errors(request) -> dict[str, list[str]]:
    """Errors by parameter or field in a request's query string and JSON body."""
    errors = query_string_errors(request.META.get("QUERY_STRING", ""))
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in ("POST", "PUT", "PATCH") and "json" in content_type.lower():
        try:
            raw = request.body
        except RequestDataTooBig:
            # Django would answer with its HTML error page; the body is named instead.
            errors["body"] = [too_big_message()]
            return errors
        try:
            # Undecodable bytes become lone surrogates, so the fields holding them are named.
            text = raw.decode("utf-8", errors="surrogateescape")
            data = json.loads(text) if text.strip() else None
        except ValueError:
            # Malformed JSON is for the parser to report, with its own message.
            data = None
        except RecursionError:
            errors["body"] = [TOO_DEEP_MESSAGE]
            return errors
        if json_depth_exceeds(data):
            errors["body"] = [TOO_DEEP_MESSAGE]
            return errors
        if data is not None:
            errors.update(data_errors(data))
    return errors


class RejectMalformedTextMiddleware:
    """Answer 400 to requests carrying NUL characters or invalid Unicode, or a JSON body
    larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` or nested deeper than ``MAX_JSON_DEPTH``.

    API requests get a JSON body naming each bad parameter or field; other pages a
    plain-text one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        errors = request_errors(request)
        if errors:
            if request.path_info.startswith("/api/"):
                return JsonResponse(errors, status=400)
            lines = [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]
            return HttpResponseBadRequest("Bad request.\n" + "\n".join(lines), content_type="text/plain; charset=utf-8")
        return self.get_response(request)
