"""A Powertools-style handler whose event annotation is a pydantic model, under a bare
@lambda_handler: refused at import (Runtime.InvalidSchema). The fix is
@lambda_handler(event=Any), as in powertools_app.py."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import SqsModel

from minlambda import Context, lambda_handler


@lambda_handler
@event_parser(model=SqsModel)
def handler(event: SqsModel, context: Context) -> list[str]:
    return [record.messageId for record in event.Records]
