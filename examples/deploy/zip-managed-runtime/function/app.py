# The function in the zip. With AWS_LAMBDA_EXEC_WRAPPER=/var/task/minlambda-wrapper the
# managed runtime hands over to minlambda, which decodes the event as a `Greeting`.
# Without the wrapper, AWS's runtime client calls `handler` as a plain function (the
# decorator returns it unchanged) and `event` is then the raw JSON dict.
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
