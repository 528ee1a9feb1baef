"""``torch.cuda`` for code that asks: microgd runs on numpy, so there is no GPU."""

__all__ = ["is_available", "device_count"]


def is_available():
    """False: microgd runs on the CPU only (``device = "cuda" if ... else "cpu"`` picks "cpu")."""
    return False


def device_count():
    """0: no GPU is visible to microgd."""
    return 0
