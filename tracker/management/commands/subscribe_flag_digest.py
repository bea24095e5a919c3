from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.digests.services import subscription_create_for_staff, subscription_unsubscribe
from tracker.models import Subscription


class Command(BaseCommand):
    help = "Subscribe a staff member to the digest of flags raised and cleared (or, with --stop, end it)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--frequency", choices=Subscription.Frequency.values, default=Subscription.Frequency.DAILY)
        parser.add_argument("--stop", action="store_true", help="Unsubscribe instead.")

    def handle(self, *args, username, frequency, stop, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if stop:
            subscription = Subscription.objects.filter(user=user, kind=Subscription.Kind.FLAGS).first()
            if subscription is None:
                raise CommandError(f"{username} has no flags digest.")
            subscription_unsubscribe(subscription=subscription, whole_address=False)
            self.stdout.write(f"{username} no longer receives the digest of flags.")
            return
        try:
            subscription = subscription_create_for_staff(user=user, frequency=frequency)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"{username} receives a {frequency} digest of flags at {subscription.email}.")
