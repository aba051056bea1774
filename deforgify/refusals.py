"""Stable codes for why a file was not judged, for programs: the words of a refusal may be
reworded, its code is not. ``deforgify predict --json`` gives it as ``error_code`` beside
``error``; the app's API as the error's ``title`` (gradio_client's ``AppError.title``)."""

from __future__ import annotations

from typing import Optional

ANIMATED_IMAGE = "animated_image"
"""A picture of several frames sent as a photo: it can be checked as a video (the app's page does)."""
NOT_FOUND = "not_found"
"""No file by that name: a scan scores it once it is there."""
PICTURE_NOT_VIDEO = "picture_not_video"
"""A still picture sent as a video (named like one, say): the command checks it as a photo."""
INTERNAL_ERROR = "internal_error"
"""A fault of this program, not of the file (an unexpected exception while it was read or judged)."""
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
    ("not a video file: it is", PICTURE_NOT_VIDEO),
    ("the file is empty", "empty_file"),
    ("no such file", NOT_FOUND),
    ("could not be judged", INTERNAL_ERROR),
    ("could not be read (", INTERNAL_ERROR),
)
"""A refusal's first words and its code."""
TIME_LIMIT = "time_limit"
"""A video whose reading took longer than the time limit: the file may be fine (a busy server)."""
UNREADABLE = "unreadable"
"""Any other reason: damaged, not a picture or video, a format that cannot be read."""
CODES = tuple(dict.fromkeys(code for _, code in REASON_CODES)) + (TIME_LIMIT, UNREADABLE)


def refusal_code(reason: str) -> str:
    """The code of a file's refusal from its reason's first words (an InvalidImageError's or
    InvalidVideoError's message, or an older scan's row, which kept no code): a reason whose
    code cannot be told from its start (a time limit's, which begins with the step that ran out
    of time) is given its code where it is raised (:class:`Coded`)."""
    start = reason.lower()
    return next((code for words, code in REASON_CODES if start.startswith(words)), UNREADABLE)


class Coded(Exception):
    """Gives a refusal (InvalidImageError, InvalidVideoError) its :attr:`code`: the one it was
    raised with, or else :func:`refusal_code` of its message."""

    def __init__(self, *args: object, code: Optional[str] = None) -> None:
        super().__init__(*args)
        self._code = code

    @property
    def code(self) -> str:
        """The refusal's stable code."""
        return self._code or refusal_code(str(self))
