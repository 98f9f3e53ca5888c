import asyncio
import unittest

from app.main import app


async def get(path):
    """Call the ASGI app once, as a server would, and return status and body."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8080)}
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body.decode()


class AppTest(unittest.TestCase):
    def test_healthz(self):
        self.assertEqual(asyncio.run(get("/healthz")), (200, "ok\n"))

    def test_index(self):
        self.assertEqual(asyncio.run(get("/")), (200, "hello from starlette\n"))


if __name__ == "__main__":
    unittest.main()
