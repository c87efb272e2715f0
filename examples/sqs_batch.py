# sqs_batch: an SQS-triggered function in per-record batch mode. Each message body is
# decoded as an `Order`; a message that is not an order, or whose processing raises,
# is reported in `batchItemFailures` so SQS retries only that one. (Turn on
# ReportBatchItemFailures on the event source mapping.)
import msgspec

from minlambda import lambda_handler, serve
from minlambda.events import SQSEvent, SQSRecord


class Order(msgspec.Struct):
    id: str
    amount: int


@lambda_handler(batch=SQSEvent[Order])
def charge(record: SQSRecord[Order]) -> None:
    if record.body.amount <= 0:
        raise ValueError(f"order {record.body.id}: the amount must be positive")
    print(f"charged {record.body.amount} for order {record.body.id} ({record.message_id})")


if __name__ == "__main__":
    serve()
