"""python -m app: serve the app with uvicorn on $PORT."""

import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run("app.main:app", host="0.0.0.0", port=int(os.environ.get("PORT", "8080")),
                proxy_headers=False, server_header=False)
