"""Server-side bar charts as plain geometry for an SVG template (no JavaScript, no library).

Each chart is also rendered as a table next to it, so the numbers never depend on sight.
"""

from dataclasses import dataclass

WIDTH = 600
HEIGHT = 200
LEFT = 40
BOTTOM = 30
TOP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    css: str = ""


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    max_value: float
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT


def _scale(max_value: float) -> float:
    return (HEIGHT - BOTTOM - TOP) / max_value if max_value else 0


def bar_chart(title: str, points: list[tuple[str, float]]) -> Chart:
    top = max([value for _, value in points] + [1])
    scale = _scale(top)
    slot = (WIDTH - LEFT) / max(len(points), 1)
    bars = []
    for i, (name, value) in enumerate(points):
        h = value * scale
        bars.append(
            Bar(name, value, LEFT + i * slot + slot * 0.15, HEIGHT - BOTTOM - h, slot * 0.7, h)
        )
    return Chart(title, bars, _ticks(points, slot), top)


def _ticks(points: list, slot: float) -> list[tuple[float, str]]:
    return [(LEFT + i * slot + slot * 0.15, point[0]) for i, point in enumerate(points)]


def paired_chart(title: str, points: list[tuple[str, float | None, float | None]]) -> Chart:
    """Two bars per slot (e.g. median and worst); a missing value draws no bar."""
    values = [v for _, a, b in points for v in (a, b) if v is not None]
    top = max([*values, 1])
    scale = _scale(top)
    slot = (WIDTH - LEFT) / max(len(points), 1)
    bars = []
    for i, (name, first, second) in enumerate(points):
        for j, (value, css) in enumerate(((first, "median"), (second, "worst"))):
            if value is None:
                continue
            h = value * scale
            x = LEFT + i * slot + slot * (0.1 + 0.4 * j)
            bars.append(Bar(name, value, x, HEIGHT - BOTTOM - h, slot * 0.38, h, css))
    return Chart(title, bars, _ticks(points, slot), top)
