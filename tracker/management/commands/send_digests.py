from django.core.management.base import BaseCommand

from tracker.digests.services import digests_dispatch
from tracker.models import Subscription


class Command(BaseCommand):
    help = (
        "Send the digests of one frequency: each confirmed subscriber gets one email with what is new "
        "for them since their last digest. The same run as Celery beat's; with a broker the batches "
        "go to the workers, without one they run here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frequency", required=True, choices=Subscription.Frequency.values)
        parser.add_argument(
            "--batch-size", type=int, default=None, help="Subscribers per batch (default: DIGESTS_BATCH_SIZE)."
        )

    def handle(self, *args, frequency, batch_size, **options):
        result = digests_dispatch(frequency=frequency, batch_size=batch_size)
        self.stdout.write(
            f"{frequency} digests: {result.subscriptions} subscriber(s) in {result.batches} batch(es); "
            f"{result.sent} email(s) sent here, {result.queued} batch(es) queued for the workers."
        )
