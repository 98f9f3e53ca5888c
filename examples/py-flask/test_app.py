import unittest

from app import app


class AppTest(unittest.TestCase):
    def test_healthz(self):
        resp = app.test_client().get("/healthz")
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.text, "ok\n")

    def test_index(self):
        self.assertEqual(app.test_client().get("/").text, "hello from flask\n")


if __name__ == "__main__":
    unittest.main()
