"""The one way FlowPilot calls Anthropic's Messages API: a client built from Settings, forced tool use, the budget.

Every request is counted before it is sent (a :class:`Ledger` reserves it against the account's daily budget and
refuses when it is spent) and its tokens are added to the same ledger when the answer arrives, whatever the
answer holds. The flywheel's generator and Script Assist both call :meth:`AnthropicClient.use_tool`; they differ
only in their prompts and in what they do with the tool's input.

Transient API errors (429, 500, 529, connection errors, timeouts) are retried by the SDK, which honours
``retry-after``; what still fails becomes :class:`LLMCallFailed`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from core.config import Settings
from core.llm import budget


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
    """The API could not be used (after the SDK's retries); ``error_type`` names the SDK's error."""

    def __init__(self, message: str, error_type: str) -> None:
        super().__init__(message)
        self.error_type = error_type


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


class AnthropicClient:
    """The anthropic SDK client and the model it asks; a request is reserved, sent, and its tokens recorded."""

    def __init__(
        self, api_key: str, model: str, base_url: str = "", max_retries: int = 3, timeout: float = 60.0
    ) -> None:
        import anthropic

        self.model = model
        self.sdk = anthropic.Anthropic(
            api_key=api_key, base_url=base_url or None, max_retries=max_retries, timeout=timeout
        )

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

        Raises :class:`BudgetExhausted` (nothing sent) when the ledger refuses the call, :class:`LLMCallFailed`
        when the API fails; without a ledger nothing is counted. The tokens of any answer are recorded.
        """
        import anthropic

        if ledger is not None and not ledger.reserve():
            raise BudgetExhausted("daily LLM budget spent")
        prompt: Any = (
            [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}] if cache_system else system
        )
        try:
            response = self.sdk.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=prompt,
                tools=[tool],
                tool_choice={"type": "tool", "name": tool["name"]},
                messages=messages,
            )
        except anthropic.APIStatusError as exc:
            message = f"Anthropic API error {exc.status_code}: {exc.message}"
            raise LLMCallFailed(message, type(exc).__name__) from exc
        except anthropic.APIError as exc:
            message = f"Anthropic API request failed: {type(exc).__name__}: {exc}"
            raise LLMCallFailed(message, type(exc).__name__) from exc
        except ValueError as exc:  # a body that is not JSON
            raise LLMCallFailed(f"Anthropic API answered malformed JSON: {exc}", type(exc).__name__) from exc
        u = response.usage
        usage = Usage(
            calls=1,
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
