"""A small Starlette app: a greeting and a health endpoint."""
