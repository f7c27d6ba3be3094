"""Prefect flows, task wrappers and the ``newsflow`` CLI: the only package that imports prefect.

Importing this package applies newsflow's Prefect defaults (offline, no telemetry, a longer
embedded-server start-up timeout) before any module of it can import prefect, which reads its
settings at import time.
"""

from flows.settings import apply_prefect_defaults

apply_prefect_defaults()
