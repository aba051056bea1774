"""The package's type hints hold: it ships ``py.typed``, so a program's type checker trusts them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from helpers import ROOT


def test_the_package_type_checks(tmp_path: Path) -> None:
    """mypy found 97 errors in them (a box typed as always there that is None without a face, a
    file object typed as any object), and, through the package's lazy names, saw ``Detector`` as
    ``Any``: a program's misspelt ``detector.anwser(...)`` passed its checks."""
    # The package as written, without the stub Gradio writes beside deforgify/app/components.py
    # once the app has run: mypy reads a stub in place of its module, and that copy goes stale.
    checked = tmp_path / "checked"
    shutil.copytree(ROOT / "deforgify", checked / "deforgify",
                    ignore=shutil.ignore_patterns("*.pyi", "__pycache__", "bundled_model", "face_models"))
    shutil.copy(ROOT / "pyproject.toml", checked)
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "deforgify"],
                            cwd=checked, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    program = tmp_path / "program.py"
    program.write_text("from deforgify import Detector\n\nDetector.load().anwser('photo.jpg')\n")
    misspelt = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), str(program)],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert misspelt.returncode == 1 and '"Detector" has no attribute "anwser"' in misspelt.stdout, misspelt.stdout


def test_the_package_lists_its_public_names_alone_and_imports_them_when_asked() -> None:
    """``dir(deforgify)`` listed ``Any``, ``TYPE_CHECKING``, ``importlib`` and ``os`` beside the
    library's names, and a program could not name an answer's types (``Answer``,
    ``Prediction``) for its own hints without knowing their modules (a developer's walk). Importing
    the package still loads none of NumPy, OpenCV or LiteRT."""
    code = ("import sys, deforgify\n"
            "heavy = sorted(m for m in ('numpy', 'cv2', 'ai_edge_litert') if m in sys.modules)\n"
            "print(dir(deforgify)); print(heavy)\n"
            "from deforgify import Answer, Prediction, Detector\n"
            "print(Answer.__module__, Prediction.__module__, Detector.__module__)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    names, heavy, modules = result.stdout.splitlines()
    assert names == str(["AnimatedImageError", "Answer", "Detector", "InvalidImageError", "InvalidVideoError",
                         "ModelLoadError", "Prediction", "__version__", "load_rgb"])
    assert heavy == "[]"
    assert modules == "deforgify.answer deforgify.prediction deforgify.detector"
