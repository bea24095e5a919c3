from django.core.management.base import BaseCommand

from tracker.services import flags_process_pending, flags_recompute


class Command(BaseCommand):
    help = "Recompute every flag now, synchronously, and print what changed."

    def handle(self, *args, **options):
        result = flags_recompute()
        # Everything is now up to date, so queued requests have nothing left to do.
        flags_process_pending()
        self.stdout.write(
            f"raised: {result.raised}\ncleared: {result.cleared}\nupdated: {result.updated}\nkept: {result.kept}"
        )
