from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.seed.loader import seed_load


class Command(BaseCommand):
    help = (
        "Load the seed data set (countries' notes, regulators, agencies, rulings and their "
        "proceedings) from tracker/seed/seed.yaml; running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", help="Another data set file of the same shape (default: the bundled seed.yaml).")

    def handle(self, *args, path=None, **options):
        try:
            counts = seed_load(path=path)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        for section, tally in counts.items():
            self.stdout.write(
                f"{section}: {tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged"
            )
