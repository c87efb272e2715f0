# concurrency: an ordinary `def` handler that keeps the current request in a module
# global, as web frameworks and resolvers do, served several invocations at a time as
# under Lambda Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY=N). `def` handlers run as
# N worker processes there, each with its own globals: every caller gets its own
# answer, unchanged code included.
#
#   AWS_LAMBDA_MAX_CONCURRENCY=4 python examples/concurrent_processes.py
#   for i in 1 2 3 4; do curl -s -d '{"path": "/orders/'$i'"}' \
#       http://127.0.0.1:9000/2015-03-31/functions/function/invocations & done; wait
import os
import time

from minlambda import lambda_handler, serve

current = {"path": ""}  # what a framework's app or a resolver keeps between calls


@lambda_handler  # concurrency="threads" would share `current` between 4 callers
def route(event: dict[str, str]) -> dict[str, object]:
    current["path"] = event.get("path", "/")
    time.sleep(0.2)  # a slow downstream call, while other requests arrive
    return {"path": current["path"], "worker_pid": os.getpid()}


if __name__ == "__main__":
    serve()
