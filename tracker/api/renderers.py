"""CSV export: every matching row, streamed, with spreadsheet formulas defused."""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

# A spreadsheet runs a cell beginning with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Rows written per chunk of the streamed response.
ROWS_PER_CHUNK = 500
# Rows fetched from the database at a time.
FETCH_CHUNK_SIZE = 2000


def csv_cell(value: Any) -> str | int:
    """One cell: text that could start a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = " ".join(str(item) for item in value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


Column = tuple[str, Callable[[Any], Any]]


def csv_rows(rows: Iterable[Any], columns: Sequence[Column]) -> Iterator[str]:
    """The CSV text of ``rows``, header first, in chunks of a few hundred lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in columns])
    written = 0
    for row in rows:
        writer.writerow([csv_cell(value_of(row)) for _, value_of in columns])
        written += 1
        if written % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def streaming_csv_response(queryset, columns: Sequence[Column], *, filename: str) -> StreamingHttpResponse:
    """A response streaming every row of ``queryset`` as CSV, fetched in chunks so that
    memory stays flat whatever the number of rows."""
    response = StreamingHttpResponse(
        csv_rows(queryset.iterator(chunk_size=FETCH_CHUNK_SIZE), columns),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CSVRenderer(BaseRenderer):
    """``?format=csv`` on a list. Lists stream their rows themselves; this renders the
    rare structured answer (a flat object, or a list of them) that reaches it."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        records = data if isinstance(data, list) else [data]
        records = [record for record in records if isinstance(record, dict)]
        if not records:
            return b""
        names = list(records[0])
        columns = [(name, lambda record, name=name: record.get(name)) for name in names]
        return "".join(csv_rows(records, columns)).encode(self.charset)


class ContentNegotiation(DefaultContentNegotiation):
    """An unknown ``?format=`` is a 400 naming the parameter, not a bare 404."""

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise ValidationError({self.settings.URL_FORMAT_OVERRIDE: [f"“{format}” is not offered here; use one of: {offered}."]})
        return matching
