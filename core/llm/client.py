"""The one way FlowPilot calls Anthropic's Messages API: a client built from Settings, forced tool use, the budget.

Every request is counted before it is sent (a :class:`Ledger` reserves it against the account's daily budget and
refuses when it is spent) and its tokens are added to the same ledger when the answer arrives, whatever the
answer holds. The flywheel's generator and Script Assist both call :meth:`AnthropicClient.use_tool`; they differ
only in their prompts and in what they do with the tool's input.

Transient API errors (408, 409, 429, 5xx including 529, connection errors, timeouts) are retried here, not by the
SDK (built with ``max_retries=0``): each attempt is its own request, reserved on the ledger before it is sent, so the
calls counted equal the requests sent. Between attempts the client waits for ``retry-after`` (capped) or an
exponential backoff; what still fails becomes :class:`LLMCallFailed`.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import session_scope
from core.llm import budget

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 429})
# A retry-after longer than this is not waited for in full: the worker retries the session later by its own policy.
MAX_RETRY_WAIT_SECONDS = 20.0


@dataclass
class Usage:
    """Calls made and tokens spent (input counts tokens written to the prompt cache; cache reads apart)."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens


class BudgetExhausted(RuntimeError):
    """Today's LLM budget for the account is spent; ``usage`` holds what was spent before it ran out."""

    usage: Usage | None = None


class LLMCallFailed(RuntimeError):
    """The API could not be used (after the client's retries); ``error_type`` names the SDK's error and
    ``attempts`` the requests sent (each one counted on the ledger)."""

    def __init__(self, message: str, error_type: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.attempts = attempts


class Ledger(Protocol):
    """Where one account's calls are counted: ``reserve`` before a call (False when the budget is spent),
    ``record`` the tokens after it."""

    def reserve(self) -> bool: ...

    def record(self, spent: Usage) -> None: ...


@dataclass
class AccountLedger:
    """Today's ``llm_usage`` row of ``account_id``, written in the caller's transaction."""

    db: Session
    account_id: uuid.UUID
    now: datetime
    daily_budget: int

    def reserve(self) -> bool:
        return budget.reserve_call(self.db, self.account_id, self.now, self.daily_budget)

    def record(self, spent: Usage) -> None:
        record_spent(self.db, self.account_id, self.now, spent)


@dataclass
class EngineLedger:
    """Today's ``llm_usage`` row of ``account_id``, each reservation and record in its own short transaction: for a
    model call made while no transaction is open, so no lock is held while the model thinks."""

    engine: Engine
    account_id: uuid.UUID
    now: datetime
    daily_budget: int

    def reserve(self) -> bool:
        with session_scope(self.engine) as db:
            return budget.reserve_call(db, self.account_id, self.now, self.daily_budget)

    def record(self, spent: Usage) -> None:
        with session_scope(self.engine) as db:
            record_spent(db, self.account_id, self.now, spent)


def record_spent(db: Session, account_id: uuid.UUID, now: datetime, spent: Usage) -> None:
    """Add tokens spent to the account's ledger for today (the calls were counted when reserved)."""
    budget.record_usage(
        db,
        account_id,
        now,
        input_tokens=spent.input_tokens,
        output_tokens=spent.output_tokens,
        cache_read_tokens=spent.cache_read_tokens,
    )


@dataclass
class ToolAnswer:
    """The model's answer: the ``tool_use`` block it called the tool with (None when it answered otherwise)."""

    block: Any
    usage: Usage


@dataclass(frozen=True)
class _Attempt:
    """Why one request failed, and whether and when to try again."""

    error: LLMCallFailed
    retry: bool
    wait: float | None = None  # the server's retry-after, seconds


def _retry_after(headers: Any) -> float | None:
    """The server's wait in seconds (``retry-after-ms`` or ``retry-after`` as seconds), None when absent or odd."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name) if headers is not None else None
        try:
            seconds = float(raw) / scale if raw is not None else None
        except ValueError:
            seconds = None
        if seconds is not None and 0 <= seconds < float("inf"):
            return seconds
    return None


def _classify(exc: Exception) -> _Attempt:
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        headers = exc.response.headers if exc.response is not None else None
        should = (headers.get("x-should-retry") if headers is not None else None) or ""
        retry = exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
        retry = {"true": True, "false": False}.get(should.lower(), retry)
        message = f"Anthropic API error {exc.status_code}: {exc.message}"
        return _Attempt(LLMCallFailed(message, type(exc).__name__), retry, _retry_after(headers))
    if isinstance(exc, anthropic.APIConnectionError):  # timeouts included
        message = f"Anthropic API request failed: {type(exc).__name__}: {exc}"
        return _Attempt(LLMCallFailed(message, type(exc).__name__), True)
    if isinstance(exc, anthropic.APIError):
        message = f"Anthropic API request failed: {type(exc).__name__}: {exc}"
        return _Attempt(LLMCallFailed(message, type(exc).__name__), False)
    # A body that is not JSON: the same request would get the same answer.
    return _Attempt(LLMCallFailed(f"Anthropic API answered malformed JSON: {exc}", type(exc).__name__), False)


class AnthropicClient:
    """The anthropic SDK client and the model it asks; each request is reserved, sent, and its tokens recorded.

    ``max_retries`` is how many times this client sends a request again after a transient error; the SDK itself
    never retries, so no request goes uncounted. ``backoff`` is the first wait between attempts (doubled each time,
    with jitter, capped at :data:`MAX_RETRY_WAIT_SECONDS`) when the server names none.
    """

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str = "",
        max_retries: int = 3,
        timeout: float = 60.0,
        backoff: float = 0.5,
    ) -> None:
        import anthropic

        self.model = model
        self.max_retries = max(0, int(max_retries))
        self.backoff = backoff
        self.sdk = anthropic.Anthropic(api_key=api_key, base_url=base_url or None, max_retries=0, timeout=timeout)

    def _wait(self, attempt: int, server_wait: float | None) -> float:
        if server_wait is not None:
            return min(server_wait, MAX_RETRY_WAIT_SECONDS)
        return min(self.backoff * 2**attempt * (0.75 + random.random() / 2), MAX_RETRY_WAIT_SECONDS)  # noqa: S311

    @classmethod
    def from_settings(
        cls, settings: Settings, *, max_retries: int | None = None, timeout: float | None = None
    ) -> AnthropicClient:
        """The client the settings describe; ``max_retries`` and ``timeout`` override theirs (an engineer waiting
        on a page wants an answer or the fallback sooner than a background worker does)."""
        return cls(
            settings.anthropic_api_key,
            settings.anthropic_model,
            settings.anthropic_base_url,
            max_retries=settings.anthropic_max_retries if max_retries is None else max_retries,
            timeout=float(settings.anthropic_timeout_seconds if timeout is None else timeout),
        )

    def use_tool(
        self,
        *,
        system: str,
        messages: list[dict[str, Any]],
        tool: dict[str, Any],
        max_tokens: int,
        ledger: Ledger | None,
        cache_system: bool = False,
    ) -> ToolAnswer:
        """Ask the model to answer by calling ``tool``, with ``system`` (cached when ``cache_system``).

        Every attempt (the first request and each retry) is reserved on the ledger before it is sent. Raises
        :class:`BudgetExhausted` when the ledger refuses an attempt (nothing more is sent; ``usage.calls`` holds the
        requests already sent), :class:`LLMCallFailed` when the API still fails; without a ledger nothing is
        counted. The tokens of any answer are recorded.
        """
        import anthropic

        prompt: Any = (
            [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}] if cache_system else system
        )
        attempts = 0
        while True:
            if ledger is not None and not ledger.reserve():
                spent = BudgetExhausted("daily LLM budget spent")
                spent.usage = Usage(calls=attempts)
                raise spent
            attempts += 1
            try:
                response = self.sdk.messages.create(
                    model=self.model,
                    max_tokens=max_tokens,
                    system=prompt,
                    tools=[tool],
                    tool_choice={"type": "tool", "name": tool["name"]},
                    messages=messages,
                )
                break
            except RecursionError as exc:
                # A body nested thousands of levels deep: the JSON reader gives up. No valid answer looks like that.
                message = "Anthropic API answered JSON nested too deeply to read"
                raise LLMCallFailed(message, "RecursionError", attempts) from exc
            except (anthropic.APIError, ValueError) as exc:  # ValueError: a body that is not JSON
                failed = _classify(exc)
                failed.error.attempts = attempts
                if not failed.retry or attempts > self.max_retries:
                    raise failed.error from exc
                wait = self._wait(attempts - 1, failed.wait)
                log.info(
                    "model request will be retried",
                    extra={"attempt": attempts, "error": str(failed.error), "wait_seconds": round(wait, 2)},
                )
                time.sleep(wait)
        u = response.usage
        usage = Usage(
            calls=attempts,
            input_tokens=(u.input_tokens or 0) + (getattr(u, "cache_creation_input_tokens", 0) or 0),
            output_tokens=u.output_tokens or 0,
            cache_read_tokens=getattr(u, "cache_read_input_tokens", 0) or 0,
        )
        if ledger is not None:
            ledger.record(usage)
        block = next(
            (b for b in response.content if getattr(b, "type", None) == "tool_use" and b.name == tool["name"]), None
        )
        return ToolAnswer(block, usage)
