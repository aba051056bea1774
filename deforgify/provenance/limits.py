"""Bounds on reading metadata: a hostile file gets a clear per-file result in bounded time and
memory, never a hang, a crash or a huge allocation. Each limit is far above what a real
generator, camera or editor writes."""

MAX_CONTAINER_BLOCKS = 20_000
"""JPEG segments, PNG chunks or WebP chunks walked per file (a PNG of one-byte chunks would
otherwise cost seconds in Python); the walk stops there and says so."""
MAX_TEXT_CHUNKS = 64
"""PNG text chunks (tEXt, zTXt, iTXt) read per file; the others are counted."""
MAX_TEXT_BYTES = 1_000_000
"""A PNG text chunk, compressed or not, is read up to this many bytes of text (Pillow's own
limit for one chunk); a larger one is skipped."""
MAX_TOTAL_TEXT_BYTES = 8_000_000
"""All PNG text and XMP read from one file, decompressed."""
MAX_XMP_BYTES = 1_000_000
"""An XMP packet larger than this is not parsed (real packets are a few KB; Photoshop's
history can reach a few hundred)."""
MAX_XMP_PACKETS = 4
MAX_XML_DEPTH = 64
"""XML nesting in an XMP packet (real ones nest under 10 deep)."""
MAX_XML_ELEMENTS = 50_000
"""Elements parsed per XMP packet; no tree is built, only the wanted properties are kept."""
MAX_EXIF_BYTES = 256_000
"""EXIF larger than this is not parsed (a JPEG's is at most 64 KB)."""
MAX_C2PA_BYTES = 32_000_000
"""An embedded C2PA manifest store larger than this is not handed to the C2PA library (real
ones, thumbnails and ingredients included, are well under a few MB)."""
MAX_VALUE_CHARS = 200
"""Text quoted from metadata (a generator's name, a camera model) is cut to this length."""
MAX_VALUES = 16
"""Values of one property (actions, history entries, keys) kept per file."""
MAX_MANIFESTS = 64
"""C2PA manifests (the active one and its ingredients') followed per file."""
