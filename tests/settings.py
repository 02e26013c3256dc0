"""The test suite's settings: the app's own, in development mode unless DEBUG is given.

Production mode (the app's default) would redirect every test request to https and want
collected static files; `make test` sets DEBUG=1 too, so running pytest directly is the same.
"""
import os

os.environ.setdefault("DEBUG", "1")

from reviewapp.settings import *  # noqa: E402, F403
