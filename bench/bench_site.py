"""The public agency table (``/``) against the API's JSON page of the same rows.

Both are served by the same gunicorn (2 sync workers) and loaded in alternating rounds
with as many clients as workers, so a request's latency is its cost on the server. Goal:
the page, with its filter form, flag status and pagination, costs at most twice the API
page of the same agencies.
"""

from __future__ import annotations

from . import support

try:
    from tracker.site.views import AGENCY_PAGE_SIZE
except ImportError:  # the page's size, should the site name it differently
    AGENCY_PAGE_SIZE = 50

SITE_PATH = "/"
API_PATH = f"/api/v1/agencies/?page_size={AGENCY_PAGE_SIZE}"


def run() -> list[dict]:
    paths = {"site": SITE_PATH, "api": API_PATH}
    with support.gunicorn(name="site") as server:
        support.check_answers(server, paths)
        loads = support.compare(server, paths, threads=support.WORKERS)
    site, api = loads["site"], loads["api"]
    note = f"{AGENCY_PAGE_SIZE} agencies a page, {site.requests}+{api.requests} requests"
    if site.failures or api.failures:
        note += f", failures site {site.failures} api {api.failures}"
    return [
        support.result("site_home_page_mean", site.mean_ms, api.mean_ms, "ms", "<= 2", note=note),
        support.result("site_home_page_p95", site.percentile_ms(95), api.percentile_ms(95), "ms"),
        support.result("site_home_page_rps", site.per_second, api.per_second, "req/s"),
    ]
