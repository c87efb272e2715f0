from decimal import Decimal


def handler(event, context):
    context.log("from context.log\n")
    context.log("")  # nothing at all
    return {"price": Decimal("12.50"), "count": Decimal(3)}
