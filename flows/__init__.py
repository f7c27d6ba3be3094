"""Prefect flows, task wrappers and the ``newsflow`` CLI: the only package that imports prefect.

Import ``flows.settings`` before prefect itself: it sets the offline, no-telemetry defaults.
"""
