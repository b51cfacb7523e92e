"""The base HTTP client every external-system client builds on.

One seam per external system (`<app>/clients.py`) subclasses `HttpClient` or
`AsyncHttpClient`. What this base guarantees:

* every call has a timeout (a total read/write/pool timeout and a shorter connect timeout);
* transport failures become typed errors that say whether retrying can help:
  `ServiceTimeout` and `ServiceUnavailable` (5xx, 429, connection refused/reset) can,
  `RequestRejected` (a 4xx the client did not expect) cannot;
* a 2xx body that is not the JSON a client expects is `UnexpectedResponse` (retryable: a
  misbehaving system is "could not find out", never a business "no").

Clients pass `accept=` for the non-2xx statuses that are part of the contract (for example
the bank's 400 "already used" or 404 "unknown"), and interpret those themselves.
"""

from __future__ import annotations

import functools
import json
import logging
import ssl
import time
from collections.abc import Collection, Mapping
from typing import Any

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)


class ExternalServiceError(Exception):
    """An external system could not give us an answer we can use."""

    retryable: bool = False

    def __init__(
        self,
        service: str,
        message: str,
        *,
        status_code: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.message = message
        self.status_code = status_code
        self.body = body


class ServiceUnavailable(ExternalServiceError):
    """5xx, 429, or the connection failed: the same call may succeed later."""

    retryable = True


class ServiceTimeout(ExternalServiceError):
    """No answer in time. The request may or may not have been processed."""

    retryable = True


class UnexpectedResponse(ExternalServiceError):
    """A success status with a body that is not what the contract says."""

    retryable = True


class RequestRejected(ExternalServiceError):
    """A 4xx the client did not expect: sending the same request again will not help."""

    retryable = False


def default_timeout(total: float | None = None, connect: float | None = None) -> httpx.Timeout:
    return httpx.Timeout(
        total if total is not None else settings.EXTERNAL_HTTP_TIMEOUT,
        connect=connect if connect is not None else settings.EXTERNAL_HTTP_CONNECT_TIMEOUT,
    )


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One SSL context per process: building one costs ~20 ms of CPU (measured), more than a
    whole request to a nearby system, so clients created per task must not each build one."""
    return httpx.create_ssl_context()


class _ClientBase:
    #: Name used in errors and logs ("bank", "registry", ...).
    service_name: str = "external"

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = default_timeout(timeout, connect_timeout)
        self.headers = {"Accept": "application/json", **(headers or {})}

    def _translate_transport_error(self, exc: httpx.HTTPError, method: str, url: str) -> Exception:
        if isinstance(exc, httpx.TimeoutException):
            return ServiceTimeout(self.service_name, f"{method} {url} timed out ({exc!r})")
        return ServiceUnavailable(self.service_name, f"{method} {url} failed: {exc!r}")

    def _check_status(self, response: httpx.Response, accept: Collection[int]) -> httpx.Response:
        status = response.status_code
        if status in accept or 200 <= status < 300:
            return response
        body = response.text[:500]
        where = f"{response.request.method} {response.request.url}"
        if status >= 500 or status == 429:
            raise ServiceUnavailable(
                self.service_name, f"{where} answered {status}", status_code=status, body=body
            )
        raise RequestRejected(
            self.service_name, f"{where} answered {status}: {body}", status_code=status, body=body
        )

    def _log(self, method: str, url: str, started: float, response: httpx.Response | None) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        status = response.status_code if response is not None else "error"
        logger.debug(
            "%s %s %s -> %s in %.0f ms", self.service_name, method, url, status, elapsed_ms
        )

    def parse_json(self, response: httpx.Response, *, expect: type = dict) -> Any:
        """The body as JSON of the expected top-level type, or `UnexpectedResponse`."""
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UnexpectedResponse(
                self.service_name,
                f"answered {response.status_code} with a body that is not JSON",
                status_code=response.status_code,
                body=response.text[:500],
            ) from None
        if not isinstance(data, expect):
            raise UnexpectedResponse(
                self.service_name,
                f"answered JSON of type {type(data).__name__}, expected {expect.__name__}",
                status_code=response.status_code,
                body=response.text[:500],
            )
        return data


class HttpClient(_ClientBase):
    """Synchronous client. Use as a context manager, or call `close()`."""

    def __init__(self, *, transport: httpx.BaseTransport | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=self.timeout,
            headers=self.headers,
            transport=transport,
            verify=shared_ssl_context(),
        )

    def request(
        self, method: str, path: str, *, accept: Collection[int] = (), **kwargs: Any
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self._log(method, path, started, None)
            raise self._translate_transport_error(exc, method, path) from exc
        self._log(method, path, started, response)
        return self._check_status(response, accept)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncHttpClient(_ClientBase):
    """Asynchronous client, for calls made concurrently with `asyncio.gather`."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=self.timeout,
            headers=self.headers,
            transport=transport,
            verify=shared_ssl_context(),
        )

    async def request(
        self, method: str, path: str, *, accept: Collection[int] = (), **kwargs: Any
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self._log(method, path, started, None)
            raise self._translate_transport_error(exc, method, path) from exc
        self._log(method, path, started, response)
        return self._check_status(response, accept)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> AsyncHttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
