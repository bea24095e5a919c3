"""A ruling's standing on a date (SPEC §2): computed from its proceedings, never entered.

``draft`` and ``withdrawn`` follow the ruling's status. Otherwise the ruling starts
``in_force`` and its published proceedings decided on or before the date apply in order of
(``decided_on``, id):

* ``appealed`` → ``under_appeal`` (an overturned ruling stays ``overturned``: an appeal
  against the overturning does not restore it);
* ``upheld``, ``varied``, ``restored`` → ``in_force``;
* ``overturned`` → ``overturned``;
* ``remitted`` → ``under_appeal`` (the overturning was set aside and the case sent back).

Pure helpers: this module imports no models; it reads any objects with ``decided_on``,
``pk`` (or ``id``), ``effect`` and ``status``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models


class Standing(models.TextChoices):
    DRAFT = "draft", "draft"
    IN_FORCE = "in_force", "in force"
    UNDER_APPEAL = "under_appeal", "under appeal"
    OVERTURNED = "overturned", "overturned"
    WITHDRAWN = "withdrawn", "withdrawn"


class Effect(models.TextChoices):
    APPEALED = "appealed", "appealed"
    UPHELD = "upheld", "upheld"
    VARIED = "varied", "varied"
    OVERTURNED = "overturned", "overturned"
    RESTORED = "restored", "restored"
    REMITTED = "remitted", "remitted"


# Standings in which a ruling's finding counts (it flags agencies).
IN_EFFECT = (Standing.IN_FORCE, Standing.UNDER_APPEAL)


@dataclass(frozen=True)
class StandingResult:
    standing: str
    # The proceeding with which the current standing began (None: in force since the decision).
    since: Any = None
    # The last proceeding applied, if any.
    last: Any = None

    @property
    def in_effect(self) -> bool:
        return self.standing in IN_EFFECT


def step(standing: str, effect: str) -> str:
    """The standing after one proceeding of ``effect``."""
    if effect == Effect.APPEALED:
        return Standing.OVERTURNED if standing == Standing.OVERTURNED else Standing.UNDER_APPEAL
    if effect in (Effect.UPHELD, Effect.VARIED, Effect.RESTORED):
        return Standing.IN_FORCE
    if effect == Effect.OVERTURNED:
        return Standing.OVERTURNED
    if effect == Effect.REMITTED:
        return Standing.UNDER_APPEAL
    raise ValueError(f"Unknown effect {effect!r}")


def applicable(proceedings: Iterable, day: datetime.date | None) -> list:
    """Published proceedings decided on or before ``day`` (every one when ``day`` is None), in order."""
    chosen = [p for p in proceedings if p.status == "published" and (day is None or p.decided_on <= day)]
    return sorted(chosen, key=lambda p: (p.decided_on, p.pk if hasattr(p, "pk") else p.id))


def standing_on(*, status: str, proceedings: Iterable, day: datetime.date | None) -> StandingResult:
    """The standing of a ruling of ``status`` on ``day``, from its proceedings."""
    if status == "draft":
        return StandingResult(Standing.DRAFT)
    if status == "withdrawn":
        return StandingResult(Standing.WITHDRAWN)
    standing, since, last = Standing.IN_FORCE, None, None
    for proceeding in applicable(proceedings, day):
        new = step(standing, proceeding.effect)
        if new != standing:
            since = proceeding
        standing, last = new, proceeding
    return StandingResult(standing, since, last)
