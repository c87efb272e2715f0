# hello: the smallest function, untyped, as you would write it for awslambdaric.
from minlambda import lambda_handler, serve


@lambda_handler
def hello(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    return {"message": f"Hello, {name}!", "request_id": context.aws_request_id}


if __name__ == "__main__":
    serve()
