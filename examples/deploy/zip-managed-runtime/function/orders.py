# The SQS worker of ../../sam/template.yaml (handler `orders.charge`): per-record batch
# mode. A message whose body is not an `Order`, or whose processing raises, goes back
# in `batchItemFailures`, so SQS retries that message alone; this needs
# `FunctionResponseTypes: [ReportBatchItemFailures]` on the event source mapping.
import msgspec

from minlambda import lambda_handler
from minlambda.events import SQSEvent, SQSRecord


class Order(msgspec.Struct):
    id: str
    amount: int


@lambda_handler(batch=SQSEvent[Order])
def charge(record: SQSRecord[Order]) -> None:
    if record.body.amount <= 0:
        raise ValueError(f"order {record.body.id}: the amount must be positive")
    print(f"charged {record.body.amount} for order {record.body.id}")
