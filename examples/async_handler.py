# async: an `async def` handler; the event loop lives as long as the process, so a
# client (here a stand-in for an HTTP or database pool) made once is reused by
# every invocation.
import asyncio

from minlambda import Context, lambda_handler, serve


class Pool:
    """Stands in for an aiohttp session or an asyncpg pool, created once."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.calls = 0

    async def fetch(self, key: str) -> str:
        loop = asyncio.get_running_loop()
        if self.loop is not None and self.loop is not loop:
            raise RuntimeError("the pool is bound to another event loop")
        self.loop = loop
        self.calls += 1
        await asyncio.sleep(0.01)  # the network
        return key.upper()


pool = Pool()


@lambda_handler
async def lookup(event: dict[str, str], context: Context) -> dict[str, object]:
    values = await asyncio.gather(*(pool.fetch(key) for key in event.get("keys", "").split(",") if key))
    return {"values": list(values), "pool_calls": pool.calls}


if __name__ == "__main__":
    serve()
