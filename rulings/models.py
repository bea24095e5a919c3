import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agencies.jurisdictions import parse_jurisdiction
from agencies.models import Agency


def validate_jurisdiction_code(code):
    parse_jurisdiction(code)


def validate_currency_code(code):
    # pycountry matches case-insensitively; the stored code is always in capitals.
    if not code or code != code.upper() or pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(f"“{code}” is not an ISO 4217 currency code (e.g. “SEK”, “EUR”).", code="invalid_currency")


class Regulator(models.Model):
    """A body that rules on the use of the technology within its jurisdiction."""

    name = models.CharField(max_length=255)
    short_name = models.CharField(max_length=60, blank=True)
    jurisdiction = models.CharField(
        max_length=10,
        validators=[validate_jurisdiction_code],
        help_text="“CA” (a country), “DE-HH” (an ISO 3166-2 subdivision) or “EU” (a bloc).",
    )
    website = models.URLField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["jurisdiction"])]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="regulator_name_not_empty")]

    def __str__(self):
        return f"{self.short_name or self.name} ({self.jurisdiction})"


class RulingQuerySet(models.QuerySet):
    def public(self):
        """Every ruling but drafts: overturned and withdrawn ones stay on the record."""
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

    class Scope(models.TextChoices):
        JURISDICTION = "jurisdiction", "all use in the jurisdiction"
        AGENCIES = "agencies", "the listed agencies"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"
        OVERTURNED = "overturned", "overturned"
        WITHDRAWN = "withdrawn", "withdrawn"

    # A draft was never in force, so it cannot be overturned or withdrawn.
    FORBIDDEN_TRANSITIONS = {
        (Status.DRAFT, Status.OVERTURNED),
        (Status.DRAFT, Status.WITHDRAWN),
    }

    regulator = models.ForeignKey(Regulator, on_delete=models.PROTECT, related_name="rulings")
    title = models.CharField(max_length=300)
    decided_on = models.DateField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    agencies = models.ManyToManyField(
        Agency, blank=True, related_name="rulings", help_text="For scope “the listed agencies” only."
    )
    fine_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fine_currency = models.CharField(
        max_length=3, null=True, blank=True, validators=[validate_currency_code], help_text="ISO 4217, e.g. “SEK”."
    )
    summary = models.TextField(blank=True)
    source_url = models.URLField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set the first time the ruling is published."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
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
            models.CheckConstraint(
                condition=(Q(fine_amount__isnull=True) & Q(fine_currency__isnull=True))
                | (Q(fine_amount__isnull=False) & Q(fine_currency__isnull=False)),
                name="ruling_fine_amount_and_currency_together",
            ),
            models.CheckConstraint(condition=Q(fine_amount__isnull=True) | Q(fine_amount__gte=0), name="ruling_fine_non_negative"),
            models.CheckConstraint(
                condition=Q(fine_currency__isnull=True) | Q(fine_currency__regex=r"^[A-Z]{3}$"), name="ruling_fine_currency_shape"
            ),
            models.CheckConstraint(condition=Q(outcome__in=["unlawful", "likely_unlawful", "lawful", "no_finding"]), name="ruling_outcome_valid"),
            models.CheckConstraint(condition=Q(scope__in=["jurisdiction", "agencies"]), name="ruling_scope_valid"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published", "overturned", "withdrawn"]), name="ruling_status_valid"),
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
            # Published for the first time, or created already in force (a publisher may
            # record a ruling that is overturned or withdrawn): it is on the record from now.
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
    def flags_agencies(self) -> bool:
        return self.outcome in (self.Outcome.UNLAWFUL, self.Outcome.LIKELY_UNLAWFUL)

    @classmethod
    def transition_allowed(cls, old: str, new: str) -> bool:
        return (old, new) not in cls.FORBIDDEN_TRANSITIONS

    def clean(self):
        errors = {}
        if (self.fine_amount is None) != (self.fine_currency in (None, "")):
            errors["fine_currency" if self.fine_amount is not None else "fine_amount"] = (
                "Give the fine's amount and its currency together, or neither."
            )
        if self.fine_currency == "":
            self.fine_currency = None
        if self.fine_amount is not None and self.fine_amount < 0:
            errors["fine_amount"] = "A fine cannot be negative."
        if self.pk and self.status:
            old = Ruling.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if old and not self.transition_allowed(old, self.status):
                errors["status"] = f"A draft was never in force, so it cannot become “{self.status}”; publish it first."
        if errors:
            raise ValidationError(errors)
