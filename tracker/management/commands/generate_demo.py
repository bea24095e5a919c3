import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker.demo import DemoDataExists, demo_delete, demo_exists, demo_generate, demo_refresh_statistics
from tracker.services import flags_process_pending, flags_recompute


class Command(BaseCommand):
    help = (
        "Write a deterministic synthetic data set (agencies, regulators of every level, rulings of "
        "every outcome, scope and status, confirmed subscribers) with bulk inserts, then compute "
        "the flags once. The same sizes and seed give the same data. Demo rows are named "
        "“Demo …” (subscribers @demo.example.org) and can be replaced with --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agencies", type=int, default=1000, help="Number of agencies (default 1000, at least 10).")
        parser.add_argument("--regulators", type=int, default=50, help="Number of regulators (default 50, at least 4).")
        parser.add_argument("--rulings", type=int, default=300, help="Number of rulings (default 300).")
        parser.add_argument("--subscribers", type=int, default=100, help="Number of confirmed subscribers (default 100).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random choices (default 1).")
        parser.add_argument(
            "--replace", action="store_true", help="Delete the demo data already stored (and its flags) first."
        )
        parser.add_argument(
            "--no-flags", action="store_true", help="Leave the flags uncomputed (e.g. to time the computation apart)."
        )

    def handle(self, *args, agencies, regulators, rulings, subscribers, seed, replace, no_flags, **options):
        started = time.perf_counter()
        try:
            with transaction.atomic():
                if demo_exists():
                    if not replace:
                        raise CommandError(
                            "Demo data is already stored. Run with --replace to delete it and generate it again."
                        )
                    deleted = demo_delete()
                    self.stdout.write(f"Deleted the previous demo data: {sum(deleted.values())} rows.")
                counts = demo_generate(
                    agencies=agencies, regulators=regulators, rulings=rulings, subscribers=subscribers, seed=seed
                )
        except (ValueError, DemoDataExists) as error:
            raise CommandError(str(error)) from error
        generation = time.perf_counter() - started
        for name, count in counts.as_dict().items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(f"Generated in {generation:.1f} s (seed {seed}).")
        if no_flags:
            self.stdout.write("Flags not computed (--no-flags): run `python manage.py recompute_flags`.")
            return
        started = time.perf_counter()
        result = flags_recompute()
        flags_process_pending()
        self.stdout.write(
            f"Flags: raised {result.raised}, cleared {result.cleared}, updated {result.updated}, kept {result.kept} "
            f"in {time.perf_counter() - started:.1f} s."
        )
        demo_refresh_statistics()
