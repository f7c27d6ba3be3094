"""The ASGI app of the embedded server (:mod:`flows.server`): Prefect's own, built with the
garbage collector paused while its modules are imported (:mod:`flows.collector`)."""

from typing import Any

from flows import collector


def create_app() -> Any:
    """Prefect's server app, as ``prefect.server.api.server.create_app`` builds it for Prefect's
    own embedded server (uvicorn calls this factory once, at start-up)."""
    collector.pause()
    try:
        from prefect.server.api.server import create_app as prefect_app

        return prefect_app()
    finally:
        collector.resume()
