"""A small Flask app: a greeting and a health endpoint."""

import os

from flask import Flask, jsonify

from greeting import greeting

app = Flask(__name__)


@app.get("/")
def index():
    return greeting() + "\n"


@app.get("/healthz")
def healthz():
    return "ok\n"


@app.get("/info")
def info():
    import flask
    import sys

    return jsonify(python=sys.version.split()[0], executable=sys.executable,
                   prefix=sys.prefix, flask=flask.__version__, uid=os.getuid())
