"""Echo after sleeping event["sleep"] seconds."""
import time


def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return event
