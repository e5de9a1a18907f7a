"""Charts as plain inline SVG: no library, no script, readable in print and on a phone."""
import html
import math

from .feedback import _



INK, MUTED, ACCENT, REFERENCE = "#1f2933", "#7b8794", "#2f6fde", "#9aa5b1"
WIDE = 20  # a loss curve whose largest value is this many times its smallest: log axis


def histogram(scores, max_score, lang="en"):
    """A bar per whole point (the last bar is full marks); each bar carries its count."""
    top = int(math.floor(max_score))
    counts = [0] * (top + 1)
    for score in scores:
        counts[min(int(math.floor(max(score, 0))), top)] += 1
    width, height, pad = 40 * len(counts) + 40, 220, 30
    tallest = max(counts + [1])
    bars = []
    for index, count in enumerate(counts):
        h = (height - 2 * pad) * count / tallest
        x, y = pad + index * 40, height - pad - h
        label = (_("{count} student(s) with {points} point(s)", lang, count=count,
                   points=index) if index < top else
                 _("{count} student(s) with full marks", lang, count=count))
        bars.append(f'<g class="bar" data-count="{count}" data-points="{index}">'
                    f'<title>{html.escape(label)}</title>'
                    f'<rect x="{x + 4}" y="{y:.1f}" width="32" height="{h:.1f}" fill="{ACCENT}"/>'
                    f'<text x="{x + 20}" y="{y - 4:.1f}" text-anchor="middle" '
                    f'fill="{INK}">{count}</text>'
                    f'<text x="{x + 20}" y="{height - pad + 16}" text-anchor="middle" '
                    f'fill="{MUTED}">{index}</text></g>')
    label = html.escape(_("Score histogram: students per whole point", lang))
    return (f'<svg class="chart histogram" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{label}" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="12">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - 10}" y2="{height - pad}" '
            f'stroke="{MUTED}"/>{"".join(bars)}</svg>')


def curve(values, reference, lang="en"):
    """The student's recorded losses (solid) beside the reference curve (dashed), on a
    log axis when they span more than WIDE (a diverging run would flatten the reference),
    with the loss and the step marked on the axes."""
    finite = [v for v in values + reference if _finite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    log = low > 0 and high / low > WIDE
    scale = math.log10 if log else float
    bottom, top = scale(low), scale(high)
    top = top if top > bottom else bottom + 1
    width, height, left, pad = 480, 340, 64, 40
    steps = max(len(values), len(reference), 2) - 1

    def x(step):
        return left + (width - left - pad) * step / steps

    def y(value):
        return height - pad - (height - 2 * pad) * (scale(value) - bottom) / (top - bottom)

    def path(series):
        points, pen = [], "M"
        for step, value in enumerate(series):
            if not _finite(value):
                pen = "M"
                continue
            points.append(f"{pen}{x(step):.1f},{y(value):.1f}")
            pen = "L"
        return " ".join(points)

    marks = [f'<line x1="{left - 4}" y1="{y(v):.1f}" x2="{width - pad}" y2="{y(v):.1f}" '
             f'stroke="#e4e7eb"/><text x="{left - 8}" y="{y(v) + 5:.1f}" text-anchor="end" '
             f'fill="{MUTED}">{_number(v)}</text>' for v in _ticks(low, high, log)]
    marks += [f'<text x="{x(step):.1f}" y="{height - pad + 20}" text-anchor="middle" '
              f'fill="{MUTED}">{step}</text>' for step in sorted({0, steps // 2, steps})]
    label = html.escape(_("Your recorded loss per step, beside the reference", lang))
    axis = html.escape(_("loss (log scale)", lang) if log else _("loss", lang))
    yours, reference_word = html.escape(_("yours", lang)), html.escape(_("reference", lang))
    step_word = html.escape(_("step", lang))
    return (f'<svg class="chart curve" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{label}" data-scale="{"log" if log else "linear"}" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="17">{"".join(marks)}'
            f'<line x1="{left}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
            f'stroke="{MUTED}"/><line x1="{left}" y1="{pad}" x2="{left}" y2="{height - pad}" '
            f'stroke="{MUTED}"/>'
            f'<text x="{left}" y="{pad - 12}" fill="{MUTED}">{axis}</text>'
            f'<text x="{width - pad}" y="{height - 3}" text-anchor="end" fill="{MUTED}">'
            f'{step_word}</text>'
            f'<path class="reference" d="{path(reference)}" fill="none" stroke="{REFERENCE}" '
            f'stroke-width="2.5" stroke-dasharray="7 5"/>'
            f'<path class="student" d="{path(values)}" fill="none" stroke="{ACCENT}" '
            f'stroke-width="2.5"/>'
            f'<line x1="{left}" y1="{height - 8}" x2="{left + 24}" y2="{height - 8}" '
            f'stroke="{ACCENT}" stroke-width="2.5"/><text x="{left + 30}" y="{height - 3}" '
            f'fill="{ACCENT}">{yours}</text>'
            f'<line x1="{left + 110}" y1="{height - 8}" x2="{left + 134}" y2="{height - 8}" '
            f'stroke="{REFERENCE}" stroke-width="2.5" stroke-dasharray="7 5"/>'
            f'<text x="{left + 140}" y="{height - 3}" fill="{REFERENCE}">{reference_word}'
            '</text></svg>')


def _number(value):
    """A loss axis label: plain digits ("1000", "0.01"), never "1e+03"."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _finite(value):
    return value is not None and math.isfinite(value)


def _ticks(low, high, log):
    """Values to mark on the loss axis: the powers of ten between ``low`` and ``high`` on a
    log axis (with both ends when there are fewer than three), else four even steps."""
    if not log:
        return [low + (high - low) * k / 3 for k in range(4)] if high > low else [low]
    powers = [10.0 ** k for k in range(math.ceil(math.log10(low)),
                                       math.floor(math.log10(high)) + 1)]
    return powers if len(powers) >= 3 else sorted({low, *powers, high})
