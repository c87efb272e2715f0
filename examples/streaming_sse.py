# streaming: a Function URL handler that streams Server-Sent Events as they are made.
# Each event goes out the moment it is yielded (response streaming); the caller sees
# the first one long before the last.
#
#   python examples/streaming_sse.py
#   curl -sN -d '{"count": 3}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations
#
# (Locally the payload is what InvokeWithResponseStream carries: the JSON prelude with
# the status and headers, 8 NUL bytes, then the events. A Function URL turns the
# prelude into the HTTP status line and headers.)
import time

from minlambda import StreamingResponse, lambda_handler, serve


@lambda_handler(stream=True)
def ticker(event, context):
    count = int(event.get("count", 5)) if isinstance(event, dict) else 5

    def events():
        for i in range(count):
            yield f"id: {i}\ndata: tick {i} of {count}\n\n"
            time.sleep(0.2)  # the next event is not ready yet

    headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    return StreamingResponse(status_code=200, headers=headers, body=events())


if __name__ == "__main__":
    serve()
