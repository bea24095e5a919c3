"""JSON shapes of the API: references by id, countries and jurisdictions by code."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.jurisdictions import Level, level_of, parse_jurisdiction
from agencies.models import Agency, Bloc, Country, Membership, wikidata_validator
from agencies.sources import (
    QUOTE_MAX_LENGTH,
    SOURCE_KEYS,
    TEXT_MAX_LENGTH,
    URL_MAX_LENGTH,
    SourceKind,
    normalize_source,
    normalize_sources,
)
from rulings.models import Proceeding, Regulator, Ruling, ecli_validator, validate_currency_code
from rulings.standing import Standing
from tracker.models import Flag
from tracker.selectors import AgencyStatus, agency_flag_status, agency_is_flagged, ruling_ids_visible_to

# Largest value of a PostgreSQL integer column (searches).
MAX_INT = 2147483647


# Documents the items of ``sources`` as they are shown; what a write accepts is written
# out in tracker.api.schema (SOURCE_REQUEST_SCHEMA). Its docstring is the schema's text.
class SourceSerializer(serializers.Serializer):
    """A source, the document behind a statement: every key is present, null where not stated."""

    url = serializers.URLField(max_length=URL_MAX_LENGTH, help_text="The document: an http or https URL.")
    title = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_null=True)
    publisher = serializers.CharField(max_length=TEXT_MAX_LENGTH, allow_null=True)
    published_on = serializers.DateField(allow_null=True)
    kind = serializers.ChoiceField(
        choices=SourceKind.choices,
        allow_null=True,
        help_text="`primary`: the regulator's, court's or agency's own document; `secondary`: reporting about it; "
        "null when not stated.",
    )
    archived_url = serializers.URLField(max_length=URL_MAX_LENGTH, allow_null=True, help_text="An archived copy.")
    quote = serializers.CharField(
        max_length=QUOTE_MAX_LENGTH, allow_null=True, help_text="The passage that supports the record."
    )


def source_representation(source) -> dict:
    """A stored source with every key, in the documented order (a bare URL left over from
    before sources were objects reads as ``{"url": …}``)."""
    if not isinstance(source, dict):
        source = {"url": source}
    return {key: source.get(key) for key in SOURCE_KEYS}


class SourcesField(serializers.Field):
    """A list of sources: objects (see :class:`SourceSerializer`), or on write bare URLs,
    each standing for ``{"url": …}``. Checked by form only (nothing is fetched); a bad item
    is an error naming it."""

    default_error_messages = {"not_a_list": "Give a list of sources: URLs or objects with at least a “url”."}

    def __init__(self, *, at_least_one: bool = False, **kwargs):
        self.at_least_one = at_least_one
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        try:
            return normalize_sources(data, required=self.at_least_one)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def to_representation(self, value):
        return [source_representation(source) for source in value or ()]


class AliasesField(serializers.ListField):
    """Other names a record is known by (searched like its name)."""

    child = serializers.CharField(max_length=255)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Other names it is known by, e.g. `RCMP`.")
        super().__init__(**kwargs)


def wikidata_field() -> serializers.CharField:
    # Whitespace is not trimmed: the id is matched exactly, as its pattern says.
    return serializers.CharField(
        max_length=20,
        allow_null=True,
        required=False,
        trim_whitespace=False,
        validators=[wikidata_validator],
        help_text="Wikidata item id, e.g. `Q1143866`; null if none.",
        error_messages={"blank": "Give a Wikidata item id (e.g. “Q1143866”), or null."},
    )


def ecli_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=80,
        allow_null=True,
        required=False,
        trim_whitespace=False,
        validators=[ecli_validator],
        help_text="European Case Law Identifier, where one exists: `ECLI:` country `:` court `:` year `:` number.",
        error_messages={"blank": "Give the European Case Law Identifier (e.g. “ECLI:NL:HR:2023:1234”), or null."},
    )


class FineCurrencyField(serializers.CharField):
    """An ISO 4217 code in any letter case, stored and shown in capitals. A code that is not
    one is refused in those words, whatever its length (a missing amount is another error,
    the service's)."""

    default_error_messages = {"blank": "Give the fine's ISO 4217 currency code (e.g. “SEK”), or null."}

    def __init__(self, **kwargs):
        kwargs.update(max_length=3, allow_null=True, required=False, trim_whitespace=False)
        kwargs.setdefault("help_text", "ISO 4217 code, in any letter case (stored in capitals), e.g. `SEK`; given with `fine_amount`.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).upper()
        try:
            validate_currency_code(code)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return code


class ChoiceWithRetiredValuesField(serializers.ChoiceField):
    """A choice field that explains, for a value that is no longer offered, what replaced it."""

    def __init__(self, *, retired: dict[str, str], **kwargs):
        self.retired = retired
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and data in self.retired:
            raise serializers.ValidationError(self.retired[data])
        return super().to_internal_value(data)


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
    aliases = AliasesField(help_text="Other names it is known by, e.g. `IMY`.")
    wikidata = wikidata_field()

    class Meta:
        model = Regulator
        fields = ["id", "name", "short_name", "aliases", "jurisdiction", "jurisdiction_level", "website", "wikidata"]

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
        fields = ["id", "ruling", "ruling_title", "severity", "basis", "timing", "under_appeal", "explanation", "raised_at"]
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
            "basis": flag.basis,
            "timing": flag.timing,
            "under_appeal": flag.under_appeal,
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
    aliases = AliasesField()
    sources = SourcesField(
        required=False, help_text="The sources: objects, or on write bare URLs (each standing for `{\"url\": …}`)."
    )
    wikidata = wikidata_field()
    flagged = serializers.SerializerMethodField(
        help_text="True when the agency has at least one active flag of severity `unlawful`."
    )
    status = serializers.SerializerMethodField(
        help_text="`flagged`: an active flag of severity `unlawful`; `advisory`: active advisory flags only; "
        "`none`: no active flag."
    )
    flags = serializers.SerializerMethodField(help_text="The agency's active flags.")

    class Meta:
        model = Agency
        fields = [
            "id",
            "name",
            "aliases",
            "country",
            "subdivision",
            "kind",
            "searches",
            "searches_qualifier",
            "first_used",
            "last_used",
            "authorized",
            "paid",
            "notes",
            "sources",
            "wikidata",
            "last_verified_on",
            "flagged",
            "status",
            "flags",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "flagged", "status", "flags", "created_at", "updated_at"]
        extra_kwargs = {
            "searches_qualifier": {
                "help_text": "How the source stated the count: `at_least` (“more than 3,400”; the default), `about`, "
                "`at_most` (“nearly 120”) or `exact`."
            },
            "last_verified_on": {"help_text": "When staff last checked the record against its sources."},
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_flagged(self, agency) -> bool:
        return agency_is_flagged(agency)

    @extend_schema_field(serializers.ChoiceField(choices=AgencyStatus.choices))
    def get_status(self, agency) -> str:
        return agency_flag_status(agency.active_flags)

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


class VisibleRulingField(serializers.PrimaryKeyRelatedField):
    """A ruling by id, among those the requesting user may see (a draft is unknown to others)."""

    default_error_messages = {
        "does_not_exist": "No ruling has the id {pk_value}.",
        "incorrect_type": "Give the ruling's id, a whole number.",
    }

    def get_queryset(self):
        request = self.context.get("request")
        user = request.user if request is not None and request.user.is_authenticated else None
        return ruling_ids_visible_to(user=user)


class ProceedingSerializer(serializers.ModelSerializer):
    """A proceeding: what happened to a ruling after it was decided (an appeal, its outcome)."""

    ruling = VisibleRulingField(help_text="Id of the ruling the proceeding is about; it cannot change later.")
    ecli = ecli_field()
    fine_currency = FineCurrencyField(help_text="ISO 4217 code of a varied fine, in any letter case; given with `fine_amount`.")
    sources = SourcesField(
        at_least_one=True,
        help_text="At least one source: objects, or on write bare URLs (each standing for `{\"url\": …}`).",
    )
    published_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Set by the system the first time the proceeding is published."
    )

    class Meta:
        model = Proceeding
        fields = [
            "id",
            "ruling",
            "body",
            "decided_on",
            "decided_on_precision",
            "effect",
            "case_reference",
            "ecli",
            "fine_amount",
            "fine_currency",
            "summary",
            "sources",
            "status",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "published_at", "created_at", "updated_at"]
        extra_kwargs = {
            "body": {"help_text": "The deciding body's name, e.g. “First-tier Tribunal (General Regulatory Chamber)”."},
            "decided_on": {
                "help_text": "The decision date, on or after the ruling's and never in the future; with a `month` or "
                "`year` precision, the first day of the period is stored."
            },
            "effect": {
                "help_text": "`appealed` (an appeal or review lodged), `upheld`, `varied` (upheld with a changed fine "
                "or order), `overturned` (set aside), `restored` (an overturning set aside: the ruling stands), "
                "`remitted` (an overturning set aside and the case sent back: the ruling stands, under appeal)."
            },
            "fine_amount": {"min_value": 0, "help_text": "The fine as varied (effect `varied` only), with `fine_currency`."},
            "status": {
                "help_text": "`draft` or `published`. Publishing, and any edit of a published proceeding, needs the "
                "*publish ruling* permission."
            },
        }

    def validate_ruling(self, ruling):
        if self.instance is not None and ruling.pk != self.instance.ruling_id:
            raise serializers.ValidationError(
                "A proceeding stays with the ruling it was recorded on; record a new proceeding on the other ruling."
            )
        return ruling


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
    ecli = ecli_field()
    fine_currency = FineCurrencyField()
    sources = SourcesField(
        at_least_one=True,
        required=False,
        help_text="At least one source: objects, or on write bare URLs (each standing for `{\"url\": …}`). "
        "Required when a ruling is created, unless `source_url` is given instead.",
    )
    source_url = serializers.URLField(
        max_length=URL_MAX_LENGTH,
        required=False,
        help_text="The first source's URL. On write, a shorthand when `sources` is not given: the first source "
        "becomes `{\"url\": …}` (on a new ruling, the only one).",
    )
    status = ChoiceWithRetiredValuesField(
        choices=Ruling.Status.choices,
        required=False,
        retired={
            "overturned": "“overturned” is no longer a status. Record the decision that set the ruling aside as a "
            "proceeding with the effect “overturned” (POST /api/v1/proceedings/); the ruling's `standing` follows.",
        },
        help_text="`draft`, `published` or `withdrawn` (retracted by its regulator). Any change, and creating a "
        "ruling in any status but `draft`, needs the *publish ruling* permission.",
    )
    standing = serializers.SerializerMethodField(
        help_text="Computed today from the status and the published proceedings: `draft`, `in_force`, "
        "`under_appeal`, `overturned` or `withdrawn`."
    )
    proceedings = ProceedingSerializer(
        many=True, read_only=True, help_text="The proceedings on the ruling that you may see, oldest first."
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
            "decided_on_precision",
            "announced_on",
            "outcome",
            "concerns",
            "scope",
            "agencies",
            "case_reference",
            "ecli",
            "fine_amount",
            "fine_currency",
            "fine_notes",
            "summary",
            "sources",
            "source_url",
            "status",
            "standing",
            "proceedings",
            "published_at",
            "last_verified_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "jurisdiction", "standing", "proceedings", "published_at", "created_at", "updated_at"]
        extra_kwargs = {
            "decided_on": {
                "help_text": "The decision date, never in the future; with a `month` or `year` precision, the first "
                "day of the period is stored."
            },
            "decided_on_precision": {"help_text": "How precisely the decision date is known: `day` (default), `month` or `year`."},
            "announced_on": {"help_text": "When the ruling was made public, if not the day it was decided."},
            "concerns": {
                "help_text": "What the finding is about: `use` (the use by public bodies; the default) or `vendor` "
                "(the vendor's own practices; needs scope `jurisdiction`)."
            },
            "case_reference": {"help_text": "The body's own reference, e.g. `SAN-2022-019`."},
            "fine_amount": {"min_value": 0, "help_text": "Amount of the fine in the currency the decision states, with `fine_currency`."},
            "fine_notes": {"help_text": "What an amount cannot say: a daily penalty, a later liquidation."},
            "last_verified_on": {"help_text": "When staff last checked the record against its sources."},
        }

    @extend_schema_field(serializers.ChoiceField(choices=Standing.choices))
    def get_standing(self, ruling) -> str:
        # Reads the proceedings prefetched with the ruling (see selectors.rulings_visible_to).
        return ruling.standing_on(timezone.localdate()).standing

    def validate_source_url(self, url):
        try:
            return normalize_source(url)["url"]
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate(self, attrs):
        """``source_url``, the shorthand kept from before sources were objects, becomes the
        first source: the only one of a new ruling; on a change, it replaces the first
        source and the others stay. Given with ``sources``, it must be their first URL."""
        url = attrs.pop("source_url", None)
        if url is None:
            return attrs
        if "sources" in attrs:
            if attrs["sources"][0]["url"] != url:
                raise serializers.ValidationError(
                    {
                        "source_url": "Give the sources either as `sources` or as the shorthand `source_url`, not both "
                        "(or give the first source's URL)."
                    }
                )
            return attrs
        current = [source_representation(source) for source in (self.instance.sources if self.instance else [])]
        if not current or current[0]["url"] != url:
            current[:1] = [normalize_source(url)]
        attrs["sources"] = current
        return attrs


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
            "basis",
            "timing",
            "under_appeal",
            "explanation",
            "active",
            "raised_at",
            "cleared_at",
            "cleared_reason",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "basis": {"help_text": "The ruling's `concerns`: `use` (a finding about the use by public bodies) or "
                      "`vendor` (about the vendor's service where the agency used it)."},
            "under_appeal": {"help_text": "True while the ruling stands under appeal."},
            "cleared_reason": {"help_text": "Why a cleared flag was cleared, e.g. the decision that overturned the ruling."},
        }

