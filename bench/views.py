"""Baselines: the least Django can do to answer the same request, for comparison only."""

from collections import defaultdict

from django.db.models import Exists, OuterRef
from django.http import JsonResponse

from agencies.models import Agency
from rulings.models import Ruling
from tracker.models import Flag

AGENCY_FIELDS = [
    "id", "name", "aliases", "country", "subdivision", "kind", "searches", "searches_qualifier", "first_used",
    "last_used", "authorized", "paid", "notes", "sources", "wikidata", "last_verified_on", "created_at", "updated_at",
]
FLAG_FIELDS = ["id", "ruling", "ruling__title", "severity", "timing", "basis", "under_appeal", "explanation", "raised_at"]


def bare_agencies(request):
    """The first page of agencies as the API shows it to the public (same rows, same
    fields, the active flags of published rulings included), with ``.values()`` and a
    JsonResponse: no serializer, no filter backend, no content negotiation."""
    page_size = min(int(request.GET.get("page_size", 50)), 1000)
    visible = Flag.objects.filter(active=True).exclude(ruling__status=Ruling.Status.DRAFT)
    agencies = Agency.objects.order_by("name", "id")
    rows = list(
        agencies.annotate(
            flagged=Exists(visible.filter(agency=OuterRef("pk"), severity=Flag.Severity.UNLAWFUL))
        ).values(*AGENCY_FIELDS, "flagged")[:page_size]
    )
    flags = defaultdict(list)
    for flag in visible.filter(agency__in=[row["id"] for row in rows]).order_by("-raised_at", "id").values(
        "agency", *FLAG_FIELDS
    ):
        flag["ruling_title"] = flag.pop("ruling__title")
        flags[flag.pop("agency")].append(flag)
    for row in rows:
        row["flags"] = flags[row["id"]]
        severities = {flag["severity"] for flag in row["flags"]}
        row["status"] = "flagged" if row["flagged"] else ("advisory" if severities else "none")
    return JsonResponse({"count": agencies.count(), "next": None, "previous": None, "results": rows})
