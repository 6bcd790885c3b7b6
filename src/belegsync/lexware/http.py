"""Sending one request for one API key: pacing, retries, counting, error mapping.

This is the only place that puts the API key on the wire. The key lives in a private
attribute of :class:`KeyedSender` and is never logged or shown in a repr.

Requests go out through a :class:`~belegsync.lexware.transport.Wire` (aiohttp in
production, an httpx transport in tests), which answers with the status, headers and
whole body, or raises a :class:`~belegsync.lexware.transport.WireError`. A request that
succeeds at once never enters stamina's retry machinery; only a retryable failure does.
"""

from __future__ import annotations

from collections.abc import Callable

import stamina
import structlog

from belegsync.lexware.error_bodies import body_message, parse_error_body
from belegsync.lexware.errors import (
    LexwareError,
    LexwareUnavailableError,
    error_for_status,
    is_search_window_answer,
)
from belegsync.lexware.ratelimit import Pacer
from belegsync.lexware.retry import (
    RetryableStatusError,
    RetryPolicy,
    parse_retry_after,
    should_retry_status,
    should_retry_transport_error,
)
from belegsync.lexware.stats import ApiCallStats
from belegsync.lexware.transport import Answer, Headers, Wire, WireError

logger = structlog.get_logger("belegsync.lexware")

JSON_MEDIA_TYPE = "application/json"


def _mentions_rate_limit(response: Answer) -> bool:
    """Lexware's later docs: 500 "Internal server error or rate limit exceeded"."""
    return b"rate limit" in response.content[:200].lower()


def mask_key(api_key: str) -> str:
    """``…abcd``: the only form of a key that may be shown or logged."""
    return f"…{api_key[-4:]}" if len(api_key) >= 8 else "…"


class KeyedSender:
    """Sends requests with one API key through that key's pacer and the retry policy."""

    def __init__(
        self,
        *,
        http: Wire,
        api_key: str,
        pacer: Pacer,
        policy: RetryPolicy,
        stats: ApiCallStats,
    ) -> None:
        self.__api_key = api_key
        self._http = http
        self._pacer = pacer
        self._policy = policy
        self.stats = stats
        self.key_hint = mask_key(api_key)

    def __repr__(self) -> str:
        return f"KeyedSender(key={self.key_hint})"

    def _retry_hook(self, method: str) -> Callable[[Exception], bool | float]:
        timeout = self._policy.timeout

        def hook(error: Exception) -> bool | float:
            if isinstance(error, RetryableStatusError):
                if error.retry_after is not None:
                    # Honour the server's wish, but never beyond our own retry budget.
                    return min(error.retry_after, timeout)
                return True
            if isinstance(error, WireError):
                return should_retry_transport_error(method, error)
            return False

        return hook

    async def send(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        content: bytes | None = None,
        accept: str = JSON_MEDIA_TYPE,
    ) -> Answer:
        """Send a request and return a 2xx response, or raise a :class:`LexwareError`.

        ``path`` starts with ``/v1/…``; ``query`` is an already encoded query string.
        """
        headers = [("Authorization", f"Bearer {self.__api_key}"), ("Accept", accept)]
        if content is not None:
            headers.append(("Content-Type", JSON_MEDIA_TYPE))
        url = f"{path}?{query}" if query else path
        try:
            try:
                # The first attempt outside stamina: most requests need no other.
                return await self._attempt(method, path, url, headers, content)
            except (RetryableStatusError, WireError) as error:
                first_failure = error
            return await self._retry(method, path, url, headers, content, first_failure)
        except RetryableStatusError as error:
            raise self._error(error.response, method, path) from None
        except WireError as error:
            logger.warning(
                "lexware_request_failed",
                method=method,
                path=path,
                error=error.kind,
                code=LexwareUnavailableError.default_code,
            )
            raise LexwareUnavailableError(method=method, path=path) from error

    async def _retry(
        self,
        method: str,
        path: str,
        url: str,
        headers: Headers,
        content: bytes | None,
        first_failure: RetryableStatusError | WireError,
    ) -> Answer:
        """Attempts 2…n under stamina; attempt 1 replays the first attempt's failure, so
        stamina decides on it and waits exactly as if it had sent it itself."""
        policy = self._policy
        last_failure = _failure_name(first_failure)
        async for attempt in stamina.retry_context(
            on=self._retry_hook(method),
            attempts=policy.attempts,
            timeout=policy.timeout,
            wait_initial=policy.wait_initial,
            wait_max=policy.wait_max,
            wait_jitter=policy.wait_jitter,
            wait_exp_base=policy.wait_exp_base,
        ):
            with attempt:
                if attempt.num == 1:
                    raise first_failure
                self.stats.retries += 1
                logger.warning(
                    "lexware_request_retry",
                    method=method,
                    path=path,
                    status=last_failure,
                    attempt=attempt.num,
                )
                try:
                    return await self._attempt(method, path, url, headers, content)
                except (RetryableStatusError, WireError) as error:
                    last_failure = _failure_name(error)
                    raise
        raise AssertionError("unreachable: stamina either returns or raises")

    async def _attempt(
        self,
        method: str,
        path: str,
        url: str,
        headers: Headers,
        content: bytes | None,
    ) -> Answer:
        """One paced request: a 2xx response, a retryable failure, or a LexwareError."""
        sent_at = await self._pacer.acquire()
        self.stats.requests_sent += 1
        response = await self._http.send(method, url, headers, content)
        status = response.status_code
        if status < 300:
            self._pacer.answered()
            return response
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            self.stats.rate_limited += 1
        if status == 429 or (status == 500 and _mentions_rate_limit(response)):
            # each throttled answer slows this key's pacer down
            self._pacer.throttled(retry_after, sent_at=sent_at)
        else:
            self._pacer.answered()
        if should_retry_status(method, status) and not (
            # a 500 that reports the search window is an answer, not an outage
            status == 500 and is_search_window_answer(response.content)
        ):
            raise RetryableStatusError(response, retry_after)
        if status >= 400:
            raise self._error(response, method, path)
        return response

    def _error(self, response: Answer, method: str, path: str) -> LexwareError:
        # The gateway's 403 text echoes the Authorization header, i.e. the key itself.
        content = response.content.replace(self.__api_key.encode(), b"[redacted]")
        body = parse_error_body(content)
        error = error_for_status(response.status_code, body, method=method, path=path)
        # A 404 is often an expected answer (probing a permission, a deleted voucher).
        log = logger.debug if response.status_code == 404 else logger.warning
        log(
            "lexware_request_failed",
            method=method,
            path=path,
            status=response.status_code,
            code=error.code,
            detail=body_message(body),
        )
        return error


def _failure_name(error: RetryableStatusError | WireError) -> int | str:
    if isinstance(error, RetryableStatusError):
        return error.response.status_code
    return error.kind
