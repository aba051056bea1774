"""The API's refusals that are not about a file's content: their stable codes (an error's
``title``) and words, and which paths count as files uploaded to this app."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from gradio_client.utils import is_http_url_like

SEND_A_FILE = "(gradio_client: handle_file(path))"
"""How a program sends a file, said wherever a call sent none."""
NO_FILE, NOT_A_FILE, WRONG_ARGUMENTS, BAD_CHOICE = "no_file", "not_a_file", "wrong_arguments", "bad_choice"
REPORT_REFUSED, REPORT_NOT_SAVED, TRY_AGAIN_LATER = "report_refused", "report_not_saved", "try_again_later"
"""The codes of the API's refusals that are not about a file's content (those are
:data:`deforgify.refusals.CODES`), given as the error's ``title``: stable, where its words may change."""


def error_row(error: gr.Error) -> dict:
    """A refusal as the page's answer as data: as a command-line row for a file not judged."""
    return {"error": str(error.message), "error_code": error.title}


def not_a_file(kind: str, reason: str) -> gr.Error:
    """The refusal of a call whose ``kind`` ("file", "video") is not a file uploaded here."""
    return gr.Error(f"This {kind} can't be checked: {reason}: send the file itself {SEND_A_FILE}",
                    title=NOT_A_FILE, print_exception=False)


def not_uploaded(path: str) -> str:
    """Why a file's data naming ``path`` is refused: a link (the app fetches none), or a path that
    was never uploaded here."""
    if is_http_url_like(path):
        return f"{path[:200]!r} is a link, which this app does not fetch"
    return f"{path[:200]!r} is not a file uploaded to this app"


def uploaded_here(path: str) -> bool:
    """Whether ``path`` lies in Gradio's upload folder, where uploads and examples are kept."""
    from gradio.utils import get_upload_folder

    try:
        return Path(path).resolve().is_relative_to(Path(get_upload_folder()).resolve())
    except (OSError, ValueError):  # a name no file can have (a NUL byte, too long)
        return False
