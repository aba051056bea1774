"""HEIC, the iPhone's own photo format: Pillow reads (and writes) it once this module is imported,
through libheif in pillow-heif's wheel; Pillow reads AVIF itself. Thumbnails are never used,
and libheif applies the file's rotation and mirroring itself (its EXIF orientation is then reset,
so it is not applied twice)."""

from pillow_heif import register_heif_opener

register_heif_opener(thumbnails=False)
