"""Render a :class:`SessionAnalysis` as one self-contained HTML page, and write it safely.

Self-contained because the report travels with clinical material: it must open offline, on a
locked-down machine, years later, and must never fetch anything (no CDN, fonts, scripts or
images). All styling is inlined from ``report.css``; the chart is inline SVG; a few lines of
optional script only open the transcript when a turn link points into it.
"""

from __future__ import annotations

import os
from datetime import datetime
from importlib import metadata, resources

from mentalize.analysis.results import SessionAnalysis
from mentalize.files import write_atomic
from mentalize.report import polarities, profile, sections
from mentalize.report.text import e, source_name
from mentalize.report.turns import intervention_css

__all__ = ["render_html", "write_html"]

# Opens the collapsed transcript when a "Turn N" link targets a turn inside it.
_SCRIPT = (
    "(function(){function o(){var h=decodeURIComponent(location.hash.slice(1));if(!h)return;"
    "var t=document.getElementById(h);if(!t)return;var d=t.closest('details');"
    "if(d&&!d.open){d.open=true;t.scrollIntoView();}}"
    "addEventListener('hashchange',o);o();})();"
)


def _version() -> str:
    try:
        return metadata.version("mentalize")
    except metadata.PackageNotFoundError:
        return "dev"


def _css() -> str:
    return resources.files("mentalize.report").joinpath("report.css").read_text(encoding="utf-8")


def _footer(generated: datetime) -> str:
    return (
        '<footer class="foot">'
        f"<p>mentalize {e(_version())} · generated {e(generated.strftime('%Y-%m-%d %H:%M'))} · "
        "Generated locally; nothing was sent over the network.</p>"
        "<p>An automated screening estimate from language markers, to support clinical "
        "judgement and supervision; not a diagnosis or an assessment of the person.</p></footer>"
    )


def render_html(analysis: SessionAnalysis, *, generated: datetime | None = None) -> str:
    """The full report as an HTML string.

    ``generated`` fixes the date shown in the footer (for reproducible output); it defaults to
    now, in local time.
    """
    when = generated or datetime.now().astimezone()
    by_index = {t.index: t for t in analysis.turns}
    source = source_name(analysis.source)
    body = "".join(
        (
            sections.header(analysis),
            sections.risk(analysis, by_index),
            sections.timeline(analysis),
            sections.episodes(analysis, by_index),
            polarities.patient_profiles(analysis),
            profile.profile(analysis),
            profile.recommendation(analysis),
            sections.transcript(analysis),
            _footer(when),
        )
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>MBT session reading · {e(source)}</title>"
        f"<style>{_css()}{intervention_css()}</style></head>"
        f'<body><main class="page">{body}</main><script>{_SCRIPT}</script></body></html>\n'
    )


def write_html(analysis: SessionAnalysis, path: str | os.PathLike[str]) -> None:
    """Render and write the report so that ``path`` is either the old file or the whole new one.

    Written with :func:`mentalize.files.write_atomic` (temporary file, fsync, rename); a missing
    directory raises without creating anything.
    """
    # Owner-only (the default mode): the report quotes clinical text.
    write_atomic(path, render_html(analysis))
