# The function in the container image. The image's ENTRYPOINT and CMD make the command
# `python -m minlambda app.handler`: inside Lambda it serves `handler` on the Runtime
# API; run anywhere else, it serves it on minlambda's local emulator.
import msgspec

from minlambda import Context, lambda_handler, on_shutdown


class Greeting(msgspec.Struct):
    name: str = "world"


class Reply(msgspec.Struct):
    message: str
    request_id: str


@lambda_handler
def handler(event: Greeting, context: Context) -> Reply:
    return Reply(message=f"Hello, {event.name}!", request_id=context.aws_request_id)


@on_shutdown
def goodbye() -> None:
    # runs on SIGTERM: Lambda shutting the environment down, or `docker stop`
    print("app: shutting down", flush=True)
