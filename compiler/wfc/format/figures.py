"""How a figure is printed, everywhere wfc prints one: ratios with up to two decimals and no
trailing zeros (`2.24x`, `3.1x`, `1x`), percentages with up to one (`80 %`, `55.3 %`). Durations are
`wfc.format.durations.format_duration`."""
from __future__ import annotations


def ratio(value: float) -> str:
    """A speedup or any other ratio: `2.24x`."""
    return f"{round(value, 2):g}x"


def percent(value: float) -> str:
    """A share: `80 %`, `55.3 %`."""
    return f"{round(value, 1):g} %"


def signed_percent(value: float) -> str:
    """A change: `+12.5 %`, `-3 %`, `0 %`."""
    return f"{round(value, 1):+g} %" if round(value, 1) else "0 %"
