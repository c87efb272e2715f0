"""Log records of every shape, for comparing the JSON log lines of both runtimes."""
import logging

logger = logging.getLogger("shop")


def json_logs(event, context):
    logger.warning("plain %s", "text")
    logger.warning({"structured": True, "n": 1})
    logger.warning("with extra", extra={"order": "o-1", "amount": 5})
    try:
        {}["missing"]
    except KeyError:
        logger.exception("lookup failed")
    if event.get("raise"):
        raise ValueError("unhandled\nsecond line")
    return "ok"
