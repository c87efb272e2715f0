"""Apps of the agents half of tests/compat: plain handlers instrumented the way each
agent's documentation says, reporting to local sinks (sinks.py)."""
