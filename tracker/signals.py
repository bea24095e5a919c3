"""Wiring only: a change that can alter flags asks for a recompute.

The signals fire inside the change's own transaction, before it commits: the request is
written to the outbox there (so it exists exactly when the change does), and the task that
works the outbox off is enqueued only once the transaction commits.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from agencies.models import Agency, Membership
from rulings.models import Proceeding, Regulator, Ruling
from tracker.services import flags_recompute_request


@receiver(post_save, sender=Ruling, dispatch_uid="flags_on_ruling_save")
def ruling_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        flags_recompute_request(ruling_ids=[instance.pk])


@receiver(post_save, sender=Proceeding, dispatch_uid="flags_on_proceeding_save")
@receiver(post_delete, sender=Proceeding, dispatch_uid="flags_on_proceeding_delete")
def proceeding_changed(sender, instance, raw=False, origin=None, **kwargs):
    # A ruling deleted with its proceedings leaves nothing to recompute (and no row to point at).
    if not raw and not isinstance(origin, Ruling):
        flags_recompute_request(ruling_ids=[instance.ruling_id])


@receiver(m2m_changed, sender=Ruling.agencies.through, dispatch_uid="flags_on_ruling_agencies")
def ruling_agencies_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # changed from the agency's side
        flags_recompute_request(agency_ids=[instance.pk])
    else:
        flags_recompute_request(ruling_ids=[instance.pk])


@receiver(post_save, sender=Agency, dispatch_uid="flags_on_agency_save")
def agency_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        flags_recompute_request(agency_ids=[instance.pk])


@receiver(post_save, sender=Regulator, dispatch_uid="flags_on_regulator_save")
def regulator_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and not created:
        flags_recompute_request(ruling_ids=instance.rulings.values_list("pk", flat=True))


@receiver(post_save, sender=Membership, dispatch_uid="flags_on_membership_save")
@receiver(post_delete, sender=Membership, dispatch_uid="flags_on_membership_delete")
def membership_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        flags_recompute_request(everything=True)
