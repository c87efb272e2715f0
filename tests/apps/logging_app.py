"""For the logging tests: logs at import and in the handler, as a user would."""
import logging
import os

logger = logging.getLogger("orders")
logger.warning("imported")


def handler(event, context):
    logger.debug("debug line")
    logger.info("info %s", "line")
    logger.warning("warning line")
    logger.info("with extra", extra={"order_id": 7, "amount": 1.5})
    logging.getLogger().error({"a": "dict message"})
    try:
        raise KeyError("missing")
    except KeyError:
        logger.exception("it failed")
    if event.get("crash"):
        raise ValueError("unhandled\nsecond line")
    return {"fd_var": os.environ.get("_LAMBDA_TELEMETRY_LOG_FD"), "handlers": len(logging.getLogger().handlers)}
