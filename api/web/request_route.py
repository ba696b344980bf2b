"""A route for the customer's busiest requests, whose endpoint reads its own request."""

import inspect
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.convertors import Convertor, StringConvertor
from starlette.responses import Response
from starlette.routing import BaseRoute

SHAPE = (
    "a RequestRoute's endpoint is `async def (request: Request, <each path parameter>: str) ->"
    " Response`, and it takes no dependencies, its own or where its router is included"
)


class RequestRoute(APIRoute):
    """An endpoint `(request: Request, <its path parameters as str>) -> Response`, called with
    the request and its path parameters as they matched: FastAPI documents it as any route, but
    does not solve its parameters on each request (a tenth of a card's CPU: query string and
    cookies parsed, a response made for dependencies, bench/README.md). The endpoint reads the
    body and makes the response itself: `response_model` and `status_code` only document it.
    An endpoint of another shape is refused here, and the app checks with check_request_routes
    what including its router added (a path parameter, a dependency)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        if self.dependencies or not _callable_as_written(endpoint, self.param_convertors):
            raise TypeError(f"{endpoint.__name__}: {SHAPE}")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            return await endpoint(request, **request.path_params)  # type: ignore[no-any-return]

        return handle


def _callable_as_written(endpoint: Callable[..., Any], path: dict[str, Convertor[Any]]) -> bool:
    """Whether `endpoint(request, **path_params)` is what the endpoint takes and gives."""
    signature = inspect.signature(endpoint, eval_str=True)
    parameters = list(signature.parameters.values())
    if not parameters:
        return False
    first, *rest = parameters
    returned = signature.return_annotation
    return (
        inspect.iscoroutinefunction(endpoint)
        and first.annotation is Request
        and {param.name for param in rest} == set(path)
        and all(isinstance(convertor, StringConvertor) for convertor in path.values())
        and all(param.annotation is str for param in rest)
        and all(param.kind is not param.POSITIONAL_ONLY for param in rest)
        and inspect.isclass(returned)
        and issubclass(returned, Response)
    )


def check_request_routes(routes: Sequence[BaseRoute]) -> None:
    """Refuse a RequestRoute whose router was included with dependencies or under a path with
    parameters of its own: it would skip those dependencies, or fail on every request."""
    for context in iter_route_contexts(routes):
        route = context.original_route
        if not isinstance(route, RequestRoute):
            continue
        path = context.param_convertors
        if context.dependant.dependencies or not _callable_as_written(route.endpoint, path):
            raise TypeError(f"{route.endpoint.__name__} at {context.path_format}: {SHAPE}")
