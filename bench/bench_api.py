"""The agency list of the API against the least Django can do, and the CSV export's memory.

1. Throughput of ``GET /api/v1/agencies/?page_size=100`` against a bare view returning the
   same rows and fields with ``.values()`` and a JsonResponse (``bench/views.py``), under the
   same gunicorn (2 sync workers), in alternating rounds. Goal: the API serves at least
   0.8 times the bare view's requests per second.
2. ``GET /api/v1/agencies/?format=csv`` of every agency against an export of about 10,000
   of them (the filter nearest that size), each in a fresh one-worker gunicorn: the
   worker's peak resident memory must not grow with the number of rows (the export
   streams), and the time per row must stay the same.
"""

from __future__ import annotations

import http.client
import time

from django.db.models import Count

from agencies.models import Agency

from . import support

PAGE_SIZE = 100
API_PATH = f"/api/v1/agencies/?page_size={PAGE_SIZE}"
BARE_PATH = f"/bench/bare/agencies/?page_size={PAGE_SIZE}"
CSV_PATH = "/api/v1/agencies/?format=csv"
CSV_SUBSET_ROWS = 10_000
# Growth of the peak memory below this many kB is measurement noise, counted as this much.
MEMORY_NOISE_KB = 1024


def _subset_filter() -> tuple[str, int]:
    """The country or kind filter whose agencies number closest to CSV_SUBSET_ROWS."""
    candidates = [
        (f"country={row['country']}", row["n"])
        for row in Agency.objects.exclude(country=None).values("country").annotate(n=Count("id")).order_by()
    ]
    candidates += [(f"kind={row['kind']}", row["n"]) for row in Agency.objects.values("kind").annotate(n=Count("id")).order_by()]
    return min(candidates, key=lambda candidate: (abs(candidate[1] - CSV_SUBSET_ROWS), candidate[0]))


def _smallest_country_filter() -> str:
    row = Agency.objects.exclude(country=None).values("country").annotate(n=Count("id")).order_by("n", "country").first()
    return f"country={row['country']}"


def _export(path: str, *, warm_up: str) -> dict:
    """Export ``path`` from a fresh one-worker server: seconds, rows, bytes, and the
    worker's peak resident memory before (after a warm-up) and after."""
    with support.gunicorn(workers=1, name="csv") as server:
        (worker,) = server.workers()
        for warm in (API_PATH, warm_up):
            status, _ = server.get(warm)
            if status != 200:
                raise RuntimeError(f"{warm} answered {status}")
        before = support.memory_kb(worker)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}: {response.read(300)!r}")
        size = lines = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        connection.close()
        after = support.memory_kb(worker)
    # Header line excluded; a quoted cell may hold a newline, so this is an upper bound.
    return {"seconds": seconds, "rows": lines - 1, "bytes": size, "before_kb": before, "after_kb": after}


def run() -> list[dict]:
    results = []
    with support.gunicorn(name="api") as server:
        paths = {"api": API_PATH, "bare": BARE_PATH}
        support.check_answers(server, paths)
        loads = support.compare(server, paths)
    api, bare = loads["api"], loads["bare"]
    note = f"{support.WORKERS} workers, {support.THREADS} clients, {api.requests}+{bare.requests} requests"
    if api.failures or bare.failures:
        note += f", failures api {api.failures} bare {bare.failures}"
    results.append(support.result("api_agencies_page_rps", api.per_second, bare.per_second, "req/s", ">= 0.8", note=note))
    results.append(support.result("api_agencies_page_p50", api.percentile_ms(50), bare.percentile_ms(50), "ms"))
    results.append(support.result("api_agencies_page_p95", api.percentile_ms(95), bare.percentile_ms(95), "ms"))

    subset, expected = _subset_filter()
    warm_up = f"{CSV_PATH}&{_smallest_country_filter()}"
    part = _export(f"{CSV_PATH}&{subset}", warm_up=warm_up)
    everything = _export(CSV_PATH, warm_up=warm_up)
    rows_note = f"{everything['rows']} rows ({everything['bytes'] >> 20} MB) vs {part['rows']} rows ({subset})"
    per_thousand = 1000 * everything["seconds"] / max(everything["rows"], 1)
    per_thousand_part = 1000 * part["seconds"] / max(part["rows"], 1)
    results.append(support.result("csv_export_all_seconds", everything["seconds"], part["seconds"], "s", note=rows_note))
    results.append(
        support.result("csv_export_seconds_per_1000_rows", per_thousand, per_thousand_part, "s", "<= 1.5", note=rows_note)
    )
    growth = everything["after_kb"] - everything["before_kb"]
    growth_part = part["after_kb"] - part["before_kb"]
    results.append(
        support.result(
            "csv_export_peak_memory_growth",
            growth / 1024,
            growth_part / 1024,
            "MB",
            "<= 2",
            ratio=max(growth, MEMORY_NOISE_KB) / max(growth_part, MEMORY_NOISE_KB),
            note=f"worker VmHWM growth over the export; {rows_note}; growth under 1 MB counts as 1 MB",
        )
    )
    results.append(
        support.result(
            "csv_export_peak_memory",
            everything["after_kb"] / 1024,
            part["after_kb"] / 1024,
            "MB",
            "<= 1.25",
            note="worker VmHWM after the export",
        )
    )
    return results
