"""Query-string filters of the API lists (django-filter). A value the filter cannot use is
a 400 naming the parameter, never an empty or unfiltered list."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField

from agencies.iso import subdivision_record, validate_subdivision
from agencies.jurisdictions import parse_jurisdiction
from agencies.models import Agency, Country
from rulings.models import Proceeding, Regulator, Ruling
from rulings.standing import Standing
from tracker.models import Flag
from tracker.selectors import (
    AgencyStatus,
    agencies_filter_by_flag_status,
    agencies_search,
    agency_flag_status_q,
    ruling_ids_visible_to,
    rulings_filter_by_standing,
)

# The values are the one definition's (AgencyStatus); the words describe the filter.
FLAG_STATUS_CHOICES = [
    (AgencyStatus.FLAGGED, "an active unlawful flag"),
    (AgencyStatus.ADVISORY, "active advisory flags only"),
    (AgencyStatus.NONE, "no active flag"),
]


def _one_of(choices) -> dict[str, str]:
    values = ", ".join(str(value) for value, _ in choices)
    return {"invalid_choice": f"“%(value)s” is not one of: {values}."}


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or ``1``/``0``); anything else is an error, not ignored."""

    TRUE = {"true", "1"}
    FALSE = {"false", "0"}

    def to_python(self, value):
        if value in EMPTY_VALUES:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError("“%(value)s” is not a boolean; use true or false.", code="invalid", params={"value": value})


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # The stock widget turns any unknown word into "no filter"; read the raw text instead.
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC (PostgreSQL refuses offsets past ±15:59)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError("“%(value)s” is out of the range of dates.", code="invalid", params={"value": value}) from None


class UTCDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


def validate_subdivision_code(code: str) -> None:
    if subdivision_record(code) is None:
        raise ValidationError(
            "“%(code)s” is not an ISO 3166-2 subdivision code (e.g. “CA-ON”).", code="invalid_subdivision", params={"code": code}
        )


def _verbatim(error: ValidationError) -> ValidationError:
    """The same messages, safe from %-formatting (they may quote the input)."""
    return ValidationError([ValidationError("%(message)s", params={"message": message}) for message in error.messages])


def validate_jurisdiction_code(code: str) -> None:
    try:
        parse_jurisdiction(code)
    except ValidationError as error:
        raise _verbatim(error) from None


class CountryFilter(filters.ModelChoiceFilter):
    """A country by its ISO 3166-1 alpha-2 code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault(
            "error_messages", {"invalid_choice": "“%(value)s” is not a known country code (ISO 3166-1 alpha-2 in capitals, e.g. “CA”)."}
        )
        super().__init__(*args, **kwargs)


class NullsLastOrderingFilter(filters.OrderingFilter):
    """Ordering where unknown values (e.g. no search count) come last either way, and
    ties are broken by name and id so that pages never overlap."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = []
        for param in value:
            if param in EMPTY_VALUES:
                continue
            name = self.get_ordering_value(param)
            if name.startswith("-"):
                ordering.append(F(name[1:]).desc(nulls_last=True))
            else:
                ordering.append(F(name).asc(nulls_last=True))
        return qs.order_by(*ordering, "name", "id")


class AgencyFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        country, subdivision = cleaned.get("country"), cleaned.get("subdivision")
        if country is not None and subdivision:
            try:
                validate_subdivision(subdivision, country.code)
            except ValidationError as error:
                self.add_error("subdivision", _verbatim(error))
        return cleaned


class AgencyFilter(filters.FilterSet):
    country = CountryFilter(help_text="ISO 3166-1 alpha-2 code of the agency's country, e.g. `CA`.")
    subdivision = filters.CharFilter(
        validators=[validate_subdivision_code], help_text="ISO 3166-2 code of the agency's subdivision, e.g. `CA-ON`."
    )
    kind = filters.ChoiceFilter(choices=Agency.Kind.choices, error_messages=_one_of(Agency.Kind.choices), help_text="Kind of agency.")
    flagged = StrictBooleanFilter(
        method="filter_flagged",
        help_text="`true`: agencies with an active flag of severity `unlawful`; `false`: the others.",
    )
    status = filters.ChoiceFilter(
        choices=FLAG_STATUS_CHOICES,
        method="filter_status",
        error_messages=_one_of(FLAG_STATUS_CHOICES),
        help_text="`flagged`: an active unlawful flag; `advisory`: active advisory flags only; `none`: no active flag.",
    )
    search = filters.CharFilter(method="filter_search", help_text="Part of the agency's name or of one of its aliases, any case.")
    ordering = NullsLastOrderingFilter(
        fields=(("name", "name"), ("searches", "searches")),
        error_messages=_one_of([(value, None) for value in ("name", "-name", "searches", "-searches")]),
        help_text="Sort by `name`, `searches` or `-searches` (most searches first; unknown counts last).",
    )

    class Meta:
        model = Agency
        fields = ["country", "subdivision", "kind", "flagged", "status", "search", "ordering"]
        form = AgencyFilterForm

    def filter_status(self, queryset, name, value):
        return agencies_filter_by_flag_status(queryset, value, user=self.request.user if self.request else None)

    def filter_search(self, queryset, name, value):
        return agencies_search(queryset, value)

    def filter_flagged(self, queryset, name, value):
        flagged = agency_flag_status_q("flagged", user=self.request.user if self.request else None)
        return queryset.filter(flagged if value else ~flagged)


class RegulatorFilter(filters.FilterSet):
    jurisdiction = filters.CharFilter(
        validators=[validate_jurisdiction_code], help_text="Jurisdiction code: `CA`, `DE-HH` or `EU`."
    )

    class Meta:
        model = Regulator
        fields = ["jurisdiction"]


class RulingFilter(filters.FilterSet):
    regulator = filters.ModelChoiceFilter(
        queryset=Regulator.objects.all(),
        error_messages={"invalid_choice": "No regulator has the id “%(value)s”."},
        help_text="Id of the regulator.",
    )
    jurisdiction = filters.CharFilter(
        field_name="regulator__jurisdiction",
        validators=[validate_jurisdiction_code],
        help_text="Jurisdiction code of the regulator: `CA`, `DE-HH` or `EU`.",
    )
    outcome = filters.ChoiceFilter(choices=Ruling.Outcome.choices, error_messages=_one_of(Ruling.Outcome.choices))
    concerns = filters.ChoiceFilter(
        choices=Ruling.Concerns.choices,
        error_messages=_one_of(Ruling.Concerns.choices),
        help_text="`use`: findings about the use by public bodies; `vendor`: about the vendor's own practices.",
    )
    status = filters.ChoiceFilter(
        choices=Ruling.Status.choices,
        error_messages=_one_of(Ruling.Status.choices),
        help_text="Editorial status. A ruling set aside on appeal is found with `standing=overturned`.",
    )
    standing = filters.ChoiceFilter(
        choices=Standing.choices,
        method="filter_standing",
        error_messages=_one_of(Standing.choices),
        help_text="The standing today, computed from the status and the published proceedings.",
    )
    published_after = UTCDateTimeFilter(
        field_name="published_at",
        lookup_expr="gte",
        help_text="Rulings first published at or after this ISO 8601 date-time (UTC unless an offset is given).",
    )
    decided_after = filters.DateFilter(
        field_name="decided_on", lookup_expr="gte", help_text="Rulings decided on or after this date (YYYY-MM-DD)."
    )
    decided_before = filters.DateFilter(
        field_name="decided_on", lookup_expr="lte", help_text="Rulings decided on or before this date (YYYY-MM-DD)."
    )

    class Meta:
        model = Ruling
        fields = [
            "regulator",
            "jurisdiction",
            "outcome",
            "concerns",
            "status",
            "standing",
            "published_after",
            "decided_after",
            "decided_before",
        ]

    def filter_standing(self, queryset, name, value):
        return rulings_filter_by_standing(queryset, value)


def _rulings_for(request):
    return ruling_ids_visible_to(user=getattr(request, "user", None))


class ProceedingFilter(filters.FilterSet):
    ruling = filters.ModelChoiceFilter(
        queryset=_rulings_for,
        error_messages={"invalid_choice": "No ruling has the id “%(value)s”."},
        help_text="Id of the ruling.",
    )
    effect = filters.ChoiceFilter(choices=Proceeding.Effect.choices, error_messages=_one_of(Proceeding.Effect.choices))
    status = filters.ChoiceFilter(choices=Proceeding.Status.choices, error_messages=_one_of(Proceeding.Status.choices))

    class Meta:
        model = Proceeding
        fields = ["ruling", "effect", "status"]


class FlagFilter(filters.FilterSet):
    agency = filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        error_messages={"invalid_choice": "No agency has the id “%(value)s”."},
        help_text="Id of the agency.",
    )
    ruling = filters.ModelChoiceFilter(
        queryset=_rulings_for,
        error_messages={"invalid_choice": "No ruling has the id “%(value)s”."},
        help_text="Id of the ruling.",
    )
    active = StrictBooleanFilter(help_text="`true`: flags in force; `false`: cleared flags.")
    severity = filters.ChoiceFilter(choices=Flag.Severity.choices, error_messages=_one_of(Flag.Severity.choices))
    basis = filters.ChoiceFilter(
        choices=Flag.Basis.choices,
        error_messages=_one_of(Flag.Basis.choices),
        help_text="`use`: from a finding about the use by public bodies; `vendor`: about the vendor's service.",
    )
    under_appeal = StrictBooleanFilter(help_text="`true`: flags whose ruling stands under appeal.")
    country = CountryFilter(field_name="agency__country", help_text="ISO 3166-1 alpha-2 code of the agency's country.")

    class Meta:
        model = Flag
        fields = ["agency", "ruling", "active", "severity", "basis", "under_appeal", "country"]
