import asyncio

from minlambda import lambda_handler, on_shutdown

LOOP = []


@lambda_handler
async def handler(event):
    LOOP.append(asyncio.get_running_loop())
    return "ok"


@on_shutdown
async def first_registered():
    print("first ran, same loop:", LOOP[-1] is asyncio.get_running_loop(), flush=True)


@on_shutdown
def failing():
    raise RuntimeError("the database is gone")
