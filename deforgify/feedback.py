""""Wrong verdict?" reports: the photo, the answer and the model that gave it, kept only when a
visitor asks, in a local folder or (when configured) a Hugging Face Hub dataset."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

RECORD_FILE = "report.json"


class FeedbackError(RuntimeError):
    """A report could not be kept; the message says why."""


@dataclass(frozen=True)
class FeedbackStore:
    folder: Path
    """Where reports are written (each in a folder of its own)."""
    dataset: Optional[str] = None
    """A Hub dataset OWNER/NAME that each report is also uploaded to."""

    @classmethod
    def from_environment(cls) -> "FeedbackStore":
        return cls(Path(os.environ.get("DEFORGIFY_FLAGS", "flagged")),
                   os.environ.get("DEFORGIFY_FLAG_DATASET") or None)

    def save(self, image: str, answer: dict) -> str:
        """Keep one report; return its id. The image is copied as it was uploaded."""
        report_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        folder = self.folder / report_id
        try:
            folder.mkdir(parents=True)
            shutil.copyfile(image, folder / f"image{Path(image).suffix.lower() or '.img'}")
            record = {"id": report_id, "reported": "wrong verdict", "answer": answer,
                      "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            (folder / RECORD_FILE).write_text(json.dumps(record, indent=1) + "\n")
        except OSError as error:
            raise FeedbackError(f"cannot write the report ({error.strerror or error})") from None
        if self.dataset:
            self._upload(folder, report_id)
        return report_id

    def _upload(self, folder: Path, report_id: str) -> None:
        from huggingface_hub import HfApi

        from deforgify.model_source import hub_endpoint

        try:
            HfApi(endpoint=hub_endpoint()).upload_folder(
                repo_id=self.dataset, repo_type="dataset", folder_path=folder,
                path_in_repo=f"reports/{report_id}", commit_message=f"Wrong-verdict report {report_id}")
        except Exception as error:  # noqa: BLE001  the Hub's errors are many; the local copy stays
            raise FeedbackError(f"kept here, but not sent to the dataset {self.dataset} "
                                f"({type(error).__name__})") from None
