"""Email digests: who subscribed to what, and the ledger of what each was sent.

Delivery is exactly-once by construction: a (subscription, ruling) pair - or, for staff
digests of flags, a (subscription, flag, event, event time) quadruple - can be recorded
only once (a unique constraint), the rows are written before the email is sent, and the
digest they belong to is marked sent in the same transaction that holds its row lock while
the SMTP server accepts the message.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.models import Country
from rulings.models import Regulator, Ruling

from .flags import Flag


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not unsubscribed; staff digests also need an active staff user."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True).filter(
            Q(kind=Subscription.Kind.RULINGS) | Q(kind=Subscription.Kind.FLAGS, user__is_staff=True, user__is_active=True)
        )

    def due(self, frequency: str):
        """Active subscriptions that receive a digest at this frequency."""
        return self.active().filter(frequency=frequency)


class Subscription(models.Model):
    """One address's wish to receive a digest, confirmed by following a signed link."""

    class Kind(models.TextChoices):
        RULINGS = "rulings", "newly published rulings"
        FLAGS = "flags", "flags raised and cleared (staff)"

    class Frequency(models.TextChoices):
        DAILY = "daily", "daily"
        WEEKLY = "weekly", "weekly"

    email = models.EmailField(help_text="Stored in lower case.")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RULINGS)
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    countries = models.ManyToManyField(
        Country, blank=True, related_name="+", help_text="Only rulings whose jurisdiction lies in or covers one of these."
    )
    regulators = models.ManyToManyField(
        Regulator, blank=True, related_name="+", help_text="Only rulings of these regulators."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digest_subscriptions",
        help_text="The staff member who receives a digest of flags.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address was confirmed; digests cover what was published after it."
    )
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["email", "kind"], name="subscription_one_per_email_and_kind"),
            models.CheckConstraint(condition=Q(kind__in=["rulings", "flags"]), name="subscription_kind_valid"),
            models.CheckConstraint(condition=Q(frequency__in=["daily", "weekly"]), name="subscription_frequency_valid"),
            models.CheckConstraint(
                condition=~Q(kind="flags") | Q(user__isnull=False), name="subscription_flags_need_user"
            ),
        ]
        indexes = [models.Index(fields=["frequency", "kind"])]

    def __str__(self):
        return f"{self.email} ({self.get_kind_display()}, {self.frequency})"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Digest(models.Model):
    """One email to one subscriber: built (pending), then sent, or failed after retries."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="digests")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Bumped whenever items join the digest, so a sender that read it earlier notices.
    revision = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # New items join the pending digest, so a subscriber gets one email per run.
            models.UniqueConstraint(
                fields=["subscription"], condition=Q(status="pending"), name="digest_one_pending_per_subscription"
            ),
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "failed"]), name="digest_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="digest_sent_has_sent_at"
            ),
        ]
        indexes = [models.Index(fields=["subscription", "status"])]

    def __str__(self):
        return f"digest {self.pk} to {self.subscription.email} ({self.status})"


class RulingDelivery(models.Model):
    """The ledger: this ruling went (or is going) to this subscriber, in that digest."""

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="ruling_deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    ruling = models.ForeignKey(Ruling, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "ruling"], name="ruling_delivery_once_per_subscription"),
        ]

    def __str__(self):
        return f"ruling {self.ruling_id} to subscription {self.subscription_id}"


class FlagDelivery(models.Model):
    """The ledger of staff digests: this flag event went to this subscriber, in that digest."""

    class Event(models.TextChoices):
        RAISED = "raised", "raised"
        CLEARED = "cleared", "cleared"

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="flag_deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=8, choices=Event.choices)
    # A flag raised, cleared and raised again is a new event each time.
    event_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "flag", "event", "event_at"], name="flag_delivery_once_per_event"
            ),
            models.CheckConstraint(condition=Q(event__in=["raised", "cleared"]), name="flag_delivery_event_valid"),
        ]

    def __str__(self):
        return f"flag {self.flag_id} {self.event} to subscription {self.subscription_id}"
