"""Seesaw's Python recorder: any PyTorch multi-task training loop writes a Seesaw trace, which the
desktop app tails live, replays and compares (docs/python.md)."""
__version__ = "0.1.0"

from .allocator import keep_freed_memory  # noqa: E402
from .recorder import Recorder  # noqa: E402

__all__ = ["Recorder", "keep_freed_memory", "__version__"]
