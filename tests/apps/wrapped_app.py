import functools

from minlambda import lambda_handler


def shout(func):
    @functools.wraps(func)
    def wrapper(event, context):
        return func(event, context).upper()

    return wrapper


@shout
@lambda_handler
def greet(event, context):
    return f"hello {event['name']}"
