"""FastAPI and Starlette apps behind Mangum, as deployed on Lambda.

Handlers: `fastapi_handler` and `starlette_handler`, each a plain `Mangum(app)`.
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI, HTTPException, Request, Response
from mangum import Mangum
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from compat.frameworks.rendezvous import meet

log = logging.getLogger("compat.asgi")

# -- FastAPI ------------------------------------------------------------------------

api = FastAPI(title="shop")


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


@api.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None, limit: int = 10):
    return {"item_id": item_id, "q": q, "limit": limit}


@api.post("/items", status_code=201)
def create_item(item: Item, response: Response):
    response.headers["x-item-name"] = item.name
    return {"created": item.model_dump(), "total": round(item.price * 1.2, 2)}


@api.get("/cookies")
def cookies(response: Response):
    response.set_cookie("session", "abc123", httponly=True)
    response.set_cookie("theme", "dark")
    return {"cookies": 2}


LOGO = bytes(range(256)) * 4  # not UTF-8: Mangum sends it base64-encoded


@api.get("/logo.png")
def logo():
    return Response(content=LOGO, media_type="image/png")


@api.get("/teapot")
def teapot():
    raise HTTPException(status_code=418, detail="short and stout")


@api.get("/boom")
def boom():
    raise RuntimeError("the kitchen is on fire")


@api.get("/context")
def lambda_context(request: Request):
    context = request.scope["aws.context"]
    return {
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
    }


@api.get("/slow/{i}")
def slow(i: int, request: Request, batch: str | None = None):
    log.warning("slow %s", i)
    met = meet(batch, str(i))
    return {
        "i": i,
        "path": request.url.path,
        "request_id": request.scope["aws.context"].aws_request_id,
        "pid": os.getpid(),
        "met": met,
    }


fastapi_handler = Mangum(api)


# -- Starlette ----------------------------------------------------------------------


async def homepage(request: StarletteRequest):
    return PlainTextResponse("hello from starlette")


async def user(request: StarletteRequest):
    return JSONResponse(
        {"user": request.path_params["name"], "sort": request.query_params.get("sort")},
        headers={"cache-control": "no-store"},
    )


async def echo(request: StarletteRequest):
    payload = await request.json()
    return JSONResponse({"echo": payload, "type": request.headers.get("content-type")})


async def starlette_slow(request: StarletteRequest):
    i = request.path_params["i"]
    log.warning("slow %s", i)
    met = meet(request.query_params.get("batch"), str(i))  # blocks: that is the point
    return JSONResponse(
        {
            "i": i,
            "path": request.url.path,
            "request_id": request.scope["aws.context"].aws_request_id,
            "pid": os.getpid(),
            "met": met,
        }
    )


site = Starlette(
    routes=[
        Route("/", homepage),
        Route("/users/{name}", user),
        Route("/echo", echo, methods=["POST"]),
        Route("/slow/{i:int}", starlette_slow),
    ]
)

starlette_handler = Mangum(site, lifespan="off")
