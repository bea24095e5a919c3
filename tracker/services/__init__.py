from .flags import (
    RecomputeResult,
    flags_process_pending,
    flags_recompute,
    flags_recompute_request,
)

__all__ = ["RecomputeResult", "flags_process_pending", "flags_recompute", "flags_recompute_request"]
