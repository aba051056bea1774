"""What runs in the visitor's browser: the page's style sheet and script (page.css, page.js),
and the small functions events run there before the server answers (emptying the old answer,
bringing the answer into view, moving the keyboard's focus)."""

from __future__ import annotations

import json
from importlib.resources import files

from deforgify.app.checks import VIDEO_LIMITS, VIDEO_MAX_BYTES
from deforgify.app.verdict_box import AWAITING_PHOTO
from deforgify.decode.images import MAX_FILE_BYTES

PAGE_CSS = files(__package__).joinpath("page.css").read_text(encoding="utf-8")
UPLOAD_LIMITS = {"photo": f"{MAX_FILE_BYTES // 1_000_000} MB", "video-input": f"{VIDEO_MAX_BYTES // 1_000_000} MB",
                 "duration": f"{VIDEO_LIMITS.max_seconds / 60:g} minutes"}
"""The largest files each input takes, as page.js words a file Gradio refused for its size
("190.7 Mb" beside the page's "200 MB" read as two limits)."""
PAGE_HEAD = (f"<script>\nconst UPLOAD_LIMITS = {json.dumps(UPLOAD_LIMITS)};\n"
             f"{files(__package__).joinpath('page.js').read_text(encoding='utf-8')}</script>")
"""What goes into the page's head: page.js, in a script element, after the limits it words."""


def scroll_into_view(element_id: str) -> str:
    """JavaScript bringing the element into view when it is off the screen (a phone's, mostly),
    and giving it the keyboard's focus when the focus was lost (on the page's body: the upload
    button it was on went with the upload; or on a button now disabled, as the report button
    once it has reported), so the next Tab goes on from the answer."""
    return f"""() => {{
  const box = document.getElementById('{element_id}');
  if (!box) return;
  const rect = box.getBoundingClientRect();
  if (rect.top < 0 || rect.bottom > window.innerHeight) box.scrollIntoView({{block: 'start'}});
  const active = document.activeElement;
  if (!active || active === document.body || active.disabled) {{
    box.tabIndex = -1;
    box.focus({{preventScroll: true}});
  }}
}}"""


SCROLL_TO_VERDICT = scroll_into_view("verdict-box")

CLOSE_MESSAGES = """
  document.querySelectorAll('[data-testid="toast-close"]').forEach((close) => close.click());"""
"""A JavaScript statement: Gradio's messages on the page are closed."""


def answer_area_in_view(element_id: str) -> str:
    """JavaScript statements: Gradio's messages about an earlier file closed (at the top of the
    screen, one would cover the new answer), and the answer's place brought into view when it is
    at the screen's foot or below it (a phone's, where it is under the input): the check's
    progress shows there."""
    return CLOSE_MESSAGES + f"""
  const answer = document.getElementById('{element_id}');
  if (answer && answer.getBoundingClientRect().top > window.innerHeight - 200) {{
    answer.scrollIntoView({{block: 'start'}});
  }}
"""


FORGET_REFUSAL = "document.getElementById('{input}-refused')?.remove();"
"""A JavaScript statement: the note of a file the browser refused for ``input`` (see page.js)
goes; run when the photo changes or is checked again, and when the next clip arrives (a refused
clip empties the video input: not then)."""

CLEAR_JS = """(photo) => {
  const path = photo ? (photo.path || photo.url || null) : null;
  if (path === (window.deforgifyPhoto ?? null)) return Array(11).fill({__type__: 'update'});
  window.deforgifyPhoto = path;
  """ + FORGET_REFUSAL.format(input="photo") + """
  if (path !== null) {""" + answer_area_in_view("verdict") + """  } else {  // removed: the keyboard stays on the photo
    setTimeout(() => {
      if (document.activeElement === document.body) document.querySelector('#photo button.upload-container')?.focus();
    }, 100);
  }
  const hidden = {__type__: 'update', value: null, visible: false};
  const summary = path === null ? """ + json.dumps(AWAITING_PHOTO) + """ : '';
  return [null, summary, hidden, hidden, null, hidden, '', '', null,
          {__type__: 'update', visible: 'hidden'}, {__type__: 'update', visible: false}];
}"""
"""The same, at once in the browser when the photo changes, before the server answers, with the
re-check button and the report controls put away until the new photo's answer; a second change
event for the same photo (the browser may send one late) leaves its answer alone; the
messages Gradio showed for an earlier file are closed, and on a phone the page goes to the
answer's place at once (:func:`answer_area_in_view`: the screen showed the photo alone, no sign
that anything was under way, until the answer came); a photo removed with the keyboard leaves the
focus on the empty photo box (it fell to the page's top)."""

VIDEO_CHECK_STARTED_JS = "() => {" + answer_area_in_view("video-verdict") + """
  const place = document.getElementById('video-verdict');
  if (place) { place.tabIndex = -1; place.focus({preventScroll: true}); }
}"""
"""The same when the video's check starts (its progress was drawn below a phone's screen), and the
keyboard's focus moved to the answer's place: the button it was on is disabled while the check
runs, and the focus fell to the page's body until the answer came."""

FOCUS_CHECK_VIDEO = """() => {
  const button = document.getElementById('video-check-button');
  let waited = 0;
  const ready = setInterval(() => {
    if ((button && !button.disabled) || ++waited > 50) { clearInterval(ready); button?.focus(); }
  }, 100);
}"""
"""Once a clip is uploaded, the keyboard's focus is on "Check the video" as soon as it is usable
(the upload button it was on is gone with the upload, leaving the focus at the page's top)."""
