"""Charts as plain inline SVG: no library, no script, readable in print and on a phone."""
import html
import math

from .feedback import _



INK, MUTED, ACCENT, REFERENCE = "#1f2933", "#7b8794", "#2f6fde", "#9aa5b1"


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
    """The student's recorded losses (solid) beside the reference curve (dashed)."""
    finite = [v for v in values + reference if v is not None]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    high = high if high > low else low + 1
    width, height, pad = 520, 240, 40
    steps = max(len(values), len(reference), 2) - 1

    def path(series):
        points, pen = [], "M"
        for i, v in enumerate(series):
            if v is None:
                pen = "M"
                continue
            x = pad + (width - 2 * pad) * i / steps
            y = height - pad - (height - 2 * pad) * (v - low) / (high - low)
            points.append(f"{pen}{x:.1f},{y:.1f}")
            pen = "L"
        return " ".join(points)

    label, last = (html.escape(_("Your recorded loss per step, beside the reference", lang)),
                   html.escape(_("step {step}", lang, step=steps)))
    yours, reference_word = html.escape(_("yours", lang)), html.escape(_("reference", lang))
    return (f'<svg class="chart curve" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{label}" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="12">'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
            f'stroke="{MUTED}"/><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" '
            f'stroke="{MUTED}"/>'
            f'<text x="{pad - 4}" y="{pad + 4}" text-anchor="end" fill="{MUTED}">{high:.3g}</text>'
            f'<text x="{pad - 4}" y="{height - pad}" text-anchor="end" fill="{MUTED}">'
            f'{low:.3g}</text>'
            f'<text x="{width - pad}" y="{height - pad + 16}" text-anchor="end" '
            f'fill="{MUTED}">{last}</text>'
            f'<path class="reference" d="{path(reference)}" fill="none" stroke="{REFERENCE}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
            f'<path class="student" d="{path(values)}" fill="none" stroke="{ACCENT}" '
            f'stroke-width="2"/>'
            f'<text x="{width - pad}" y="{pad - 16}" text-anchor="end" fill="{ACCENT}">'
            f'{yours}</text><text x="{width - pad}" y="{pad - 2}" '
            f'text-anchor="end" fill="{REFERENCE}">{reference_word}</text></svg>')
