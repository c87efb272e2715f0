"""Handler modules for tests/test_compat.py, run under both awslambdaric and minlambda."""
