"""A module whose import fails with the user's own exception: an init error."""


class ConfigMissing(Exception):
    pass


def _load_config():
    raise ConfigMissing("TABLE_NAME is not set")  # <- init raise


_load_config()  # <- init call


def handler(event, context):
    return event
