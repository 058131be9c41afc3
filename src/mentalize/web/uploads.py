"""Upload handlers: transcripts are held in memory only and cut off at the size limit.

Django's default spills uploads over 2.5 MB to a temporary file, which would put a transcript on
disk unencrypted; these handlers keep everything in memory and mark the request instead of
reading past ``MENTALIZE_MAX_UPLOAD_BYTES``, so the view can say "too large" clearly.

:func:`server_limits` does the same one level down, for waitress (``mentalize serve``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    SkipFile,
)

TOO_LARGE_ATTR = "mentalize_upload_too_large"


class SizeLimitUploadHandler(FileUploadHandler):
    """Counts each file's bytes and skips the file (marking the request) past the limit."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._seen = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._seen += len(raw_data)
        if self._seen > settings.MENTALIZE_MAX_UPLOAD_BYTES:
            if self.request is not None:
                setattr(self.request, TOO_LARGE_ATTR, True)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class MemoryOnlyUploadHandler(MemoryFileUploadHandler):
    """Django's in-memory handler, active for every size (the limit handler runs first)."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        super().handle_raw_input(*args, **kwargs)
        self.activated = True


def server_limits() -> dict[str, int]:
    """waitress settings that keep request bodies in memory and refuse oversized ones early.

    waitress reads a whole request before Django sees it, and by default spills any body over
    512 KiB to a temporary file: a transcript upload would be written to disk in the clear. With
    ``inbuf_overflow`` at the body limit it never is. ``max_request_body_size`` makes waitress
    answer 413 as soon as a ``Content-Length`` over the limit arrives (or a chunked body passes
    it), before the body is read, so a huge upload costs neither memory nor time. The limit is
    Django's own request limit (the upload limit plus room for the form's other fields), so any
    body up to it still reaches the view, which names the upload limit in its message.
    """
    limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return {"max_request_body_size": limit, "inbuf_overflow": limit}
