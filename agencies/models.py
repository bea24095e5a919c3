import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .iso import is_assigned_country_code, validate_subdivision
from .sources import normalize_sources

country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use an ISO 3166-1 alpha-2 code, e.g. “CA”.")
bloc_code_validator = RegexValidator(r"^[A-Z]{2,8}$", "Use 2 to 8 capital letters, e.g. “EU”.")
WIKIDATA_PATTERN = r"^Q[1-9][0-9]*$"
wikidata_validator = RegexValidator(WIKIDATA_PATTERN, "Use a Wikidata item id: “Q” and a number, e.g. “Q1143866”.")


def validate_aliases(value) -> None:
    """Other names a record is known by: a list of non-empty, distinct strings."""
    if not isinstance(value, list) or not all(isinstance(alias, str) and alias.strip() for alias in value):
        raise ValidationError("Aliases must be a list of names, none of them empty.")
    if any("\x00" in alias for alias in value):
        raise ValidationError("An alias contains a NUL character.")
    if len({alias.strip().casefold() for alias in value}) != len(value):
        raise ValidationError("An alias is listed twice.")


class Country(models.Model):
    """An ISO 3166-1 country; every one is installed by migration."""

    code = models.CharField(primary_key=True, max_length=2, validators=[country_code_validator])
    name = models.CharField(max_length=120)
    notes = models.TextField(blank=True, help_text="What the sources say that fits no record, e.g. agencies only counted.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("tracker:country-detail", kwargs={"code": self.code})


class Bloc(models.Model):
    """A group of countries with a common regulator, e.g. the European Union."""

    code = models.CharField(primary_key=True, max_length=8, validators=[bloc_code_validator])
    name = models.CharField(max_length=120)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2,8}$"), name="bloc_code_shape"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        if self.code and is_assigned_country_code(self.code):
            raise ValidationError(
                {"code": f"“{self.code}” is an assigned ISO 3166-1 country code; a bloc needs a code of its own."}
            )


def membership_in_force_q(day, *, prefix: str = "") -> Q:
    """A ``Q`` for memberships in force on ``day`` (an exit date is the last day of
    membership); ``day`` may be a date or an expression, ``prefix`` a path to Membership."""
    return Q(**{f"{prefix}joined__lte": day}) & (Q(**{f"{prefix}left__isnull": True}) | Q(**{f"{prefix}left__gte": day}))


class MembershipQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date):
        """Memberships in force on ``day``."""
        return self.filter(membership_in_force_q(day))


class Membership(models.Model):
    bloc = models.ForeignKey(Bloc, on_delete=models.CASCADE, related_name="memberships")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="memberships")
    joined = models.DateField()
    left = models.DateField(null=True, blank=True, help_text="Last day of membership; empty while still a member.")

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["bloc", "joined", "country"]
        constraints = [
            models.UniqueConstraint(fields=["bloc", "country", "joined"], name="membership_unique_start"),
            models.CheckConstraint(
                condition=Q(left__isnull=True) | Q(left__gte=models.F("joined")), name="membership_left_after_joined"
            ),
        ]

    def __str__(self):
        end = self.left.isoformat() if self.left else "today"
        return f"{self.country_id} in {self.bloc_id}, {self.joined.isoformat()} – {end}"

    def clean(self):
        if self.joined and self.left and self.left < self.joined:
            raise ValidationError({"left": "The exit date cannot come before the accession date."})
        if self.bloc_id and self.country_id and self.joined:
            overlapping = Membership.objects.filter(bloc_id=self.bloc_id, country_id=self.country_id).exclude(pk=self.pk)
            overlapping = overlapping.filter(Q(left__isnull=True) | Q(left__gte=self.joined))
            if self.left:
                overlapping = overlapping.filter(joined__lte=self.left)
            if overlapping.exists():
                raise ValidationError("This membership overlaps another membership of the same country in this bloc.")


class Agency(models.Model):
    """A public body whose staff used the technology (every tracked agency did)."""

    class Kind(models.TextChoices):
        POLICE = "police", "police"
        PROSECUTOR = "prosecutor", "prosecutor"
        MINISTRY = "ministry", "ministry"
        INTELLIGENCE = "intelligence", "intelligence"
        MILITARY = "military", "military"
        UNIVERSITY = "university", "university"
        INTERNATIONAL = "international", "international organisation"
        PRIVATE = "private", "private"
        OTHER = "other", "other"

    class SearchesQualifier(models.TextChoices):
        AT_LEAST = "at_least", "at least"
        ABOUT = "about", "about"
        AT_MOST = "at_most", "at most"
        EXACT = "exact", "exactly"

    name = models.CharField(max_length=255)
    aliases = models.JSONField(
        default=list, blank=True, validators=[validate_aliases], help_text="Other names it is known by, e.g. “RCMP”."
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="agencies",
        null=True,
        blank=True,
        help_text="Required, except for international organisations (their seat goes in the notes).",
    )
    subdivision = models.CharField(
        max_length=10, null=True, blank=True, help_text="ISO 3166-2 code within the country, e.g. “CA-ON”."
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    searches = models.PositiveIntegerField(null=True, blank=True, help_text="Searches run, as far as the sources say.")
    searches_qualifier = models.CharField(
        max_length=8,
        choices=SearchesQualifier.choices,
        default=SearchesQualifier.AT_LEAST,
        help_text="How the source states the count: “more than 3,400” is at least, “nearly 120” at most.",
    )
    first_used = models.DateField(null=True, blank=True)
    last_used = models.DateField(null=True, blank=True)
    authorized = models.BooleanField(null=True, blank=True, help_text="Did leadership know of or approve the use?")
    paid = models.BooleanField(null=True, blank=True, help_text="Paid contract (yes) or free trial (no)?")
    notes = models.TextField(blank=True)
    sources = models.JSONField(
        default=list, blank=True, help_text="Sources: objects with a url, title, publisher, published_on, kind, archived_url, quote."
    )
    wikidata = models.CharField(
        max_length=20, null=True, blank=True, validators=[wikidata_validator], help_text="Wikidata item id, e.g. “Q1143866”."
    )
    last_verified_on = models.DateField(null=True, blank=True, help_text="When staff last checked the record against its sources.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "agencies"
        indexes = [
            # The default order of every list, so a page never sorts the whole table.
            models.Index(fields=["name", "id"]),
            models.Index(fields=["country", "name"]),
            models.Index(fields=["subdivision"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="international") & Q(country__isnull=True) & Q(subdivision__isnull=True))
                | (~Q(kind="international") & Q(country__isnull=False)),
                name="agency_country_unless_international",
            ),
            models.CheckConstraint(condition=Q(searches__isnull=True) | Q(searches__gte=0), name="agency_searches_non_negative"),
            models.CheckConstraint(
                condition=Q(first_used__isnull=True) | Q(last_used__isnull=True) | Q(last_used__gte=models.F("first_used")),
                name="agency_last_used_after_first",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="agency_name_not_empty"),
            models.CheckConstraint(
                condition=Q(searches_qualifier__in=["at_least", "about", "at_most", "exact"]),
                name="agency_searches_qualifier_valid",
            ),
            models.CheckConstraint(
                condition=Q(wikidata__isnull=True) | Q(wikidata__regex=WIKIDATA_PATTERN), name="agency_wikidata_shape"
            ),
            models.CheckConstraint(
                condition=Q(subdivision__isnull=True)
                | Q(subdivision__startswith=Concat(models.F("country_id"), models.Value("-"))),
                name="agency_subdivision_in_country",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:agency-detail", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        if self.subdivision == "":
            self.subdivision = None
        if self.kind == self.Kind.INTERNATIONAL:
            if self.country_id:
                errors["country"] = "An international organisation answers to no national regulator: leave the country empty and put its seat in the notes."
            if self.subdivision:
                errors["subdivision"] = "An international organisation has no subdivision."
        elif self.kind and not self.country_id:
            errors["country"] = "A country is required for every agency except international organisations."
        if self.subdivision and "subdivision" not in errors and self.subdivision != self.subdivision.upper():
            # ISO 3166-2 lookups ignore case, but coverage compares codes exactly.
            errors["subdivision"] = f"“{self.subdivision}” must be written in capitals, e.g. “CA-ON”."
        if self.subdivision and self.country_id and "subdivision" not in errors:
            try:
                validate_subdivision(self.subdivision, self.country_id)
            except ValidationError as error:
                errors["subdivision"] = error.messages
        if self.first_used and self.last_used and self.last_used < self.first_used:
            errors["last_used"] = "The last use cannot come before the first use."
        if self.wikidata == "":
            self.wikidata = None
        if self.last_verified_on and self.last_verified_on > timezone.localdate():
            errors["last_verified_on"] = "A record cannot have been verified on a day still to come."
        try:
            self.sources = normalize_sources(self.sources)
        except ValidationError as error:
            errors["sources"] = error.messages
        if errors:
            raise ValidationError(errors)
