"""The public pages: server-rendered, usable without JavaScript, read-only."""

import hashlib
from functools import wraps
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from agencies.jurisdictions import Level, level_of
from agencies.models import Agency, Country
from rulings.models import Ruling

from . import selectors, words
from .forms import AgencyFilterForm, RulingFilterForm

AGENCY_PAGE_SIZE = 50
RULING_PAGE_SIZE = 50
RULING_FLAGS_PAGE_SIZE = 100
AGENCY_CSV_URL = "/api/v1/agencies/"
# The orderings the API's agency list understands; any other sort stays on the page only.
API_AGENCY_ORDERINGS = {"name", "-name", "searches", "-searches"}

# The sortable columns of the agency table and the direction a first click sorts them in.
AGENCY_COLUMNS = [
    ("name", "Agency", "name"),
    ("country", "Country", "country"),
    ("subdivision", "Subdivision", "subdivision"),
    ("kind", "Kind", "kind"),
    ("searches", "Searches", "-searches"),
    ("first_used", "First use", "first_used"),
    ("last_used", "Last use", "-last_used"),
    ("status", "Status", "-status"),
]


def _sort_columns(current: str) -> list[dict]:
    columns = []
    for key, label, first_click in AGENCY_COLUMNS:
        sort = None
        next_ordering = first_click
        if current.lstrip("-") == key:
            sort = "descending" if current.startswith("-") else "ascending"
            next_ordering = key if current.startswith("-") else f"-{key}"
        columns.append({"key": key, "label": label, "sort": sort, "next": next_ordering})
    return columns


def _paginate(items, per_page: int, number):
    """The page asked for (the first for junk, the last when past the end), with the
    page numbers to offer around it in ``elided_range``."""
    paginator = Paginator(items, per_page)
    page = paginator.get_page(number)
    page.elided_range = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return page


def _csv_url(filters: dict) -> str:
    params = {"format": "csv"}
    for name in ("country", "kind", "status", "search"):
        if filters.get(name):
            params[name] = filters[name]
    if filters.get("ordering") in API_AGENCY_ORDERINGS:
        params["ordering"] = filters["ordering"]
    return f"{AGENCY_CSV_URL}?{urlencode(params)}"


def _with_standing(rulings):
    """Give each ruling (proceedings prefetched) its standing today in ``standing_now``."""
    for ruling in rulings:
        ruling.standing_now = words.describe_standing(ruling)
    return rulings


# Seconds a rendered public page may be reused while the data stays unchanged.
PAGE_CACHE_SECONDS = 60


def reused_while_data_unchanged(view):
    """Serve an anonymous GET from the cache while the data it shows has not changed.

    The key is the full path and the time a public record last changed (see
    :func:`selectors.site_data_last_updated`: every public edit and every recompute that
    changes a flag moves it), so an edit is visible on the next request; a minute's
    lifetime bounds anything the time misses (a deleted record).
    Only successful answers are kept, and logged-in users always get a fresh page.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        version = selectors.site_data_last_updated()
        key = "site-page:" + hashlib.sha256(f"{request.get_full_path()}|{version}".encode()).hexdigest()
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            cache.set(key, response.content, PAGE_CACHE_SECONDS)
        return response

    return wrapper


@reused_while_data_unchanged
def agency_table(request):
    """``/``: every agency, filterable, searchable, sortable and paginated."""
    form = AgencyFilterForm(request.GET, country_choices=selectors.site_country_filter_choices())
    context = {"form": form, "nav_section": "agencies"}
    if not form.is_valid():
        return render(request, "tracker/agency_list.html", context, status=400)

    filters = form.cleaned_data
    ordering = filters["ordering"] or selectors.DEFAULT_AGENCY_ORDERING
    agencies = selectors.site_agency_table(
        country=filters["country"] or None,
        kind=filters["kind"] or None,
        status=filters["status"] or None,
        search=filters["search"] or None,
        ordering=ordering,
    )
    page = _paginate(agencies, AGENCY_PAGE_SIZE, request.GET.get("page"))
    total = page.paginator.count
    for agency in page:
        agency.site_status = selectors.status_of(agency.active_flags)
    filtered = any(filters[name] for name in ("country", "kind", "status", "search"))
    context.update(
        show_results=True,
        page=page,
        columns=_sort_columns(ordering),
        total=total,
        flagged=selectors.site_flagged_count(agencies, status=filters["status"] or None, total=total),
        filtered=filtered,
        csv_url=_csv_url(filters),
        country_name=dict(form.fields["country"].choices).get(filters["country"]) if filters["country"] else "",
    )
    return render(request, "tracker/agency_list.html", context)


def agency_detail(request, pk):
    """``/agencies/<id>/``: one agency, its aliases and sources, its flags (active and
    cleared, each with the ruling's standing today) and the rulings that cover its
    jurisdiction."""
    try:
        agency = selectors.site_agency_detail(pk=pk)
    except Agency.DoesNotExist:
        raise Http404("No agency with this id.") from None
    active_flags = [flag for flag in agency.public_flags if flag.active]
    context = {
        "agency": agency,
        "status": selectors.status_of(active_flags),
        "active_flags": active_flags,
        "cleared_flags": [flag for flag in agency.public_flags if not flag.active],
        "covering_rulings": _with_standing(selectors.site_rulings_covering_agency(agency=agency)),
        "bloc_names": selectors.site_bloc_names(),
        "nav_section": "agencies",
    }
    return render(request, "tracker/agency_detail.html", context)


def country_list(request):
    """``/countries/``: every country with agencies, with how many are flagged."""
    countries = selectors.site_country_index()
    context = {
        "countries": countries,
        "international_count": selectors.site_international_agency_count(),
        "agency_total": sum(row["agency_count"] for row in countries),
        "flagged_total": sum(row["flagged_count"] for row in countries),
        "nav_section": "countries",
    }
    return render(request, "tracker/country_list.html", context)


def country_detail(request, code):
    """``/countries/<code>/``: a country's agencies, regulators, blocs and rulings."""
    if code != code.upper():
        return redirect("tracker:country-detail", code=code.upper(), permanent=True)
    country = get_object_or_404(Country, code=code)
    agencies, agency_total, flagged_total = selectors.site_country_agencies(country=country)
    for agency in agencies:
        agency.site_status = selectors.status_of(agency.active_flags)
    regulators = selectors.site_country_regulators(country=country)
    context = {
        "country": country,
        "agencies": agencies,
        "agency_total": agency_total,
        "flagged_total": flagged_total,
        "national_regulators": [r for r in regulators if level_of(r.jurisdiction) is Level.NATIONAL],
        "subnational_regulators": [r for r in regulators if level_of(r.jurisdiction) is Level.SUBNATIONAL],
        "memberships": selectors.site_country_memberships(country=country),
        "rulings": _with_standing(selectors.site_country_rulings(country=country)),
        "bloc_names": selectors.site_bloc_names(),
        "nav_section": "countries",
    }
    return render(request, "tracker/country_detail.html", context)


def ruling_list(request):
    """``/rulings/``: every ruling but drafts, newest first, with its standing today;
    searchable and filterable by country, regulator, outcome and standing."""
    form = RulingFilterForm(
        request.GET,
        country_choices=selectors.site_country_filter_choices(),
        regulator_choices=selectors.site_ruling_regulator_choices(),
    )
    context = {"form": form, "nav_section": "rulings"}
    if not form.is_valid():
        return render(request, "tracker/ruling_list.html", context, status=400)
    filters = form.cleaned_data
    rulings = selectors.site_ruling_list(
        standing=filters["standing"] or None,
        outcome=filters["outcome"] or None,
        country=filters["country"] or None,
        regulator=filters["regulator"] or None,
        search=filters["search"] or None,
    )
    page = _paginate(rulings, RULING_PAGE_SIZE, request.GET.get("page"))
    _with_standing(page)
    context.update(
        show_results=True,
        page=page,
        filtered=any(filters[name] for name in ("standing", "outcome", "country", "regulator", "search")),
        bloc_names=selectors.site_bloc_names(),
    )
    return render(request, "tracker/ruling_list.html", context)


def ruling_detail(request, pk):
    """``/rulings/<id>/``: one ruling, its standing, its proceedings as a timeline, its
    sources and the agencies it flags. Drafts (of rulings and proceedings) are not public."""
    try:
        ruling = selectors.site_ruling_detail(pk=pk, user=request.user)
    except Ruling.DoesNotExist:
        raise Http404("No ruling with this id.") from None
    flags = _paginate(selectors.site_ruling_flags(ruling=ruling), RULING_FLAGS_PAGE_SIZE, request.GET.get("page"))
    context = {
        "ruling": ruling,
        "standing": words.describe_standing(ruling),
        "proceedings": list(ruling.proceedings.all()),
        "flags": flags,
        "cleared_count": selectors.site_ruling_cleared_flag_count(ruling=ruling),
        "bloc_names": selectors.site_bloc_names(),
        "nav_section": "rulings",
    }
    return render(request, "tracker/ruling_detail.html", context)
