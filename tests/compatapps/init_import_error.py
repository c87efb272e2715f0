"""A module that imports a package that is not installed: Runtime.ImportModuleError."""

import module_that_is_not_installed  # noqa: F401


def handler(event, context):
    return event
