"""Two handlers in one script, selected with _HANDLER."""
from minlambda import lambda_handler, serve


@lambda_handler
def first(event):
    return {"which": "first"}


@lambda_handler(name="the-second")
def second(event):
    return {"which": "second"}


if __name__ == "__main__":
    serve()
