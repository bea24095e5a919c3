from django.db import models
from django.db.models import Q

from agencies.models import Agency
from rulings.models import Ruling


class FlagQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def visible_to(self, user):
        """Flags of draft rulings are shown only to those who may see the draft."""
        if user is not None and user.has_perm("rulings.change_ruling"):
            return self.all()
        return self.exclude(ruling__status=Ruling.Status.DRAFT)


class Flag(models.Model):
    """One agency under one ruling; computed by ``tracker.rules``, never edited by hand."""

    class Severity(models.TextChoices):
        UNLAWFUL = "unlawful", "unlawful"
        ADVISORY = "advisory", "advisory"

    class Timing(models.TextChoices):
        RULED_AFTER_USE = "ruled_after_use", "ruled after use"
        USED_AFTER_RULING = "used_after_ruling", "used after ruling"

    class Basis(models.TextChoices):
        USE = "use", "a finding about the use by public bodies"
        VENDOR = "vendor", "a finding about the vendor's service"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="flags")
    ruling = models.ForeignKey(Ruling, on_delete=models.PROTECT, related_name="flags")
    severity = models.CharField(max_length=16, choices=Severity.choices)
    timing = models.CharField(max_length=20, choices=Timing.choices)
    basis = models.CharField(max_length=8, choices=Basis.choices, default=Basis.USE, help_text="The ruling's `concerns`.")
    under_appeal = models.BooleanField(default=False, help_text="The ruling stands under appeal.")
    raised_at = models.DateTimeField(help_text="When the flag last became active.")
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_reason = models.TextField(blank=True, help_text="Why the flag was cleared, e.g. the proceeding that set the ruling aside.")
    active = models.BooleanField(default=True)
    explanation = models.TextField()
    updated_at = models.DateTimeField(help_text="When the computation last wrote this row.")

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "ruling"], name="flag_one_per_agency_and_ruling"),
            models.CheckConstraint(
                condition=(Q(active=True) & Q(cleared_at__isnull=True)) | (Q(active=False) & Q(cleared_at__isnull=False)),
                name="flag_cleared_at_iff_inactive",
            ),
            models.CheckConstraint(condition=Q(severity__in=["unlawful", "advisory"]), name="flag_severity_valid"),
            models.CheckConstraint(
                condition=Q(timing__in=["ruled_after_use", "used_after_ruling"]), name="flag_timing_valid"
            ),
            models.CheckConstraint(condition=Q(basis__in=["use", "vendor"]), name="flag_basis_valid"),
        ]
        indexes = [
            models.Index(fields=["agency", "active", "severity"]),
            models.Index(fields=["ruling", "active"]),
            models.Index(fields=["updated_at"]),
            # What makes an agency flagged, small enough to scan when counting them.
            models.Index(
                fields=["agency", "ruling"], condition=Q(active=True, severity="unlawful"), name="flag_active_unlawful_idx"
            ),
        ]

    def __str__(self):
        state = "active" if self.active else "cleared"
        return f"{self.agency} under “{self.ruling}” ({self.severity}, {state})"


class PendingRecompute(models.Model):
    """A recompute that was asked for and not yet done (the outbox of flag jobs).

    Written in the same transaction as the change that asks for it, so the request is
    never lost: a task enqueued on commit is the fast path, and a periodic sweep does
    whatever is still here (broker down at commit, worker killed mid-task).
    """

    ruling = models.ForeignKey(Ruling, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Neither a ruling nor an agency: recompute everything.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ruling__isnull=True) | Q(agency__isnull=True), name="pending_recompute_one_target"
            ),
        ]

    def __str__(self):
        if self.ruling_id:
            return f"recompute ruling {self.ruling_id}"
        if self.agency_id:
            return f"recompute agency {self.agency_id}"
        return "recompute everything"
