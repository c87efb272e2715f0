from minlambda import lambda_handler


class NotASchema:
    def __init__(self, x):
        self.x = x


@lambda_handler
def handler(event: NotASchema) -> dict:
    return {}
