/*
 * A file the browser cannot draw says so in the photo's place, instead of a broken-image icon
 * (the answer box says why it cannot be checked), and a clip it cannot play (MPEG-4 Part 2 in
 * Chromium, or no video at all) in the player's place, instead of an error toast over the
 * answer, without the player's trim and reset buttons (trimming a clip it cannot play never
 * ended); a file the photo's or the video's input refuses in the browser is named in plain words
 * ("not a photo", "not a video", not "Only image/* allowed"); each fold (accordion) tells a
 * screen reader whether it is open (Gradio's said neither, its name ending in its arrow "▼");
 * the header's "model card" link opens the card and brings its top into view once it is open
 * (the link's own jump happened while it was still folded, leaving the card's title on the
 * screen's last line). What Gradio leaves out for screen readers and keyboards is added as the
 * page is drawn: each report's choices form one named radio group (Gradio gave each choice a
 * group of its own, with no name: three tab stops, read without the question), each report's
 * status is a live region (its "Thank you" or reason is read out), the photo being checked has a
 * text alternative, the timeline's chart is left to its caption, which says in words what it
 * shows (the chart's own name was its tick numbers), a picture in an answer is no tab stop
 * (Gradio wraps it in a button that does nothing), a download link is one named stop (it was
 * two: a link without a name around a button), and a model card's table wider than the screen is
 * a stop (arrow keys scroll it) with a shadow at each side that hides more (on a phone it was
 * cut off with no sign that it scrolls).
 */
// A picture pasted anywhere on the page (Ctrl+V, or the browser's "Paste") is the photo to
// check, as an upload is (Gradio took a paste only through the photo's clipboard button, which
// asks for permission; a visitor's Ctrl+V did nothing); text pasted into a field stays text.
document.addEventListener('paste', (event) => {
  if (event.target.closest?.('input, textarea, [contenteditable="true"]')) return;
  const file = [...(event.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
  const input = document.querySelector('#photo input[type=file]');
  if (!file || !input) return;
  event.preventDefault();
  const files = new DataTransfer();
  files.items.add(file);
  input.files = files.files;
  input.dispatchEvent(new Event('change', {bubbles: true}));
});
// The input a file was last given to: Gradio's message of a file too large names neither.
let givenTo = 'photo';
for (const kind of ['change', 'drop']) {
  document.addEventListener(kind, (event) => {
    const input = event.target.closest?.('#photo, #video-input');
    if (input) givenTo = input.id;
  }, true);
}
// Gradio's refusal of a file in the browser, in plain words, and the input it was given to;
// null for any other message. UPLOAD_LIMITS (before this script) says how large a file may be.
const refusedFile = (message) => {
  const type = message.match(/^Invalid file types?: (.+)\. Only (image|video)\/.* allowed\.$/);
  if (type && type[2] === 'image') {
    return {input: 'photo', words: `${type[1]} is not a photo: choose a JPEG, PNG, WebP or HEIC photo of a face (a clip goes under "Check a video").`};
  }
  if (type) {
    return {input: 'video-input', words: `${type[1]} is not a video file this page takes: choose an MP4, WebM, MOV, MKV or AVI clip (an animated GIF, PNG or WebP, like a photo, goes under "Check a photo", which checks it as a clip).`};
  }
  // "File(s) exceed the maximum allowed size of 190.7 Mb": Gradio's megabytes are 1,048,576 bytes, the page's a million
  const size = message.match(/^File\(s\) exceed the maximum allowed size of [^:]+: (.+)$/);
  if (!size) return null;
  const limit = UPLOAD_LIMITS[givenTo];
  const most = givenTo === 'photo' ? `a photo may be at most ${limit}` : `a clip may be at most ${limit} and ${UPLOAD_LIMITS.duration}`;
  return {input: givenTo, words: `${size[1].replace(/^"|"$/g, '').replace(/", "/g, ', ')} is too large to upload: ${most}.`};
};
document.addEventListener('error', (event) => {
  const media = event.target;
  if (media.tagName === 'IMG' && media.closest('#photo')) media.classList.add('unreadable');
  const video = media.tagName === 'SOURCE' ? media.parentElement : media;
  if (video?.tagName === 'VIDEO' && video.closest('#video-input')) {
    video.classList.add('unplayable');
    event.stopImmediatePropagation();  // not also Gradio's "Video not playable" error toast
  }
}, true);
document.addEventListener('load', (event) => event.target.classList?.remove('unreadable'), true);
document.addEventListener('loadeddata', (event) => {  // played, unless it has no picture (audio only)
  const media = event.target;
  const blind = media.tagName === 'VIDEO' && media.videoWidth === 0 && media.closest('#video-input');
  media.classList?.toggle('unplayable', Boolean(blind));
}, true);
document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[href^="#model-card"]');
  if (!link) return;
  event.preventDefault();
  const card = document.getElementById('model-card');
  const content = card?.querySelector('[data-testid="accordion-content"]');
  if (content && content.style.display === 'none') card.querySelector('button.label-wrap').click();
  // "#model-card--sources-never-seen-...": at that heading (a visitor's link to the held-out figures
  // opened the card's top); the anchor as the Hub makes it from the heading's words.
  const anchor = link.getAttribute('href').split('--').slice(1).join('--');
  const slug = (text) => text.toLowerCase().replace(/[^a-z0-9 -]/g, '').trim().replace(/ /g, '-');
  setTimeout(() => {  // once the opened card has its height; the focus goes there too, or Tab jumps back up
    const headings = [...(card?.querySelectorAll('h1, h2, h3') ?? [])];
    const heading = anchor ? headings.find((h) => slug(h.textContent) === anchor) : null;
    (heading ?? card)?.scrollIntoView({block: 'start'});
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({preventScroll: true});
    } else {
      card?.querySelector('button.label-wrap')?.focus({preventScroll: true});
    }
  }, 150);
});
// A model card's table wider than the screen is a keyboard stop, so that arrow keys can scroll it.
const wideTables = new ResizeObserver((entries) => {
  for (const {target} of entries) {
    if (target.scrollWidth > target.clientWidth + 1) target.setAttribute('tabindex', '0');
    else target.removeAttribute('tabindex');
  }
});
// Gradio's own status region for screen readers announces "common.complete", a key its
// translations lack, a while after an answer (a visitor heard it); the verdict box, a live region
// of its own, has said what happened. Such words are emptied in place (Gradio keeps writing there),
// watched in that region alone: the page's timer rewrites its text ten times a second.
const unkeyed = (region) => {
  const words = document.createTreeWalker(region, NodeFilter.SHOW_TEXT);
  while (words.nextNode()) if (/^\s*common\.[a-z_]+\s*$/.test(words.currentNode.data)) words.currentNode.data = '';
};
new MutationObserver(() => {
  document.querySelectorAll('.sr-only[role=status]:not([data-unkeyed])').forEach((region) => {
    region.dataset.unkeyed = '';
    unkeyed(region);
    new MutationObserver(() => unkeyed(region)).observe(region, {childList: true, subtree: true, characterData: true});
  });
  document.querySelectorAll('#model-card table:not([data-watched])').forEach((table) => {
    table.dataset.watched = '';
    wideTables.observe(table);
  });
  for (const id of ['report-face', 'should-be', 'video-report-face', 'video-should-be']) {
    const group = document.getElementById(id);
    if (!group) continue;
    if (group.getAttribute('role') !== 'radiogroup') group.setAttribute('role', 'radiogroup');
    // named as its question reads now ("It should have been:" once a face can be chosen above it)
    const question = group.querySelector('[data-testid="block-info"]')?.textContent.trim() ?? '';
    if (group.getAttribute('aria-label') !== question) group.setAttribute('aria-label', question);
    // Gradio renames a choice each time it redraws it: one name again, or arrow keys leave the group.
    group.querySelectorAll('input[type=radio]').forEach((choice) => { if (choice.name !== id) choice.name = id; });
  }
  for (const id of ['flag-status', 'video-flag-status']) {
    const status = document.getElementById(id);
    if (status && !status.hasAttribute('role')) {
      status.setAttribute('role', 'status');
      status.setAttribute('aria-live', 'polite');
    }
  }
  document.querySelectorAll('[data-testid="toast-text"]').forEach((text) => {
    const refused = refusedFile(text.textContent.trim());
    if (!refused) return;
    text.textContent = refused.words;
    // Kept under the input once the message closes, until the next file; the file still shown
    // there (and its answer) is the earlier one (a visitor read an earlier photo's "truncated or
    // corrupt" as said of the text file refused after it).
    let note = document.getElementById(`${refused.input}-refused`);
    if (!note) {
      note = Object.assign(document.createElement('p'), {id: `${refused.input}-refused`, className: 'refused'});
      document.getElementById(refused.input)?.after(note);
    }
    const earlier = document.querySelector(refused.input === 'photo' ? '#photo img' : '#video-input video');
    note.textContent = refused.words + (earlier ? ' What is shown above is still the file before it.' : '');
  });
  document.querySelectorAll('button.label-wrap').forEach((fold) => {  // an accordion's header
    const open = String(fold.classList.contains('open'));
    if (fold.getAttribute('aria-expanded') !== open) fold.setAttribute('aria-expanded', open);
    fold.querySelector('.icon:not([aria-hidden])')?.setAttribute('aria-hidden', 'true');
  });
  // A picture in the answer sits in a button that does nothing: not a keyboard stop (its text
  // alternative is still read); a download link holds a button: one stop, named.
  document.querySelectorAll('.image-container > button:not([tabindex])').forEach((frame) => {
    frame.tabIndex = -1;
    frame.setAttribute('role', 'figure');  // not announced as a button
  });
  // An upload box is named by the words it shows, which voice control users say ("click Click to
  // Upload"); Gradio named it "Drop an image file here to upload".
  document.querySelectorAll('button.upload-container').forEach((box) => {
    const shown = box.innerText.replace(/\s+/g, ' ').trim();
    if (shown && box.getAttribute('aria-label') !== shown) box.setAttribute('aria-label', shown);
  });
  document.querySelectorAll('a.download-link:not([aria-label])').forEach((link) => {
    link.setAttribute('aria-label', link.querySelector('button')?.getAttribute('aria-label') || 'Download');
    link.querySelector('button')?.setAttribute('tabindex', '-1');
  });
  // While a new photo uploads (seconds on a slow line), the answer beside it is the old photo's: dimmed, and
  // not to be checked again or reported.
  const uploading = Boolean(document.querySelector('#photo span.uploading'));
  document.body.classList.toggle('photo-uploading', uploading);
  for (const id of ['photo-answer', 'check-again']) document.getElementById(id)?.toggleAttribute('inert', uploading);
  const photo = document.querySelector('#photo img:not([alt]), #photo img[alt=""]');
  if (photo) photo.alt = 'The photo being checked';
  document.querySelector('#video-timeline svg.marks:not([aria-hidden])')?.setAttribute('aria-hidden', 'true');
}).observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ['name', 'class']});
