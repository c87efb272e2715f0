"""Every worker dies shortly after its init: workers that keep dying."""
import os
import signal
import threading

threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()


def handler(event, context):
    return event
