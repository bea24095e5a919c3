"""API v1 endpoints: they translate HTTP to selectors and services and back."""

from __future__ import annotations

import re

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

from agencies.models import Agency
from agencies.services import agency_create, agency_update
from rulings.dates import format_date
from rulings.models import Proceeding, Regulator, Ruling
from rulings.services import (
    proceeding_create,
    proceeding_update,
    regulator_create,
    regulator_update,
    ruling_create,
    ruling_update,
)
from tracker import selectors

from . import filters, serializers
from .permissions import ModelPermissionsOrReadOnly
from .renderers import ContentNegotiation, CSVRenderer, streaming_csv_response


class ApiViewSet(viewsets.GenericViewSet):
    """What every endpoint shares: JSON in and out, ``?format=csv`` on exporting lists,
    public reads and permission-checked writes."""

    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ContentNegotiation
    permission_classes = [ModelPermissionsOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Any id reaches the view (and is a JSON 404 there unless it is a record's).
    lookup_value_regex = "[^/]+"
    # (header, value of a row) pairs for the CSV export; None: no export.
    csv_columns = None
    csv_filename = "export.csv"

    def get_renderers(self):
        if self.csv_columns and getattr(self, "action", None) == "list":
            return [JSONRenderer(), CSVRenderer()]
        return super().get_renderers()

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON, even when the client asked for a CSV export.
        if getattr(response, "status_code", 200) >= 400 and isinstance(getattr(request, "accepted_renderer", None), CSVRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class ListModelMixin(mixins.ListModelMixin):
    """A page of JSON, or with ``?format=csv`` every matching row as a streamed CSV file."""

    def list(self, request, *args, **kwargs):
        if isinstance(request.accepted_renderer, CSVRenderer):
            if self.paginator is not None:
                self.paginator.validate_query(request)
            queryset = self.filter_queryset(self.get_queryset())
            return streaming_csv_response(queryset, self.csv_columns, filename=self.csv_filename)
        return super().list(request, *args, **kwargs)


class CodeLookupMixin:
    """Records looked up by an upper-case code; anything else is simply not found."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    code_pattern = re.compile(r"[A-Z]{2}")

    def get_object(self):
        if not self.code_pattern.fullmatch(self.kwargs.get(self.lookup_field, "")):
            raise Http404("No record has this code.")
        return super().get_object()


def _user(request):
    return request.user if request.user.is_authenticated else None


@extend_schema_view(
    list=extend_schema(summary="List countries", description="Every ISO 3166-1 country, with counts of its agencies."),
    retrieve=extend_schema(summary="One country", description="A country by its ISO 3166-1 alpha-2 code, e.g. `CA`."),
)
class CountryViewSet(CodeLookupMixin, ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = serializers.CountrySerializer

    def get_queryset(self):
        return selectors.countries_with_counts(user=_user(self.request))


@extend_schema_view(
    list=extend_schema(summary="List blocs", description="Blocs (e.g. `EU`) with their members' accession and exit dates."),
    retrieve=extend_schema(summary="One bloc", description="A bloc by its code, with its memberships past and present."),
)
class BlocViewSet(CodeLookupMixin, ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = serializers.BlocSerializer
    code_pattern = re.compile(r"[A-Z]{2,8}")

    def get_queryset(self):
        return selectors.blocs_with_memberships()


@extend_schema_view(
    list=extend_schema(summary="List regulators"),
    retrieve=extend_schema(summary="One regulator"),
    create=extend_schema(summary="Add a regulator", description="Needs the *add regulator* permission."),
    partial_update=extend_schema(summary="Change a regulator", description="Needs the *change regulator* permission."),
)
class RegulatorViewSet(
    ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    serializer_class = serializers.RegulatorSerializer
    filterset_class = filters.RegulatorFilter
    queryset = Regulator.objects.all()

    def perform_create(self, serializer):
        serializer.instance = regulator_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = regulator_update(
            regulator=serializer.instance, user=self.request.user, **serializer.validated_data
        )


def _source_urls(record) -> list[str]:
    """The URLs of a record's sources, for one CSV cell."""
    return [source["url"] if isinstance(source, dict) else source for source in record.sources or ()]


AGENCY_CSV_COLUMNS = [
    ("id", lambda agency: agency.pk),
    ("name", lambda agency: agency.name),
    ("aliases", lambda agency: "; ".join(agency.aliases or ())),
    ("country", lambda agency: agency.country_id),
    ("subdivision", lambda agency: agency.subdivision),
    ("kind", lambda agency: agency.kind),
    ("searches", lambda agency: agency.searches),
    ("searches_qualifier", lambda agency: agency.searches_qualifier),
    ("first_used", lambda agency: agency.first_used),
    ("last_used", lambda agency: agency.last_used),
    ("authorized", lambda agency: agency.authorized),
    ("paid", lambda agency: agency.paid),
    ("flagged", lambda agency: selectors.agency_is_flagged(agency)),
    ("status", lambda agency: selectors.agency_flag_status(agency.active_flags)),
    ("flag_rulings", lambda agency: [flag.ruling_id for flag in agency.active_flags]),
    ("sources", _source_urls),
    ("wikidata", lambda agency: agency.wikidata),
    ("last_verified_on", lambda agency: agency.last_verified_on),
    ("notes", lambda agency: agency.notes),
]


@extend_schema_view(
    list=extend_schema(
        summary="List agencies",
        description="Agencies that used the technology, each with `flagged`, `status` and its active `flags`. "
        "`?format=csv` exports every matching agency.",
    ),
    retrieve=extend_schema(summary="One agency"),
    create=extend_schema(summary="Add an agency", description="Needs the *add agency* permission."),
    partial_update=extend_schema(summary="Change an agency", description="Needs the *change agency* permission."),
)
class AgencyViewSet(
    ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    serializer_class = serializers.AgencySerializer
    filterset_class = filters.AgencyFilter
    csv_columns = AGENCY_CSV_COLUMNS
    csv_filename = "agencies.csv"

    def get_queryset(self):
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer):
            return selectors.agencies_for_export(user=_user(self.request))
        return Agency.objects.all()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return page if page is None else selectors.agencies_attach_active_flags(page, user=_user(self.request))

    def get_object(self):
        agency = super().get_object()
        selectors.agencies_attach_active_flags([agency], user=_user(self.request))
        return agency

    def _reloaded(self, agency):
        agency = Agency.objects.get(pk=agency.pk)
        selectors.agencies_attach_active_flags([agency], user=_user(self.request))
        return agency

    def perform_create(self, serializer):
        serializer.instance = self._reloaded(agency_create(**serializer.validated_data))

    def perform_update(self, serializer):
        agency = agency_update(agency=serializer.instance, **serializer.validated_data)
        serializer.instance = self._reloaded(agency)


RULING_CSV_COLUMNS = [
    ("id", lambda ruling: ruling.pk),
    ("regulator", lambda ruling: ruling.regulator_id),
    ("regulator_name", lambda ruling: ruling.regulator.name),
    ("jurisdiction", lambda ruling: ruling.regulator.jurisdiction),
    ("title", lambda ruling: ruling.title),
    ("decided_on", lambda ruling: ruling.decided_on),
    ("decided_on_precision", lambda ruling: ruling.decided_on_precision),
    ("decided", lambda ruling: format_date(ruling.decided_on, ruling.decided_on_precision)),
    ("announced_on", lambda ruling: ruling.announced_on),
    ("outcome", lambda ruling: ruling.outcome),
    ("concerns", lambda ruling: ruling.concerns),
    ("scope", lambda ruling: ruling.scope),
    ("agencies", lambda ruling: [agency.pk for agency in ruling.agencies.all()]),
    ("case_reference", lambda ruling: ruling.case_reference),
    ("ecli", lambda ruling: ruling.ecli),
    ("fine_amount", lambda ruling: ruling.fine_amount),
    ("fine_currency", lambda ruling: ruling.fine_currency),
    ("fine_notes", lambda ruling: ruling.fine_notes),
    ("status", lambda ruling: ruling.status),
    ("standing", lambda ruling: ruling.standing_on(timezone.localdate()).standing),
    ("published_at", lambda ruling: ruling.published_at),
    ("source_url", lambda ruling: ruling.source_url),
    ("sources", _source_urls),
    ("last_verified_on", lambda ruling: ruling.last_verified_on),
    ("summary", lambda ruling: ruling.summary),
]


@extend_schema_view(
    list=extend_schema(
        summary="List rulings",
        description="Every ruling but drafts (drafts too for users who may change rulings), newest decision first, "
        "each with its `standing` today and its `proceedings`. `?format=csv` exports every matching ruling.",
    ),
    retrieve=extend_schema(summary="One ruling", description="A draft is a 404 for those who may not see it."),
    create=extend_schema(
        summary="Add a ruling",
        description="Needs the *add ruling* permission; a status other than `draft` also needs *publish ruling*.",
    ),
    partial_update=extend_schema(
        summary="Change a ruling",
        description="Needs the *change ruling* permission; changing `status` (publish, unpublish, withdraw), and "
        "any edit of a ruling that is not a draft, also needs *publish ruling*. A draft cannot go straight to "
        "`withdrawn`. A ruling set aside on appeal keeps its status: record the decision as a proceeding.",
    ),
)
class RulingViewSet(
    ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    serializer_class = serializers.RulingSerializer
    filterset_class = filters.RulingFilter
    csv_columns = RULING_CSV_COLUMNS
    csv_filename = "rulings.csv"

    def get_queryset(self):
        return selectors.rulings_visible_to(user=_user(self.request))

    def _reloaded(self, ruling):
        return selectors.ruling_as_written(pk=ruling.pk, user=self.request.user)

    def perform_create(self, serializer):
        ruling = ruling_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = self._reloaded(ruling)

    def perform_update(self, serializer):
        # The service gets the ruling as stored, not the copy read for this user, whose
        # prefetched proceedings may leave some out.
        ruling = Ruling.objects.get(pk=serializer.instance.pk)
        ruling = ruling_update(ruling=ruling, user=self.request.user, **serializer.validated_data)
        serializer.instance = self._reloaded(ruling)


PROCEEDING_CSV_COLUMNS = [
    ("id", lambda proceeding: proceeding.pk),
    ("ruling", lambda proceeding: proceeding.ruling_id),
    ("ruling_title", lambda proceeding: proceeding.ruling.title),
    ("body", lambda proceeding: proceeding.body),
    ("decided_on", lambda proceeding: proceeding.decided_on),
    ("decided_on_precision", lambda proceeding: proceeding.decided_on_precision),
    ("decided", lambda proceeding: format_date(proceeding.decided_on, proceeding.decided_on_precision)),
    ("effect", lambda proceeding: proceeding.effect),
    ("case_reference", lambda proceeding: proceeding.case_reference),
    ("ecli", lambda proceeding: proceeding.ecli),
    ("fine_amount", lambda proceeding: proceeding.fine_amount),
    ("fine_currency", lambda proceeding: proceeding.fine_currency),
    ("status", lambda proceeding: proceeding.status),
    ("published_at", lambda proceeding: proceeding.published_at),
    ("sources", _source_urls),
    ("summary", lambda proceeding: proceeding.summary),
]


@extend_schema_view(
    list=extend_schema(
        summary="List proceedings",
        description="What happened to rulings after they were decided (appeals, reviews and their outcomes), oldest "
        "decision first. Drafts, and the proceedings of draft rulings, only for users who may change rulings. "
        "`?format=csv` exports every matching proceeding.",
    ),
    retrieve=extend_schema(summary="One proceeding", description="A draft is a 404 for those who may not see it."),
    create=extend_schema(
        summary="Add a proceeding",
        description="Needs the *add proceeding* permission; creating one already `published` also needs *publish "
        "ruling*. Its date may not precede its ruling's nor lie in the future.",
    ),
    partial_update=extend_schema(
        summary="Change a proceeding",
        description="Needs the *change proceeding* permission; publishing it, and any edit of a published one, "
        "also needs *publish ruling*. A proceeding stays with its ruling.",
    ),
)
class ProceedingViewSet(
    ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    serializer_class = serializers.ProceedingSerializer
    filterset_class = filters.ProceedingFilter
    csv_columns = PROCEEDING_CSV_COLUMNS
    csv_filename = "proceedings.csv"

    def get_queryset(self):
        queryset = selectors.proceedings_visible_to(user=_user(self.request))
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer):
            return queryset.select_related("ruling")
        return queryset

    # The answer to a write shows the proceeding as the service saved it (a draft too, to
    # its writer): it needs nothing joined.

    def perform_create(self, serializer):
        serializer.instance = proceeding_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        proceeding = Proceeding.objects.get(pk=serializer.instance.pk)
        serializer.instance = proceeding_update(proceeding=proceeding, user=self.request.user, **serializer.validated_data)


FLAG_CSV_COLUMNS = [
    ("id", lambda flag: flag.pk),
    ("agency", lambda flag: flag.agency_id),
    ("agency_name", lambda flag: flag.agency.name),
    ("country", lambda flag: flag.agency.country_id),
    ("ruling", lambda flag: flag.ruling_id),
    ("ruling_title", lambda flag: flag.ruling.title),
    ("severity", lambda flag: flag.severity),
    ("basis", lambda flag: flag.basis),
    ("timing", lambda flag: flag.timing),
    ("under_appeal", lambda flag: flag.under_appeal),
    ("active", lambda flag: flag.active),
    ("raised_at", lambda flag: flag.raised_at),
    ("cleared_at", lambda flag: flag.cleared_at),
    ("cleared_reason", lambda flag: flag.cleared_reason),
    ("explanation", lambda flag: flag.explanation),
]


@extend_schema_view(
    list=extend_schema(
        summary="List flags",
        description="Flags, active and cleared, computed from the rulings (never written by hand); flags of draft "
        "rulings only for users who may see drafts. `?format=csv` exports every matching flag.",
    ),
    retrieve=extend_schema(summary="One flag"),
)
class FlagViewSet(ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = serializers.FlagSerializer
    filterset_class = filters.FlagFilter
    csv_columns = FLAG_CSV_COLUMNS
    csv_filename = "flags.csv"

    def get_queryset(self):
        return selectors.flags_visible_to(user=_user(self.request))
