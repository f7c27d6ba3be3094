#!/usr/bin/env bash
# `make demo-cluster`: the multi-machine setup of docs/scaling.md, on this one machine.
#
# Starts an S3-compatible store (SeaweedFS), a Prefect server, a Dask scheduler and two Dask
# workers, ingests examples/articles into s3://newsflow/demo with every batch run on the
# cluster, prints what the dataset holds and the commands that attach real machines, and keeps
# running until Ctrl-C (KEEP=0: stop right after). Everything it starts stops with it.
#
# HOST (default 127.0.0.1) is the address the other machines reach this one at; use this
# machine's LAN address (and open the ports) to attach real workers. Ports: S3_PORT, PREFECT_PORT,
# DASK_PORT; data and logs under WORK.
set -euo pipefail

HOST=${HOST:-127.0.0.1}
S3_PORT=${S3_PORT:-8333}
PREFECT_PORT=${PREFECT_PORT:-4200}
DASK_PORT=${DASK_PORT:-8786}
WORK=${WORK:-data/demo-cluster}
KEEP=${KEEP:-1}
BIN=$(cd "$(dirname "$0")/.." && pwd)/.venv/bin

export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-newsflow-demo}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-newsflow-demo-secret}
export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_ENDPOINT_URL="http://$HOST:$S3_PORT"
export AWS_ALLOW_HTTP=true
export PREFECT_API_URL="http://$HOST:$PREFECT_PORT/api"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
export OMP_NUM_THREADS=1

mkdir -p "$WORK/s3" "$WORK/prefect"
WORK=$(cd "$WORK" && pwd)
pids=()
stop() {
    for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

start() {  # NAME CMD...: run CMD in its own process group, output in $WORK/NAME.log
    local name=$1; shift
    setsid "$@" >"$WORK/$name.log" 2>&1 &
    pids+=($!)
}

wait_for() {  # WHAT PYTHON-CODE: poll until the code runs without error (3 minutes: a Prefect
    local what=$1 check=$2   # server's first start creates its database)
    for _ in $(seq 360); do
        if "$BIN/python" -c "$check" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    echo "demo-cluster: $what did not come up; see $WORK/*.log" >&2
    exit 1
}

start s3 "$BIN/weed" mini -dir="$WORK/s3" -ip="$HOST" -master.telemetry=false -s3.port="$S3_PORT"
start prefect env PREFECT_HOME="$WORK/prefect" "$BIN/prefect" server start --host "$HOST" --port "$PREFECT_PORT"
start scheduler "$BIN/dask" scheduler --host "$HOST" --port "$DASK_PORT" --no-dashboard
start workers "$BIN/dask" worker "tcp://$HOST:$DASK_PORT" --nworkers 2 --nthreads 1 --no-dashboard

wait_for "the S3 store" "import pyarrow.fs as f; f.S3FileSystem(endpoint_override='$AWS_ENDPOINT_URL', allow_bucket_creation=True).create_dir('newsflow')"
wait_for "the Prefect server" "import httpx; httpx.get('$PREFECT_API_URL/health', timeout=2).raise_for_status()"
wait_for "the Dask workers" "from distributed import Client; c = Client('tcp://$HOST:$DASK_PORT', timeout=5); c.wait_for_workers(2, timeout=5)"

"$BIN/newsflow" ingest examples/articles --out s3://newsflow/demo --runner "dask://$HOST:$DASK_PORT"
echo
"$BIN/newsflow" show s3://newsflow/demo

cat <<EOF

== newsflow cluster up on $HOST ==
  S3 store        $AWS_ENDPOINT_URL   (bucket newsflow; logs in $WORK/)
  Prefect server  $PREFECT_API_URL
  Dask scheduler  tcp://$HOST:$DASK_PORT   (2 workers on this machine)

On every other machine (a checkout of this project with 'make install' done), the same
environment, then a worker:

  export PREFECT_API_URL=$PREFECT_API_URL
  export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_ALLOW_HTTP=true AWS_REGION=$AWS_REGION
  export AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=<the secret>
  export OMP_NUM_THREADS=1
  .venv/bin/dask worker tcp://$HOST:$DASK_PORT --nworkers <cores> --nthreads 1

and from any machine with that environment, a run (inputs must be readable at the same path on
every worker: a shared filesystem; see docs/scaling.md):

  .venv/bin/newsflow ingest /shared/articles --out s3://newsflow/news --runner dask://$HOST:$DASK_PORT
  .venv/bin/newsflow show s3://newsflow/news
EOF

if [ "$KEEP" = 1 ]; then
    echo
    echo "Ctrl-C stops the store, the server, the scheduler and the workers."
    wait
fi
