"""Handlers written for awslambdaric: no decorator, no minlambda import."""


class Order(dict):
    pass


def handler(event, context):
    return {"event": event, "request_id": context.aws_request_id, "memory": context.memory_limit_in_mb}


def annotated(event: int, context) -> int:
    return event  # not decorated: the annotations are not read, any JSON goes in and out


def returns_bytes(event, context):
    return b"\x00raw"


not_callable = 42


def loaded_modules(event, context):
    import sys

    return {name: name in sys.modules for name in event["names"]}
