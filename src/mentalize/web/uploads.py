"""Upload handlers: transcripts are held in memory only and cut off at the size limit.

Django's default spills uploads over 2.5 MB to a temporary file, which would put a transcript on
disk unencrypted; these handlers keep everything in memory and mark the request instead of
reading past ``MENTALIZE_MAX_UPLOAD_BYTES``, so the view can say "too large" clearly.
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
