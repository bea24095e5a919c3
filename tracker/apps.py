from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Flags and digests"

    def ready(self):
        from . import signals  # noqa: F401  (wiring only)
