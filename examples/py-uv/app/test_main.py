import asyncio
import unittest

from app.main import healthz, index


class AppTest(unittest.TestCase):
    """The endpoints answer as the integration test expects (no server needed)."""

    def test_index(self):
        response = asyncio.run(index(None))
        self.assertEqual((response.status_code, response.body), (200, b"hello from uv.lock\n"))

    def test_healthz(self):
        response = asyncio.run(healthz(None))
        self.assertEqual((response.status_code, response.body), (200, b"ok\n"))


if __name__ == "__main__":
    unittest.main()
