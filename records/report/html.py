"""Small HTML builders shared by the episode and the benchmark report."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable

from records.report.assets import CONTENT_SECURITY_POLICY, STYLE


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: str, script: str = "") -> str:
    """A whole document: the style sheet and `script` inline, nothing fetched."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main>\n{body}\n</main>"
        + (f"<script>{script}</script>" if script else "")
        + "</body></html>\n")


def png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def badge(text: str, kind: str) -> str:
    """kind: ok | fail | warn | info."""
    return f'<span class="badge {kind}">{esc(text)}</span>'


def bar(fraction: float, kind: str, title: str = "") -> str:
    """A horizontal bar `fraction` (0..1) full."""
    width = 100 * min(1.0, max(0.0, fraction))
    tip = f' title="{esc(title)}"' if title else ""
    return f'<span class="bar {kind}"{tip}><span style="width:{width:.1f}%"></span></span>'


def rate_bar(rate: float, low: float, high: float) -> str:
    """A success rate with its interval drawn as a whisker."""
    return (f'<span class="bar rate" title="{100 * rate:.0f}% [{100 * low:.0f}, '
            f'{100 * high:.0f}]"><span style="width:{100 * rate:.1f}%"></span>'
            f'<i style="left:{100 * low:.1f}%;width:{100 * (high - low):.1f}%"></i></span>')


def details(summary: str, content: str, open_: bool = False) -> str:
    return (f"<details{' open' if open_ else ''}><summary>{summary}</summary>"
            f"{content}</details>")


def pre(text: str) -> str:
    return f"<pre>{esc(text)}</pre>"


def key_values(pairs: Iterable[tuple[str, str]]) -> str:
    """Label / value pairs in two columns; values are HTML already."""
    return '<div class="kv">' + "".join(
        f"<span>{esc(k)}</span><span>{v}</span>" for k, v in pairs) + "</div>"


def seconds(value: object) -> str:
    return f"{value:.2f} s" if isinstance(value, int | float) else "–"
