from .flags import Flag, PendingRecompute

__all__ = ["Flag", "PendingRecompute"]
