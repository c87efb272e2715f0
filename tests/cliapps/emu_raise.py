"""A module that fails at import with the user's own exception."""

from __future__ import annotations


class ConfigError(Exception):
    pass


def _load_config() -> None:
    raise ConfigError("DB_URL is not set")


_load_config()


def handler(event, context):  # pragma: no cover - never reached
    return event
