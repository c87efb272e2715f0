# The function of the custom-runtime recipe: `bootstrap` runs
# `python3 -m minlambda app.handler` (the function's handler setting is app.handler).
import msgspec

from minlambda import Context, lambda_handler


class Greeting(msgspec.Struct):
    name: str = "world"


class Reply(msgspec.Struct):
    message: str
    request_id: str


@lambda_handler
def handler(event: Greeting, context: Context) -> Reply:
    return Reply(message=f"Hello, {event.name}!", request_id=context.aws_request_id)
