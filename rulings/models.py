import datetime

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agencies.jurisdictions import parse_jurisdiction
from agencies.models import WIKIDATA_PATTERN, Agency, validate_aliases, wikidata_validator
from agencies.sources import normalize_sources

from .dates import Precision, period_end, period_start
from .standing import Effect, standing_on

ECLI_PATTERN = r"^ECLI:[A-Z]{2}:[A-Z0-9.]{1,7}:[0-9]{4}:[A-Za-z0-9.]{1,25}$"
ecli_validator = RegexValidator(
    ECLI_PATTERN, "Use the European Case Law Identifier format, e.g. “ECLI:NL:HR:2023:1234” (ECLI:country:court:year:number)."
)
# A fine's amount needs its currency and the reverse.
FINE_TOGETHER = (Q(fine_amount__isnull=True) & Q(fine_currency__isnull=True)) | (
    Q(fine_amount__isnull=False) & Q(fine_currency__isnull=False)
)


def validate_jurisdiction_code(code):
    parse_jurisdiction(code)


def validate_currency_code(code):
    # pycountry matches case-insensitively; the stored code is always in capitals.
    if not code or code != code.upper() or pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(f"“{code}” is not an ISO 4217 currency code (e.g. “SEK”, “EUR”).", code="invalid_currency")


def normalize_currency(record) -> None:
    """A currency code in any letter case is stored in capitals (before field validation)."""
    if isinstance(record.fine_currency, str):
        record.fine_currency = record.fine_currency.strip().upper() or None


def clean_decision_fields(record, errors: dict, *, today: datetime.date) -> None:
    """What rulings and proceedings check alike: the decision date (stored as the first day
    of its period, never in the future), the fine, the ECLI and the sources."""
    if record.decided_on and record.decided_on_precision in Precision.values:
        record.decided_on = period_start(record.decided_on, record.decided_on_precision)
        if record.decided_on > today:
            errors["decided_on"] = f"A decision date cannot lie in the future ({record.decided_on.isoformat()} is after today)."
    normalize_currency(record)
    if record.fine_amount is not None and record.fine_currency is None:
        errors["fine_currency"] = "A fine needs its currency (an ISO 4217 code, e.g. “SEK”)."
    elif record.fine_amount is None and record.fine_currency is not None:
        errors["fine_amount"] = "A currency was given without an amount; give the fine's amount too, or neither."
    if record.fine_amount is not None and record.fine_amount < 0:
        errors["fine_amount"] = "A fine cannot be negative."
    if record.ecli == "":
        record.ecli = None
    try:
        record.sources = normalize_sources(record.sources, required=True)
    except ValidationError as error:
        errors["sources"] = error.messages


class Regulator(models.Model):
    """A body that rules on the use of the technology within its jurisdiction."""

    name = models.CharField(max_length=255)
    short_name = models.CharField(max_length=60, blank=True)
    aliases = models.JSONField(
        default=list, blank=True, validators=[validate_aliases], help_text="Other names it is known by, e.g. “IMY”."
    )
    jurisdiction = models.CharField(
        max_length=10,
        validators=[validate_jurisdiction_code],
        help_text="“CA” (a country), “DE-HH” (an ISO 3166-2 subdivision) or “EU” (a bloc).",
    )
    website = models.URLField(blank=True)
    wikidata = models.CharField(
        max_length=20, null=True, blank=True, validators=[wikidata_validator], help_text="Wikidata item id, e.g. “Q1143866”."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["jurisdiction"])]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="regulator_name_not_empty"),
            models.CheckConstraint(
                condition=Q(wikidata__isnull=True) | Q(wikidata__regex=WIKIDATA_PATTERN), name="regulator_wikidata_shape"
            ),
        ]

    def __str__(self):
        return f"{self.short_name or self.name} ({self.jurisdiction})"

    def clean(self):
        if self.wikidata == "":
            self.wikidata = None


class RulingQuerySet(models.QuerySet):
    def public(self):
        """Every ruling but drafts: withdrawn ones stay on the record."""
        return self.exclude(status=Ruling.Status.DRAFT)

    def visible_to(self, user):
        """Drafts are shown only to those who may change rulings."""
        if user is not None and user.has_perm("rulings.change_ruling"):
            return self.all()
        return self.public()


class Ruling(models.Model):
    class Outcome(models.TextChoices):
        UNLAWFUL = "unlawful", "unlawful"
        LIKELY_UNLAWFUL = "likely_unlawful", "likely unlawful"
        LAWFUL = "lawful", "lawful"
        NO_FINDING = "no_finding", "no finding"

    class Concerns(models.TextChoices):
        USE = "use", "the use of the technology by public bodies"
        VENDOR = "vendor", "the vendor's own practices"

    class Scope(models.TextChoices):
        JURISDICTION = "jurisdiction", "all use in the jurisdiction"
        AGENCIES = "agencies", "the listed agencies"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"
        WITHDRAWN = "withdrawn", "withdrawn"

    # A draft was never in force, so it cannot be withdrawn by its regulator.
    FORBIDDEN_TRANSITIONS = {(Status.DRAFT, Status.WITHDRAWN)}

    regulator = models.ForeignKey(Regulator, on_delete=models.PROTECT, related_name="rulings")
    title = models.CharField(max_length=300)
    decided_on = models.DateField(help_text="The first day of the period when the precision is a month or a year.")
    decided_on_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    announced_on = models.DateField(null=True, blank=True, help_text="When it was made public, if not the same day.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    concerns = models.CharField(
        max_length=8,
        choices=Concerns.choices,
        default=Concerns.USE,
        help_text="What the finding is about: the vendor's own practices, or the use by public bodies.",
    )
    scope = models.CharField(max_length=16, choices=Scope.choices)
    agencies = models.ManyToManyField(
        Agency, blank=True, related_name="rulings", help_text="For scope “the listed agencies” only."
    )
    case_reference = models.CharField(max_length=120, blank=True, help_text="The body's own reference, e.g. “SAN-2022-019”.")
    ecli = models.CharField(
        max_length=80, null=True, blank=True, validators=[ecli_validator], help_text="European Case Law Identifier, where one exists."
    )
    fine_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fine_currency = models.CharField(
        max_length=3,
        null=True,
        blank=True,
        validators=[validate_currency_code],
        help_text="ISO 4217, in the currency the decision states, e.g. “SEK”.",
    )
    fine_notes = models.TextField(blank=True, help_text="What an amount cannot say: a daily penalty, a later liquidation.")
    summary = models.TextField(blank=True)
    sources = models.JSONField(
        default=list, help_text="At least one: objects with a url, title, publisher, published_on, kind, archived_url, quote."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set the first time the ruling is published."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_verified_on = models.DateField(null=True, blank=True, help_text="When staff last checked the record against its sources.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RulingQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[agencies], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-decided_on", "-id"]
        permissions = [("publish_ruling", "Can publish ruling (change its status)")]
        indexes = [
            models.Index(fields=["status", "decided_on"]),
            models.Index(fields=["published_at"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=FINE_TOGETHER, name="ruling_fine_amount_and_currency_together"),
            models.CheckConstraint(condition=Q(fine_amount__isnull=True) | Q(fine_amount__gte=0), name="ruling_fine_non_negative"),
            models.CheckConstraint(
                condition=Q(fine_currency__isnull=True) | Q(fine_currency__regex=r"^[A-Z]{3}$"), name="ruling_fine_currency_shape"
            ),
            models.CheckConstraint(condition=Q(outcome__in=["unlawful", "likely_unlawful", "lawful", "no_finding"]), name="ruling_outcome_valid"),
            models.CheckConstraint(condition=Q(scope__in=["jurisdiction", "agencies"]), name="ruling_scope_valid"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published", "withdrawn"]), name="ruling_status_valid"),
            models.CheckConstraint(condition=Q(concerns__in=["use", "vendor"]), name="ruling_concerns_valid"),
            models.CheckConstraint(
                condition=Q(decided_on_precision__in=["day", "month", "year"]), name="ruling_decided_on_precision_valid"
            ),
            # A finding about the vendor's own practices covers its whole jurisdiction.
            models.CheckConstraint(condition=~Q(concerns="vendor") | Q(scope="jurisdiction"), name="ruling_vendor_scope_jurisdiction"),
            models.CheckConstraint(condition=Q(ecli__isnull=True) | Q(ecli__regex=ECLI_PATTERN), name="ruling_ecli_shape"),
            models.CheckConstraint(
                condition=Q(announced_on__isnull=True) | Q(announced_on__gte=models.F("decided_on")),
                name="ruling_announced_after_decided",
            ),
            # Anything but a draft has been published at some point.
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="ruling_published_at_once_in_force"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="ruling_title_not_empty"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        old_status = None
        if self.pk is not None:
            old_status = Ruling.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if old_status != self.status:
            self.status_changed_at = timezone.now()
            # Published for the first time, or created already withdrawn by a publisher:
            # it is on the record from now.
            created_in_force = old_status is None and self.status != self.Status.DRAFT
            if self.published_at is None and (self.status == self.Status.PUBLISHED or created_in_force):
                self.published_at = self.status_changed_at
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "status_changed_at", "published_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("tracker:ruling-detail", kwargs={"pk": self.pk})

    def validate_constraints(self, exclude=None):
        # published_at is the system's to set, in save(); validating it before then would
        # reject every first publication. The database still enforces the constraint.
        super().validate_constraints(exclude={*(exclude or ()), "published_at"})

    @property
    def source_url(self) -> str | None:
        """The first source's URL (the API's read-only shorthand)."""
        return self.sources[0]["url"] if self.sources and isinstance(self.sources[0], dict) else None

    @property
    def decided_period_end(self) -> datetime.date:
        return period_end(self.decided_on, self.decided_on_precision)

    def standing_on(self, day: datetime.date | None = None):
        """The :class:`~rulings.standing.StandingResult` on ``day`` (today by default).

        Reads ``self.proceedings``; prefetch them when doing this for many rulings.
        """
        day = day or timezone.localdate()
        return standing_on(status=self.status, proceedings=self.proceedings.all(), day=day)

    @property
    def standing(self) -> str:
        return self.standing_on().standing

    def clean_fields(self, exclude=None):
        normalize_currency(self)
        super().clean_fields(exclude=exclude)

    @classmethod
    def transition_allowed(cls, old: str, new: str) -> bool:
        return (old, new) not in cls.FORBIDDEN_TRANSITIONS

    def clean(self):
        errors = {}
        clean_decision_fields(self, errors, today=timezone.localdate())
        if self.concerns == self.Concerns.VENDOR and self.scope == self.Scope.AGENCIES:
            errors["scope"] = (
                "A finding about the vendor's own practices covers its whole jurisdiction: choose the scope "
                "“all use in the jurisdiction”, or the concerns “use” for a finding about the listed agencies' use."
            )
        if self.announced_on and self.decided_on and self.announced_on < self.decided_on:
            errors["announced_on"] = "A ruling cannot be made public before it was decided."
        if self.announced_on and self.announced_on > timezone.localdate():
            errors["announced_on"] = "The announcement date cannot lie in the future."
        if self.last_verified_on and self.last_verified_on > timezone.localdate():
            errors["last_verified_on"] = "A record cannot have been verified on a day still to come."
        if self.pk and self.decided_on and "decided_on" not in errors:
            earlier = [
                p for p in self.proceedings.all() if period_end(p.decided_on, p.decided_on_precision) < self.decided_on
            ]
            if earlier:
                errors["decided_on"] = (
                    f"{len(earlier)} of its proceedings would come before this date (the first: {earlier[0]}); "
                    "a proceeding cannot precede its ruling."
                )
        if errors:
            raise ValidationError(errors)


class ProceedingQuerySet(models.QuerySet):
    def public(self):
        """Published proceedings of rulings that are not drafts."""
        return self.filter(status=Proceeding.Status.PUBLISHED).exclude(ruling__status=Ruling.Status.DRAFT)

    def visible_to(self, user):
        """Drafts (and the proceedings of draft rulings) only for those who may change rulings."""
        if user is not None and user.has_perm("rulings.change_ruling"):
            return self.all()
        return self.public()


class Proceeding(models.Model):
    """What happened to a ruling after it was decided: an appeal, a review, its outcome."""

    Effect = Effect

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"

    ruling = models.ForeignKey(Ruling, on_delete=models.CASCADE, related_name="proceedings")
    body = models.CharField(
        max_length=255, help_text="The court, tribunal or the regulator itself, e.g. “First-tier Tribunal (General Regulatory Chamber)”."
    )
    decided_on = models.DateField(help_text="The first day of the period when the precision is a month or a year.")
    decided_on_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    effect = models.CharField(max_length=12, choices=Effect.choices)
    case_reference = models.CharField(max_length=120, blank=True, help_text="The body's own reference, e.g. “[2023] UKFTT 819 (GRC)”.")
    ecli = models.CharField(
        max_length=80, null=True, blank=True, validators=[ecli_validator], help_text="European Case Law Identifier, where one exists."
    )
    fine_amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="The fine as varied (effect “varied” only)."
    )
    fine_currency = models.CharField(max_length=3, null=True, blank=True, validators=[validate_currency_code])
    summary = models.TextField(blank=True)
    sources = models.JSONField(
        default=list, help_text="At least one: objects with a url, title, publisher, published_on, kind, archived_url, quote."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProceedingQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["decided_on", "id"]
        indexes = [models.Index(fields=["ruling", "status", "decided_on"]), models.Index(fields=["updated_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(effect__in=[choice.value for choice in Effect]), name="proceeding_effect_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="proceeding_status_valid"),
            models.CheckConstraint(
                condition=Q(decided_on_precision__in=["day", "month", "year"]), name="proceeding_decided_on_precision_valid"
            ),
            models.CheckConstraint(condition=FINE_TOGETHER, name="proceeding_fine_amount_and_currency_together"),
            models.CheckConstraint(
                condition=Q(fine_amount__isnull=True) | (Q(effect="varied") & Q(fine_amount__gte=0)),
                name="proceeding_fine_only_when_varied",
            ),
            models.CheckConstraint(
                condition=Q(fine_currency__isnull=True) | Q(fine_currency__regex=r"^[A-Z]{3}$"),
                name="proceeding_fine_currency_shape",
            ),
            models.CheckConstraint(condition=Q(ecli__isnull=True) | Q(ecli__regex=ECLI_PATTERN), name="proceeding_ecli_shape"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="proceeding_published_at_once_published"
            ),
            models.CheckConstraint(condition=~Q(body=""), name="proceeding_body_not_empty"),
        ]

    def __str__(self):
        return f"{self.body}, {self.decided_on.isoformat() if self.decided_on else '?'}: {self.get_effect_display()}"

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "published_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.ruling.get_absolute_url()}#proceeding-{self.pk}"

    def validate_constraints(self, exclude=None):
        super().validate_constraints(exclude={*(exclude or ()), "published_at"})

    def clean_fields(self, exclude=None):
        normalize_currency(self)
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors = {}
        clean_decision_fields(self, errors, today=timezone.localdate())
        if self.fine_amount is not None and self.effect != Effect.VARIED:
            errors["fine_amount"] = "Only a proceeding that varied the ruling sets a fine; leave it empty for this effect."
        ruling = self.ruling if self.ruling_id else None
        if ruling is not None and self.decided_on and "decided_on" not in errors:
            if period_end(self.decided_on, self.decided_on_precision) < ruling.decided_on:
                errors["decided_on"] = (
                    f"A proceeding cannot come before its ruling, decided on {ruling.decided_on.isoformat()}."
                )
        if errors:
            raise ValidationError(errors)
