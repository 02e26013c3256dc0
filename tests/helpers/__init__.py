"""What tests share besides fixtures (those live in tests/conftest.py): small real records,
uploads, scenes a page test starts from, and the worker process some tests run."""
