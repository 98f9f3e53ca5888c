"""A small Starlette app locked with uv: a greeting and a health endpoint."""
