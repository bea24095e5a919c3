"""OpenAPI description of what every operation can answer, errors included."""

from __future__ import annotations

import copy

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import SAFE_METHODS, AllowAny, DjangoModelPermissionsOrAnonReadOnly

DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in words."}},
    "required": ["detail"],
}
# {"field": ["message", ...]} — a field of a list can also hold its items' errors by index.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Messages by the name of each bad field or query parameter "
    "(`non_field_errors` for the record as a whole).",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
            {"type": "string"},
        ]
    },
}


def _error(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


# A source as a write accepts it. It is written out here rather than generated, because a
# write takes more than a read shows (a bare URL; empty text for "not stated") and the
# schema must allow everything the API accepts.
SOURCE_REQUEST_SCHEMA = {
    "type": "object",
    "description": "A source: `url` is required; the rest may be left out, null or empty (not stated).",
    "properties": {
        "url": {"type": "string", "maxLength": 2000, "description": "The document: an http or https URL."},
        "title": {"type": "string", "nullable": True, "description": "At most 500 characters."},
        "publisher": {"type": "string", "nullable": True, "description": "At most 500 characters."},
        "published_on": {"type": "string", "nullable": True, "description": "A date, `YYYY-MM-DD`."},
        "kind": {
            "type": "string",
            "nullable": True,
            "enum": ["primary", "secondary", "", None],
            "description": "`primary`: the regulator's, court's or agency's own document; `secondary`: reporting "
            "about it; null or empty when not stated.",
        },
        "archived_url": {"type": "string", "nullable": True, "description": "An archived copy: an http or https URL."},
        "quote": {"type": "string", "nullable": True, "description": "The passage that supports the record; at most 1,000 characters."},
    },
    "required": ["url"],
    "additionalProperties": False,
}


class SourcesFieldExtension(OpenApiSerializerFieldExtension):
    """``sources``: a list of Source objects when read; of URLs or source objects when written."""

    target_class = "tracker.api.serializers.SourcesField"

    def map_serializer_field(self, auto_schema, direction):
        from .serializers import SourceSerializer

        if direction == "request":
            component = ResolvedComponent(
                # A copy: the enum post-processing rewrites the schema in place, which would
                # leave the next generation of the schema pointing at a component it lacks.
                name="SourceRequest",
                type=ResolvedComponent.SCHEMA,
                object="SourceRequest",
                schema=copy.deepcopy(SOURCE_REQUEST_SCHEMA),
            )
            auto_schema.registry.register_on_missing(component)
            url = {"type": "string", "maxLength": 2000, "description": "A URL, standing for `{\"url\": …}`."}
            schema = {"type": "array", "items": {"oneOf": [url, component.ref]}}
        else:
            schema = {"type": "array", "items": auto_schema.resolve_serializer(SourceSerializer, direction).ref}
        if self.target.at_least_one:
            schema["minItems"] = 1
        return schema


RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the error answers of each operation and, on lists
    that export, the ``format`` parameter and the ``text/csv`` answer."""

    def _offers_csv(self) -> bool:
        return bool(getattr(self.view, "csv_columns", None)) and self._is_list_view() and self.method == "GET"

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            # An empty filter (``?country=``, as a form submits it) is the same as no filter.
            if parameter.get("in") == "query":
                parameter["allowEmptyValue"] = True
        return operation

    def get_auth(self):
        auths = super().get_auth()
        anyone_reads = any(isinstance(permission, DjangoModelPermissionsOrAnonReadOnly) for permission in self.view.get_permissions())
        if anyone_reads and self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._offers_csv():
            parameters.append(
                OpenApiParameter(
                    "format",
                    str,
                    enum=["json", "csv"],
                    description="`csv`: every row matching the filters (not one page) as a streamed CSV "
                    "file; cells that a spreadsheet would run as formulas are prefixed with `'`.",
                )
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self._offers_csv() and "200" in responses:
            responses["200"].setdefault("content", {})["text/csv"] = {"schema": {"type": "string"}}
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        has_object = "{" in self.path
        is_list = self._is_list_view() and self.method == "GET"
        errors = {
            "400": _error(
                "Bad input: an unknown filter value, a malformed field, a NUL character or invalid "
                "Unicode; the body names each bad field or parameter.",
                FIELD_ERRORS_SCHEMA,
            ),
            "401": _error(
                "An invalid token, or no credentials for a write (writes need `Authorization: Token <key>`).",
                DETAIL_SCHEMA,
            ),
        }
        open_to_all = any(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
        if writes and not open_to_all:
            errors["403"] = _error(
                "The token's user lacks the model's permission (or *publish ruling*: for a change of a ruling's "
                "status, a ruling or proceeding created published, or an edit of a published one).",
                DETAIL_SCHEMA,
            )
        if writes:
            errors["415"] = _error("The body is in a media type this endpoint does not read.", DETAIL_SCHEMA)
        if has_object or is_list:
            errors["404"] = _error(
                "No such record (or a page past the last one)." if is_list else "No such record.", DETAIL_SCHEMA
            )
        errors["406"] = _error("No answer in a media type the `Accept` header allows.", DETAIL_SCHEMA)
        errors["429"] = _error("Too many requests: the rate limit was reached.", DETAIL_SCHEMA, RETRY_AFTER)
        errors["503"] = _error("A dependency (database or broker) is unavailable; try again later.", DETAIL_SCHEMA, RETRY_AFTER)
        for code, response in errors.items():
            responses.setdefault(code, response)
        return responses


# OpenAPI links: how the answer of one operation feeds the next, for API clients and for
# the stateful property test (it chains calls along these links).
# (operation, status) -> [(link name, target operation, {path parameter: runtime expression})]
LINKS = {
    **{
        (f"{resource}_{action}", status): [
            (f"Get{noun}", f"{resource}_retrieve", {"id": "$response.body#/id"}),
            (f"Change{noun}", f"{resource}_partial_update", {"id": "$response.body#/id"}),
        ]
        for resource, noun in (
            ("regulators", "Regulator"),
            ("agencies", "Agency"),
            ("rulings", "Ruling"),
            ("proceedings", "Proceeding"),
        )
        for action, status in (("create", "201"), ("retrieve", "200"), ("partial_update", "200"))
    },
    ("flags_retrieve", "200"): [
        ("GetAgency", "agencies_retrieve", {"id": "$response.body#/agency"}),
        ("GetRuling", "rulings_retrieve", {"id": "$response.body#/ruling"}),
    ],
    ("rulings_retrieve", "200"): [
        ("GetRuling", "rulings_retrieve", {"id": "$response.body#/id"}),
        ("ChangeRuling", "rulings_partial_update", {"id": "$response.body#/id"}),
        ("GetRegulator", "regulators_retrieve", {"id": "$response.body#/regulator"}),
    ],
    **{
        ("proceedings_" + action, status): [
            ("GetProceeding", "proceedings_retrieve", {"id": "$response.body#/id"}),
            ("ChangeProceeding", "proceedings_partial_update", {"id": "$response.body#/id"}),
            ("GetRuling", "rulings_retrieve", {"id": "$response.body#/ruling"}),
        ]
        for action, status in (("create", "201"), ("retrieve", "200"), ("partial_update", "200"))
    },
}


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: adds the OpenAPI ``links`` of ``LINKS`` to
    the answers they start from."""
    operations = {
        operation["operationId"]: operation
        for path_item in result.get("paths", {}).values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for (source, status), links in LINKS.items():
        response = operations.get(source, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, target, parameters in links:
            if target in operations:
                response.setdefault("links", {})[name] = {"operationId": target, "parameters": parameters}
    return result
