"""Pipeline steps as plain functions over frozen dataclasses.

Nothing in this package imports prefect (tests/tasks/test_no_prefect.py enforces it), so every
step runs unchanged in a worker process, on Dask, or in a unit test.
"""
