"""Analyses off the request path: the task that analyses a stored session, the queue helpers
(enqueue in the upload's own transaction, recover after a crash) and the worker processes that
``mentalize serve`` starts.

The queue is django-tasks (DEP 14; ``django.tasks`` from Django 6) with django-tasks-db's
``DatabaseBackend``: tasks are rows in the clinic's own database, so the embedded SQLite set-up
needs no broker and PostgreSQL set-ups get ``SELECT ... FOR UPDATE SKIP LOCKED`` claiming.
"""
