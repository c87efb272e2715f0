"""Imports once (the first worker), then fails in every process that imports it after
(a replacement worker): MINLAMBDA_TEST_MARKER names the marker file."""
import os

marker = os.environ["MINLAMBDA_TEST_MARKER"]
if os.path.exists(marker):
    raise RuntimeError("the second import fails")
with open(marker, "w"):
    pass


def handler(event, context):
    if event.get("die"):
        os._exit(7)
    return {"pid": os.getpid()}
