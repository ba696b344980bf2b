"""A route for the customer's busiest requests, whose endpoint reads its own request."""

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response


class RequestRoute(APIRoute):
    """An endpoint `(request: Request, <path parameters as str>) -> Response`, called with the
    request and its path parameters as they matched: FastAPI documents it as any route, but
    does not solve its parameters on each request (a tenth of a card's CPU: query string and
    cookies parsed, a response made for dependencies, bench/README.md). It takes no
    dependencies, its own or its router's, and its endpoint reads the body and answers."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        parameters = list(inspect.signature(endpoint, eval_str=True).parameters.values())
        path_names = {param.name for param in self.dependant.path_params}
        if (
            self.dependencies
            or not inspect.iscoroutinefunction(endpoint)
            or not parameters
            or parameters[0].annotation is not Request
            or {param.name for param in parameters[1:]} != path_names
            or any(param.annotation is not str for param in parameters[1:])
        ):
            raise TypeError(
                f"{endpoint.__name__}: a RequestRoute's endpoint is `async def (request: Request,"
                f" <its path parameters: str>)`, with no dependencies"
            )

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            return await endpoint(request, **request.path_params)  # type: ignore[no-any-return]

        return handle
