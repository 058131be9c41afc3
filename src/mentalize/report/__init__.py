"""Self-contained HTML reports of an MBT session reading, for clinicians and supervision.

``render_html`` returns the page as a string; ``write_html`` writes it atomically. The page works
offline and fetches nothing: inline CSS, inline SVG charts, escaped transcript text.
"""

from mentalize.report.html import render_html, write_html

__all__ = ["render_html", "write_html"]
