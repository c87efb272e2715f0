"""A function that never logs."""
import sys


def handler(event, context):
    return {"logging_imported": "logging" in sys.modules}
