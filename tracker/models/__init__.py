from .digests import Digest, FlagDelivery, RulingDelivery, Subscription
from .flags import Flag, PendingRecompute
from .health import Heartbeat

__all__ = ["Digest", "Flag", "FlagDelivery", "Heartbeat", "PendingRecompute", "RulingDelivery", "Subscription"]
