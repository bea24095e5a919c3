"""Writes to regulators and rulings. Every caller (admin, API, seed loader) goes through here."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from agencies.jurisdictions import covered_agencies_q, level_of
from agencies.models import Agency

from .models import Proceeding, Regulator, Ruling

PUBLISH_PERMISSION = "rulings.publish_ruling"


class SystemActor:
    """The system itself as the author of a write: the seed loader and management commands act as it.

    It holds every permission, but it is no account: nobody can log in as it, and history
    records its changes with no user.
    """

    pk = None

    def has_perm(self, perm, obj=None) -> bool:
        return True

    def __str__(self):
        return "system"


SYSTEM = SystemActor()


def can_publish(user) -> bool:
    return user is not None and user.has_perm(PUBLISH_PERMISSION)


def ruling_agencies_errors(
    *, regulator: Regulator, decided_on, scope: str, agencies: Iterable[Agency]
) -> dict[str, str]:
    """Errors, by field, in a ruling's list of agencies (empty when the list is right).

    A jurisdiction-wide ruling lists no agencies; one about agencies lists at least one,
    and each must lie within the regulator's jurisdiction on the ruling's date.
    """
    agencies = list(agencies)
    if scope == Ruling.Scope.JURISDICTION:
        if agencies:
            return {"agencies": "A ruling about all use in the jurisdiction lists no agencies; choose the scope “the listed agencies” or remove them."}
        return {}
    if not agencies:
        return {"agencies": "A ruling about the listed agencies needs at least one agency."}
    if regulator is None or decided_on is None:
        return {}
    ids = [agency.pk for agency in agencies]
    covered = set(
        Agency.objects.filter(pk__in=ids).filter(covered_agencies_q(regulator.jurisdiction, decided_on)).values_list("pk", flat=True)
    )
    outside = [agency for agency in agencies if agency.pk not in covered]
    if outside:
        names = ", ".join(f"{agency.name} (id {agency.pk})" for agency in outside)
        where = {
            "national": f"the country {regulator.jurisdiction}",
            "subnational": f"the subdivision {regulator.jurisdiction}",
            "supranational": f"the members of {regulator.jurisdiction} on {decided_on.isoformat()}",
        }[level_of(regulator.jurisdiction)]
        return {"agencies": f"Outside {regulator}'s jurisdiction ({where}): {names}."}
    return {}


def _check_status_permission(*, user, old_status: str | None, new_status: str) -> None:
    """Without *publish ruling* a user creates and edits drafts only."""
    if can_publish(user):
        return
    if old_status not in (None, Ruling.Status.DRAFT):
        raise PermissionDenied("Only a user with the “publish ruling” permission may edit a ruling that is not a draft.")
    if new_status != Ruling.Status.DRAFT:
        raise PermissionDenied("Changing a ruling's status needs the “publish ruling” permission.")


def _check_transition(old_status: str | None, new_status: str) -> None:
    if old_status is not None and not Ruling.transition_allowed(old_status, new_status):
        raise ValidationError(
            {"status": f"A draft was never in force, so it cannot become “{new_status}”; publish it first."}
        )


@transaction.atomic
def ruling_create(*, user, agencies: Iterable[Agency] = (), **fields) -> Ruling:
    """Create a ruling with its agencies; only a publisher may create one that is not a draft."""
    agencies = list(agencies)
    ruling = Ruling(**fields)
    _check_status_permission(user=user, old_status=None, new_status=ruling.status)
    ruling.full_clean()
    errors = ruling_agencies_errors(
        regulator=ruling.regulator, decided_on=ruling.decided_on, scope=ruling.scope, agencies=agencies
    )
    if errors:
        raise ValidationError(errors)
    ruling.save()
    ruling.agencies.set(agencies)
    return ruling


@transaction.atomic
def ruling_update(*, ruling: Ruling, user, agencies: Iterable[Agency] | None = None, **fields) -> Ruling:
    """Change a ruling's fields (and its agencies when given), status included.

    A status change needs the *publish ruling* permission and never takes a draft straight
    to withdrawn.
    """
    # Locked, so a proceeding cannot be added before a date this edit moves.
    old_status = Ruling.objects.select_for_update().filter(pk=ruling.pk).values_list("status", flat=True).get()
    for name, value in fields.items():
        setattr(ruling, name, value)
    _check_status_permission(user=user, old_status=old_status, new_status=ruling.status)
    _check_transition(old_status, ruling.status)
    ruling.full_clean()
    agencies = list(ruling.agencies.all()) if agencies is None else list(agencies)
    errors = ruling_agencies_errors(
        regulator=ruling.regulator, decided_on=ruling.decided_on, scope=ruling.scope, agencies=agencies
    )
    if errors:
        raise ValidationError(errors)
    ruling.save()
    if {agency.pk for agency in agencies} != set(ruling.agencies.values_list("pk", flat=True)):
        ruling.agencies.set(agencies)
    return ruling


def ruling_change_status(*, ruling: Ruling, status: str, user) -> Ruling:
    """Publish, unpublish, withdraw or re-publish a ruling."""
    return ruling_update(ruling=ruling, user=user, status=status)


@transaction.atomic
def regulator_create(**fields) -> Regulator:
    """Create a regulator after full validation (its jurisdiction code must be known)."""
    regulator = Regulator(**fields)
    regulator.full_clean()
    regulator.save()
    return regulator


@transaction.atomic
def regulator_update(*, regulator: Regulator, user, **fields) -> Regulator:
    """Change a regulator's fields after full validation; raises ValidationError by field.

    Moving a regulator moves what its rulings cover: a new jurisdiction must still hold
    every agency its rulings list (on each ruling's date), and changing the jurisdiction of
    a regulator with published rulings needs *publish ruling* (PermissionDenied otherwise).
    """
    old_jurisdiction = Regulator.objects.select_for_update().filter(pk=regulator.pk).values_list("jurisdiction", flat=True).get()
    for name, value in fields.items():
        setattr(regulator, name, value)
    regulator.full_clean()
    if regulator.jurisdiction != old_jurisdiction:
        if not can_publish(user) and regulator.rulings.public().exists():
            raise PermissionDenied(
                "This regulator has published rulings: changing its jurisdiction needs the “publish ruling” permission."
            )
        for ruling in regulator.rulings.filter(scope=Ruling.Scope.AGENCIES).prefetch_related("agencies"):
            errors = ruling_agencies_errors(
                regulator=regulator, decided_on=ruling.decided_on, scope=ruling.scope, agencies=ruling.agencies.all()
            )
            if errors:
                raise ValidationError(
                    {"jurisdiction": f"Ruling “{ruling}” would list agencies outside it: {errors['agencies']}"}
                )
    regulator.save()
    return regulator


def _check_proceeding_permission(*, user, old_status: str | None, new_status: str) -> None:
    """Publishing a proceeding, and any edit of a published one, needs *publish ruling*."""
    if can_publish(user):
        return
    if old_status == Proceeding.Status.PUBLISHED:
        raise PermissionDenied("Only a user with the “publish ruling” permission may edit a published proceeding.")
    if new_status != Proceeding.Status.DRAFT:
        raise PermissionDenied("Publishing a proceeding needs the “publish ruling” permission.")


@transaction.atomic
def proceeding_create(*, user, **fields) -> Proceeding:
    """Record a proceeding on a ruling (an appeal, a review, its outcome); only a publisher
    may create one already published."""
    proceeding = Proceeding(**fields)
    _check_proceeding_permission(user=user, old_status=None, new_status=proceeding.status)
    if proceeding.ruling_id:
        # Concurrent edits of the ruling's date must not slip a proceeding before it.
        Ruling.objects.select_for_update().filter(pk=proceeding.ruling_id).first()
    proceeding.full_clean()
    proceeding.save()
    return proceeding


@transaction.atomic
def proceeding_update(*, proceeding: Proceeding, user, **fields) -> Proceeding:
    """Change a proceeding, its status included (``draft`` ↔ ``published``)."""
    old_status = Proceeding.objects.filter(pk=proceeding.pk).values_list("status", flat=True).get()
    for name, value in fields.items():
        setattr(proceeding, name, value)
    _check_proceeding_permission(user=user, old_status=old_status, new_status=proceeding.status)
    Ruling.objects.select_for_update().filter(pk=proceeding.ruling_id).first()
    proceeding.full_clean()
    proceeding.save()
    return proceeding


def proceeding_change_status(*, proceeding: Proceeding, status: str, user) -> Proceeding:
    """Publish or unpublish a proceeding."""
    return proceeding_update(proceeding=proceeding, user=user, status=status)
