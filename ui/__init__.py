"""Pages, widget and HTTP API: the chat page, the embeddable widget and `/api`, in one app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ui._log import QuestionLog, QuestionLogError, format_report

if TYPE_CHECKING:
    from ui._app import create_app, serve

__all__ = ["QuestionLog", "QuestionLogError", "create_app", "format_report", "serve"]


def __getattr__(name: str) -> Any:
    # Gradio takes seconds to import, and `assistant report` needs only the log.
    if name in ("create_app", "serve"):
        from ui import _app

        return getattr(_app, name)
    raise AttributeError(f"module 'ui' has no attribute {name!r}")
