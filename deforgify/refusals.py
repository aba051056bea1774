"""Stable codes for why a file was not judged, for programs: the words of a refusal may be
reworded, its code is not. ``deforgify predict --json`` gives it as ``error_code`` beside
``error``; the app's API as the error's ``title`` (gradio_client's ``AppError.title``)."""

from __future__ import annotations

ANIMATED_IMAGE = "animated_image"
"""A picture of several frames sent as a photo: it can be checked as a video (the app's page does)."""
NOT_FOUND = "not_found"
"""No file by that name: a scan scores it once it is there."""
REASON_CODES: tuple[tuple[str, str], ...] = (
    ("image too large", "too_large"),
    ("file too large", "too_large"),
    ("video too large", "too_large"),
    ("video frames too large", "too_large"),
    ("image too small", "too_small"),
    ("video frames too small", "too_small"),
    ("video too long", "too_long"),
    ("wrong aspect ratio", "wrong_aspect_ratio"),
    ("animated image", ANIMATED_IMAGE),
    ("not an image file: it is a video", "video_not_photo"),
    ("not a video file: it is", "picture_not_video"),
    ("the file is empty", "empty_file"),
    ("no such file", NOT_FOUND),
    ("could not be judged", "internal_error"),
    ("could not be read (", "internal_error"),
)
"""A refusal's first words and its code. ``internal_error`` is a fault of this program, not of
the file (an unexpected exception while it was read or judged)."""
TIME_LIMIT = "time_limit"
"""A video whose reading took longer than the time limit: the file may be fine (a busy server)."""
UNREADABLE = "unreadable"
"""Any other reason: damaged, not a picture or video, a format that cannot be read."""
CODES = tuple(dict.fromkeys(code for _, code in REASON_CODES)) + (TIME_LIMIT, UNREADABLE)


def refusal_code(reason: str) -> str:
    """The code of a file's refusal from its reason (an InvalidImageError's or InvalidVideoError's
    message, or a row's ``error``)."""
    start = reason.lower()
    if "time limit" in start:  # the step that ran out of time comes first in these reasons
        return TIME_LIMIT
    return next((code for words, code in REASON_CODES if start.startswith(words)), UNREADABLE)


class Coded:
    """Gives a refusal (InvalidImageError, InvalidVideoError) its :attr:`code`."""

    @property
    def code(self) -> str:
        """The refusal's stable code (:func:`refusal_code` of its message)."""
        return refusal_code(str(self))
