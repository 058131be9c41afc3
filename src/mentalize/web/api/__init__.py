"""The JSON API under /api/v1/: Bearer tokens, the same scoping as the pages."""
