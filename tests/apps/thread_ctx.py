"""What current_context() gives in threads a handler starts (the answer depends on
whether threads inherit the starter's context: -X thread_inherit_context)."""
import threading
import time

from minlambda import current_context

SEEN: dict[str, object] = {}


def _request_id() -> object:
    context = current_context()
    return None if context is None else context.aws_request_id


def handler(event, context):
    if event["step"] == 1:
        def later() -> None:
            time.sleep(0.3)  # while the next invocation runs
            SEEN["later"] = _request_id()

        threading.Thread(target=later).start()
        now = threading.Thread(target=lambda: SEEN.__setitem__("at_start", _request_id()))
        now.start()
        now.join()
        return SEEN["at_start"]
    time.sleep(0.6)
    return SEEN.get("later", "not yet")
