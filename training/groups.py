"""Which images belong together and must never straddle train, val and test.

Video-derived sources hold many crops of one person or one clip; a split by file would put the
same face on both sides. A source folder may name the groups in a CSV beside its images, in one
of the two layouts the shared data sets use (see their SOURCE.md):

- ``pairs.csv`` with ``real_file`` and ``fake_file``: each fake joins the group of the real video
  it was made from (DFDC: split by source video);
- ``crops.csv`` with ``file`` and ``target_video``: every crop joins its target video's group
  (FaceForensics++: split by target video id);
- ``groups.csv`` with ``file`` and ``group``: the group named (diffusion-faces: the two tiles of
  one Midjourney grid; the tiles of one user's prompt in its test set; the same prompt's words
  recur across users and in Stable Diffusion, in other groups).

Any other image is a group of its own.
"""

from __future__ import annotations

import csv
from pathlib import Path


def group_names(folder: Path) -> dict[str, str]:
    """File name -> group name for the images of ``folder`` that its CSV files group."""
    groups: dict[str, str] = {}
    pairs, crops, named = folder / "pairs.csv", folder / "crops.csv", folder / "groups.csv"
    if pairs.is_file():
        for row in _rows(pairs, {"real_file", "fake_file"}):
            groups[row["real_file"]] = groups[row["fake_file"]] = row["real_file"]
    if crops.is_file():
        for row in _rows(crops, {"file", "target_video"}):
            groups[row["file"]] = f"video {row['target_video']}"
    if named.is_file():
        for row in _rows(named, {"file", "group"}):
            groups[Path(row["file"]).name] = row["group"]
    return groups


def _rows(path: Path, columns: set[str]) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if not columns <= set(reader.fieldnames or ()):
            return []
        return list(reader)
