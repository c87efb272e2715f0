# http_api: an API Gateway HTTP API (or Function URL) route with a typed JSON body and
# a typed response. A body that is not a `NewUser` is a Runtime.ValidationError naming
# the field, before this code runs.
import msgspec

from minlambda import lambda_handler, serve
from minlambda.events import APIGatewayProxyEventV2, APIGatewayProxyResponseV2


class NewUser(msgspec.Struct):
    name: str
    email: str


@lambda_handler
def create_user(event: APIGatewayProxyEventV2[NewUser]) -> APIGatewayProxyResponseV2:
    user = event.body
    created = {"name": user.name, "email": user.email, "via": event.request_context.http.method}
    return APIGatewayProxyResponseV2(
        status_code=201,
        headers={"content-type": "application/json"},
        body=msgspec.json.encode(created).decode(),
    )


if __name__ == "__main__":
    serve()
