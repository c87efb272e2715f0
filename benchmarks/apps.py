"""Plain echo handlers, as written for awslambdaric: what every peer serves (this module
imports nothing, so no peer pays for another's imports)."""


def echo(event, context):
    return event


async def echo_async(event, context):
    return event
