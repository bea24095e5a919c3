from .digests import Digest, FlagDelivery, RulingDelivery, Subscription
from .flags import Flag, PendingRecompute

__all__ = ["Digest", "Flag", "FlagDelivery", "PendingRecompute", "RulingDelivery", "Subscription"]
