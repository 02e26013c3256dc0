"""The test suite's settings: the app's own, in development mode unless DEBUG is given.

Production mode (the app's default) would redirect every test request to https and want
collected static files; `make test` sets DEBUG=1 too, so running pytest directly is the same.
Each run has cache entries of its own.
"""
import os
import uuid

os.environ.setdefault("DEBUG", "1")
# A run's cache entries apart from an earlier run's (its review ids start again at 1) and from
# other runs sharing the Redis; processes the tests start inherit it and share the entries.
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{uuid.uuid4().hex[:12]}")

from reviewapp.settings import *  # noqa: E402, F403
