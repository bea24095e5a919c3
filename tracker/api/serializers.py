"""JSON shapes of the API: references by id, countries and jurisdictions by code."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.jurisdictions import Level, level_of, parse_jurisdiction
from agencies.models import Agency, Bloc, Country, Membership
from rulings.models import Regulator, Ruling
from tracker.models import Flag
from tracker.selectors import agency_is_flagged

# Largest value of a PostgreSQL integer column (searches).
MAX_INT = 2147483647


class CountrySerializer(serializers.ModelSerializer):
    agency_count = serializers.IntegerField(read_only=True, help_text="Agencies tracked in this country.")
    flagged_agency_count = serializers.IntegerField(
        read_only=True, help_text="Agencies of this country with an active flag of severity `unlawful`."
    )

    class Meta:
        model = Country
        fields = ["code", "name", "notes", "agency_count", "flagged_agency_count"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country_id", read_only=True, help_text="ISO 3166-1 alpha-2 code.")
    left = serializers.DateField(read_only=True, allow_null=True, help_text="Last day of membership; null while a member.")

    class Meta:
        model = Membership
        fields = ["country", "joined", "left"]
        read_only_fields = fields


class BlocSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Bloc
        fields = ["code", "name", "memberships"]
        read_only_fields = fields


class RegulatorSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(
        max_length=10,
        help_text="One code whose shape gives the level: `CA` (a country), `DE-HH` (an ISO 3166-2 subdivision) or `EU` (a bloc).",
    )
    jurisdiction_level = serializers.SerializerMethodField()

    class Meta:
        model = Regulator
        fields = ["id", "name", "short_name", "jurisdiction", "jurisdiction_level", "website"]

    @extend_schema_field(serializers.ChoiceField(choices=Level.choices))
    def get_jurisdiction_level(self, regulator) -> str:
        return level_of(regulator.jurisdiction)

    def validate_jurisdiction(self, code):
        try:
            parse_jurisdiction(code)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return code


class AgencyFlagSerializer(serializers.ModelSerializer):
    """An active flag as shown within its agency."""

    ruling_title = serializers.CharField(source="ruling.title", read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "ruling", "ruling_title", "severity", "timing", "explanation", "raised_at"]
        read_only_fields = fields


def _utc_iso(moment) -> str:
    """A stored (UTC) time as DRF writes it, e.g. ``2021-02-01T09:00:00Z``."""
    text = moment.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def agency_flags_representation(flags) -> list[dict]:
    """An agency's active flags, shaped as :class:`AgencyFlagSerializer` says.

    A list page embeds hundreds of flags; building their dictionaries directly instead of
    running a nested serializer per flag keeps the page about as cheap as the rows it shows.
    """
    return [
        {
            "id": flag.pk,
            "ruling": flag.ruling_id,
            "ruling_title": flag.ruling_title,
            "severity": flag.severity,
            "timing": flag.timing,
            "explanation": flag.explanation,
            "raised_at": _utc_iso(flag.raised_at),
        }
        for flag in flags
    ]


class CountryCodeField(serializers.SlugRelatedField):
    """A country written and shown as its code, which is its primary key (no query to show it)."""

    def use_pk_only_optimization(self):
        return True

    def to_representation(self, value):
        return value.pk


class AgencySerializer(serializers.ModelSerializer):
    country = CountryCodeField(
        slug_field="code",
        queryset=Country.objects.all(),
        allow_null=True,
        required=False,
        help_text="ISO 3166-1 alpha-2 code; required except for kind `international` (then null).",
        error_messages={
            "does_not_exist": "“{value}” is not a known country code (ISO 3166-1 alpha-2 in capitals, e.g. “CA”).",
            "invalid": "Give the country as its ISO 3166-1 alpha-2 code, e.g. “CA”.",
        },
    )
    subdivision = serializers.CharField(
        max_length=10,
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text="ISO 3166-2 code within the country, e.g. `CA-ON`; null if none.",
    )
    searches = serializers.IntegerField(
        min_value=0, max_value=MAX_INT, allow_null=True, required=False, help_text="Searches run, as far as the sources say."
    )
    sources = serializers.ListField(
        child=serializers.URLField(max_length=2000), required=False, help_text="URLs of the sources (http or https)."
    )
    flagged = serializers.SerializerMethodField(
        help_text="True when the agency has at least one active flag of severity `unlawful`."
    )
    flags = serializers.SerializerMethodField(help_text="The agency's active flags.")

    class Meta:
        model = Agency
        fields = [
            "id",
            "name",
            "country",
            "subdivision",
            "kind",
            "searches",
            "first_used",
            "last_used",
            "authorized",
            "paid",
            "notes",
            "sources",
            "flagged",
            "flags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "flagged", "flags", "created_at", "updated_at"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_flagged(self, agency) -> bool:
        return agency_is_flagged(agency)

    @extend_schema_field(AgencyFlagSerializer(many=True))
    def get_flags(self, agency) -> list[dict]:
        return agency_flags_representation(agency.active_flags)


class AgencyIdsField(serializers.ListField):
    """Agencies written and shown as a list of ids (one query to check them all)."""

    child = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    def to_representation(self, agencies):
        return [agency.pk for agency in agencies.all()]

    def to_internal_value(self, data):
        ids = list(dict.fromkeys(super().to_internal_value(data)))
        found = Agency.objects.in_bulk(ids)
        unknown = [str(pk) for pk in ids if pk not in found]
        if unknown:
            raise serializers.ValidationError(f"No agency has the id {', '.join(unknown)}.")
        return [found[pk] for pk in ids]


class RulingSerializer(serializers.ModelSerializer):
    regulator = serializers.PrimaryKeyRelatedField(
        queryset=Regulator.objects.all(),
        help_text="Id of the regulator that ruled.",
        error_messages={"does_not_exist": "No regulator has the id {pk_value}."},
    )
    jurisdiction = serializers.CharField(
        source="regulator.jurisdiction", read_only=True, help_text="The regulator's jurisdiction code."
    )
    agencies = AgencyIdsField(
        required=False,
        help_text="Ids of the agencies the ruling concerns: at least one for scope `agencies`, none for scope `jurisdiction`.",
    )
    fine_currency = serializers.CharField(
        max_length=3, allow_null=True, required=False, help_text="ISO 4217 code, e.g. `SEK`; given with `fine_amount`."
    )
    published_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Set by the system the first time the ruling is published."
    )

    class Meta:
        model = Ruling
        fields = [
            "id",
            "regulator",
            "jurisdiction",
            "title",
            "decided_on",
            "outcome",
            "scope",
            "agencies",
            "fine_amount",
            "fine_currency",
            "summary",
            "source_url",
            "status",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "jurisdiction", "published_at", "created_at", "updated_at"]
        extra_kwargs = {
            "fine_amount": {"min_value": 0, "help_text": "Amount of the fine, given with `fine_currency`."},
            "status": {
                "help_text": "`draft`, `published`, `overturned` or `withdrawn`. Any change, and creating a ruling "
                "in any status but `draft`, needs the *publish ruling* permission."
            },
        }

    def validate_fine_currency(self, code):
        return code or None


class FlagSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    country = serializers.CharField(
        source="agency.country_id", read_only=True, allow_null=True, help_text="The agency's country code (null if international)."
    )
    ruling_title = serializers.CharField(source="ruling.title", read_only=True)

    class Meta:
        model = Flag
        fields = [
            "id",
            "agency",
            "agency_name",
            "country",
            "ruling",
            "ruling_title",
            "severity",
            "timing",
            "explanation",
            "active",
            "raised_at",
            "cleared_at",
        ]
        read_only_fields = fields

