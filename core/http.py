"""The base HTTP client every external-system client builds on.

One seam per external system (`<app>/clients.py`) subclasses `HttpClient` or
`AsyncHttpClient`. What this base guarantees:

* every call has a timeout (a total read/write/pool timeout and a shorter connect timeout);
* transport failures become typed errors that say whether retrying can help:
  `ServiceTimeout` and `ServiceUnavailable` (5xx, 429, connection refused/reset) can,
  `RequestRejected` (a 4xx the client did not expect) cannot;
* a 2xx body that is not the JSON a client expects is `UnexpectedResponse` (retryable: a
  misbehaving system is "could not find out", never a business "no");
* every error has two texts: the technical detail (`message`, for the log) and
  `public_message`, the sentence people read ("the judicial archives did not answer
  (HTTP 503)"), built from the client's `system_label`. Whoever turns an error into something
  a person reads calls `error.report(context=...)`: it logs the detail under the current
  request or task id (core.request_id), which the page shows as the reference.

Clients pass `accept=` for the non-2xx statuses that are part of the contract (for example
the bank's 400 "already used" or 404 "unknown"), and interpret those themselves.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import ssl
import time
from collections.abc import Collection, Mapping
from typing import Any

import httpx
from django.conf import settings

from core import metrics

logger = logging.getLogger(__name__)


#: What people call each external system, by `service_name` ("registry" -> "the national
#: registry"). Filled by each client class's `system_label`; see `system_label()`.
SYSTEM_LABELS: dict[str, str] = {}


def system_label(service: str) -> str:
    """The name people know a system by, for messages they read."""
    return SYSTEM_LABELS.get(service) or f"the {service} service"


def seconds_phrase(seconds: float) -> str:
    """10.0 -> "10 seconds", 1 -> "1 second", 0.25 -> "0.25 seconds"."""
    shown = f"{seconds:g}"
    return f"{shown} second{'' if shown == '1' else 's'}"


class ExternalServiceError(Exception):
    """An external system could not give us an answer we can use.

    Two texts: `message` (and `str(error)`) is the technical detail for the log (method, URL,
    status, exception, body excerpt: it may hold internal addresses and personal data, such as
    a national id in a URL); `public_message` is the sentence people read ("the judicial
    archives did not answer (HTTP 503)"): the system's name and what happened, nothing else.
    `report()` logs the first and returns the second.
    """

    retryable: bool = False

    def __init__(
        self,
        service: str,
        message: str,
        *,
        status_code: int | None = None,
        body: str | None = None,
        timeout: float | None = None,
        public_message: str | None = None,
    ) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.message = message
        self.status_code = status_code
        self.body = body
        #: Seconds we waited, for a timeout.
        self.timeout = timeout
        self._public_message = public_message

    @property
    def system(self) -> str:
        return system_label(self.service)

    @property
    def public_message(self) -> str:
        """One sentence for people: which system, what happened; no URL, host, exception
        name or personal data. Lower case, to be embedded ("... (reason)") or capitalised."""
        return self._public_message or self.describe()

    def describe(self) -> str:
        return f"{self.system} could not give an answer"

    def report(self, *, context: str, log: logging.Logger | None = None) -> str:
        """Log the technical detail (the log line carries the request or task id, which the
        page shows next to the failure) and return `public_message`."""
        body = f"; body: {self.body[:300]!r}" if self.body else ""
        (log or logger).warning(
            "%s: %s failed (%s): %s%s",
            context,
            self.service,
            type(self).__name__,
            self.message,
            body,
        )
        return self.public_message


class ServiceUnavailable(ExternalServiceError):
    """5xx, 429, or the connection failed: the same call may succeed later."""

    retryable = True

    def describe(self) -> str:
        if self.status_code == 429:
            return f"{self.system} asked us to slow down (HTTP 429)"
        if self.status_code is not None:
            return f"{self.system} did not answer (HTTP {self.status_code})"
        return f"{self.system} could not be reached"


class ServiceTimeout(ExternalServiceError):
    """No answer in time. The request may or may not have been processed."""

    retryable = True

    def describe(self) -> str:
        if self.timeout:
            return f"{self.system} did not answer within {seconds_phrase(self.timeout)}"
        return f"{self.system} did not answer in time"


class UnexpectedResponse(ExternalServiceError):
    """A success status with a body that is not what the contract says."""

    retryable = True

    def describe(self) -> str:
        return f"{self.system} gave an answer we could not read"


class RequestRejected(ExternalServiceError):
    """A 4xx the client did not expect: sending the same request again will not help."""

    retryable = False

    def describe(self) -> str:
        status = f" (HTTP {self.status_code})" if self.status_code is not None else ""
        return f"{self.system} refused the request{status}"


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
    #: Name used in messages people read ("the bank", "the national registry").
    system_label: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.system_label:
            SYSTEM_LABELS[cls.service_name] = cls.system_label

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
        with contextlib.suppress(RuntimeError):  # the full URL, for the log
            url = str(exc.request.url)
        if isinstance(exc, httpx.TimeoutException):
            waited = self.timeout.connect if isinstance(exc, httpx.ConnectTimeout) else None
            return ServiceTimeout(
                self.service_name,
                f"{method} {url} timed out ({exc!r})",
                timeout=waited or self.timeout.read,
            )
        return ServiceUnavailable(self.service_name, f"{method} {url} failed: {exc!r}")

    def _check_status(self, response: httpx.Response, accept: Collection[int]) -> httpx.Response:
        status = response.status_code
        if status in accept or 200 <= status < 300:
            return response
        body = response.text[:500]
        where = _where(response)
        if status >= 500 or status == 429:
            raise ServiceUnavailable(
                self.service_name, f"{where} answered {status}", status_code=status, body=body
            )
        raise RequestRejected(
            self.service_name, f"{where} answered {status}: {body}", status_code=status, body=body
        )

    def _log(
        self,
        method: str,
        url: str,
        started: float,
        response: httpx.Response | None,
        error: BaseException | None = None,
    ) -> None:
        """Every call ends here, answered or not: the debug log line and the metrics (calls by
        system and outcome, latency; core.metrics)."""
        seconds = time.perf_counter() - started
        elapsed_ms = seconds * 1000
        status = response.status_code if response is not None else "error"
        try:
            metrics.observe_external_call(
                system=self.service_name,
                outcome=metrics.external_outcome(
                    response.status_code if response is not None else None, error
                ),
                seconds=seconds,
            )
        except Exception:  # metrics never break a call
            logger.exception("could not record the external call's metrics")
        logger.debug(
            "%s %s %s -> %s in %.0f ms", self.service_name, method, url, status, elapsed_ms
        )

    def parse_json(self, response: httpx.Response, *, expect: type = dict) -> Any:
        """The body as JSON of the expected top-level type, or `UnexpectedResponse`."""
        where = _where(response)
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UnexpectedResponse(
                self.service_name,
                f"{where} answered {response.status_code} with a body that is not JSON",
                status_code=response.status_code,
                body=response.text[:500],
            ) from None
        if not isinstance(data, expect):
            raise UnexpectedResponse(
                self.service_name,
                f"{where} answered JSON of type {type(data).__name__}, expected {expect.__name__}",
                status_code=response.status_code,
                body=response.text[:500],
            )
        return data


def _where(response: httpx.Response) -> str:
    """ "GET https://host/path?query" of the call that got `response`, for the log."""
    try:
        return f"{response.request.method} {response.request.url}"
    except RuntimeError:  # a response built by hand (tests) has no request
        return "the call"


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
            self._log(method, path, started, None, exc)
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
            self._log(method, path, started, None, exc)
            raise self._translate_transport_error(exc, method, path) from exc
        self._log(method, path, started, response)
        return self._check_status(response, accept)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> AsyncHttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends through aiohttp: same client API, same errors, a tenth
    of the CPU per request of httpx's own connection pool when many calls run concurrently
    (measured: about 0.3 ms against 3.5-4.5 ms per call, 20 at a time; see docs/loans.md).

    For `AsyncHttpClient(transport=AiohttpTransport())`: one session (and its keep-alive
    connections) per client, opened on first use inside the running event loop, closed with
    the client. Responses are read whole (the clients here read small JSON bodies); aiohttp
    does not decompress, httpx does, as it would with its own transport.
    """

    _SKIPPED = frozenset({b"host", b"content-length", b"connection", b"transfer-encoding"})

    def __init__(self, *, limit: int = 100) -> None:
        self._limit = limit
        self._session: Any = None

    def _open(self) -> Any:
        import aiohttp

        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit, ssl=shared_ssl_context()),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp

        session = self._open()
        timeouts = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=timeouts.get("connect"),
            sock_read=timeouts.get("read"),
        )
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() not in self._SKIPPED
        ]
        try:
            async with session.request(
                request.method,
                str(request.url),
                headers=headers,
                data=request.content or None,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                content = await response.read()
                return httpx.Response(
                    status_code=response.status,
                    headers=list(response.raw_headers),
                    content=content,
                    request=request,
                )
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timeout", request=request) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timeout", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.RemoteProtocolError(repr(exc), request=request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
