"""How a figure is printed, everywhere wfc prints one: ratios with up to two decimals and no
trailing zeros (`2.24x`, `3.1x`, `1x`), percentages with up to one (`80 %`, `55.3 %`), dollars with
four decimals (`$0.0123`), token counts in thousands past a thousand (`15.3k`). Durations are
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


def dollars(value: float) -> str:
    """US dollars as Claude Code reports them (cents are too coarse for one agent turn): `$0.0123`."""
    return f"${value:.4f}"


def count(value: float) -> str:
    """Tokens: `420`, `15.3k`."""
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:g}"
