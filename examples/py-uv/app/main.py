from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def index(request):
    return PlainTextResponse("hello from uv.lock\n")


async def healthz(request):
    return PlainTextResponse("ok\n")


app = Starlette(routes=[Route("/", index), Route("/healthz", healthz)])
