from django.db import models


class Heartbeat(models.Model):
    """When a worker last ran the periodic heartbeat task (read by ``/readyz``).

    A fresh row proves beat scheduled the task, the broker carried it and a worker
    consumed it: the one end-to-end sign that background jobs still run.
    """

    name = models.CharField(max_length=32, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
