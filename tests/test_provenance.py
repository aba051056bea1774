"""Provenance beside pixels: real signed files (a throw-away CA signs with c2pa-python in the
test), XMP, PNG-chunk and EXIF fixtures, hostile metadata, read through the library, the CLI,
a scan, the app's API and a browser upload."""

from __future__ import annotations

import http.server
import io
import json
import re
import struct
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

import provenance_files as pf
from helpers import run_module

CONTRACT = {"claim", "evidence", "valid", "trusted"}
CLAIMS = ("ai_generated", "ai_edited", "camera", "none")
KINDS = ("c2pa", "xmp", "png_text", "exif")
PIXEL_LABELS = ("real", "fake", "unsure", "no_face")
EXPECTED = {
    # file: claim, evidence kinds, valid, trusted, whether provenance decides the verdict
    "plain.jpg": ("none", [], None, None, False),
    "ai-created.jpg": ("ai_generated", ["c2pa"], True, False, True),
    "captured.jpg": ("camera", ["c2pa"], True, False, False),
    "ai-edited.jpg": ("ai_edited", ["c2pa"], True, False, True),
    "tampered.jpg": ("ai_generated", ["c2pa"], False, False, False),
    "ai-created.png": ("ai_generated", ["c2pa"], True, False, True),
    "ai-created.webp": ("ai_generated", ["c2pa"], True, False, True),
    "xmp-ai.jpg": ("ai_generated", ["xmp"], None, None, True),
    "xmp-ai-edited.jpg": ("ai_edited", ["xmp"], None, None, True),
    "a1111.png": ("ai_generated", ["png_text"], None, None, True),
    "comfyui.png": ("ai_generated", ["png_text"], None, None, True),
    "camera.jpg": ("camera", ["exif"], None, None, False),
    "camera.heic": ("camera", ["exif"], None, None, False),  # an iPhone's photo
    "xmp-ai.heic": ("ai_generated", ["xmp"], None, None, True),
    "a1111.avif": ("ai_generated", ["exif"], None, None, True),
    "a1111.jpg": ("ai_generated", ["exif"], None, None, True),
    "generic-settings.png": ("ai_generated", ["png_text"], None, None, True),
    "caption.png": ("none", [], None, None, False),
    "no-face-a1111.png": ("ai_generated", ["png_text"], None, None, True),
}


@pytest.fixture(scope="module")
def authority() -> pf.Authority:
    return pf.make_authority()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray, authority) -> dict[str, Path]:
    from skimage import data

    return pf.make_files(tmp_path_factory.mktemp("provenance"), astronaut, data.coffee(), authority)


@pytest.fixture(scope="module")
def rows(files: dict[str, Path]) -> dict[str, dict]:
    """``deforgify predict --json`` over every fixture, in one run, by file name."""
    result = run_module("deforgify", "predict", "--json", *map(str, files.values()))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    return {Path(row["file"]).name: row for row in map(json.loads, result.stdout.splitlines())}


def read(path: Path):
    from deforgify.provenance import read_provenance

    return read_provenance(path.read_bytes())


# --- the library -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXPECTED)
def test_the_library_reads_what_each_file_says(files, name) -> None:
    from deforgify.provenance.rules import decided_by_provenance

    claim, kinds, valid, trusted, decides = EXPECTED[name]
    provenance = read(files[name])
    data = provenance.to_json()
    assert set(data) == CONTRACT
    assert (data["claim"], [e["kind"] for e in data["evidence"]], data["valid"], data["trusted"]) == \
        (claim, kinds, valid, trusted)
    assert decided_by_provenance(provenance) is decides
    for item in data["evidence"]:
        assert item["kind"] in KINDS and item["claim"] in CLAIMS
        assert item["says"][0].isupper() and item["says"].endswith(".") and "\n" not in item["says"]
    json.dumps(data)  # plain data all the way down


def test_c2pa_evidence_names_signer_generator_actions_and_validation(files) -> None:
    created = read(files["ai-created.jpg"]).evidence[0]
    assert created.details["signer"] == "Test Generator (Deforgify Test CA)"
    assert created.details["generator"] == "Test Image Generator 1.0"
    assert created.details["actions"] == [{"action": "c2pa.created", "software_agent": None,
                                           "digital_source_type": pf.IPTC + "trainedAlgorithmicMedia"}]
    assert created.details["validation_state"] == "Valid"
    assert created.details["failures"] == ["signingCredential.untrusted"]
    assert "made by a generative AI model" in created.says and "not on a trust list" in created.says

    edited = read(files["ai-edited.jpg"]).evidence[0]
    assert {"action": "c2pa.edited", "digital_source_type": pf.IPTC + "compositeWithTrainedAlgorithmicMedia",
            "software_agent": "Test Generative Fill 2.0"} in edited.details["actions"]
    assert edited.details["generator"] == "Test Photo Editor 1.0"
    assert "edited with generative AI" in edited.says

    tampered = read(files["tampered.jpg"]).evidence[0]
    assert tampered.details["validation_state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in tampered.details["failures"]
    assert "changed after signing" in tampered.says and "decide nothing" in tampered.says

    camera = read(files["captured.jpg"]).evidence[0]
    assert "captured by a digital camera" in camera.says and camera.details["signer"].startswith("Test Camera")


def test_a_deployer_trust_list_makes_the_signer_trusted(files, authority, tmp_path, monkeypatch, caplog) -> None:
    from deforgify.provenance.content_credentials import TRUST_ANCHORS_VARIABLE

    monkeypatch.setenv(TRUST_ANCHORS_VARIABLE, str(authority.write_anchors(tmp_path / "anchors.pem")))
    trusted = read(files["ai-created.jpg"])
    assert (trusted.valid, trusted.trusted, trusted.evidence[0].details["validation_state"]) == (True, True, "Trusted")
    assert "the signer is on the configured trust list" in trusted.evidence[0].says
    tampered = read(files["tampered.jpg"])
    assert tampered.valid is False and tampered.claim == "ai_generated"

    other = pf.make_authority("Some Other CA")
    monkeypatch.setenv(TRUST_ANCHORS_VARIABLE, str(other.write_anchors(tmp_path / "other.pem")))
    assert (read(files["ai-created.jpg"]).valid, read(files["ai-created.jpg"]).trusted) == (True, False)

    monkeypatch.setenv(TRUST_ANCHORS_VARIABLE, str(tmp_path / "missing.pem"))
    assert read(files["ai-created.jpg"]).trusted is False
    (tmp_path / "notes.pem").write_text("not a certificate")
    monkeypatch.setenv(TRUST_ANCHORS_VARIABLE, str(tmp_path / "notes.pem"))
    assert read(files["ai-created.jpg"]).trusted is False
    # Told through logging (a library must not print), which shows on stderr when nothing is configured.
    warned = [r.getMessage() for r in caplog.records if r.name == "deforgify.provenance.content_credentials"]
    assert len(warned) == 2 and "missing.pem cannot be read" in warned[0], warned
    assert "notes.pem holds no PEM certificate: no signer is trusted" in warned[1]


def test_reading_never_goes_online(files, authority) -> None:
    """A manifest kept only on a server (on loopback here): the SDK's defaults fetch it, and
    Deforgify's settings do not, even when the reader is forced to try."""
    import c2pa

    from deforgify.provenance import content_credentials
    from deforgify.provenance.containers import find_blocks

    requests: list[str] = []
    store: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/c2pa")
            self.end_headers()
            self.wfile.write(store[0])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/manifest.c2pa"
        chain, key = authority.signers["Test Generator"]
        with c2pa.Builder({"claim_generator_info": [{"name": "remote", "version": "1"}]},
                          c2pa.Context.from_dict(pf.NO_THUMBNAIL)) as builder:
            builder.set_intent(c2pa.C2paBuilderIntent.CREATE, c2pa.C2paDigitalSourceType.TRAINED_ALGORITHMIC_MEDIA)
            builder.set_no_embed()
            builder.set_remote_url(url)
            output = io.BytesIO()
            signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None))
            store.append(builder.sign(signer, "image/jpeg", io.BytesIO(files["plain.jpg"].read_bytes()), output))
        asset = output.getvalue()

        from deforgify.provenance import read_provenance

        provenance = read_provenance(asset)
        assert provenance.claim == "none" and provenance.valid is None
        assert "never fetched" in provenance.evidence[0].says and url in provenance.evidence[0].says
        item, valid, _ = content_credentials.read(asset, find_blocks(asset))  # forced past the gate
        assert valid is False and "remote" in item.says.lower()
        assert requests == []
        settings = json.loads(content_credentials.settings_json())
        assert settings["verify"]["ocsp_fetch"] is False and settings["verify"]["remote_manifest_fetch"] is False
        assert settings["core"]["allowed_network_hosts"] == []

        with c2pa.Reader("image/jpeg", io.BytesIO(asset)) as reader:  # the control: SDK defaults fetch
            assert reader.get_validation_state() in ("Valid", "Trusted")
        assert requests == ["/manifest.c2pa"]
    finally:
        server.shutdown()


def test_the_deciding_claim_counts_only_the_evidence_that_decides() -> None:
    """A C2PA manifest that does not validate claims "made by AI" but decides nothing; XMP saying
    "edited with AI" decides: the verdict's reason is the edit (the app's headline said "made")."""
    from deforgify.provenance import Evidence, Provenance, deciding_claim

    c2pa = Evidence("c2pa", "Content Credentials say it was made by AI.", "ai_generated")
    xmp = Evidence("xmp", "XMP says it was edited with AI.", "ai_edited")
    both = Provenance((c2pa, xmp), valid=False)
    assert both.claim == "ai_generated" and deciding_claim(both) == "ai_edited"
    assert deciding_claim(Provenance((c2pa, xmp), valid=True)) == "ai_generated"
    assert deciding_claim(Provenance((c2pa,), valid=False)) == "none"


def test_a_decoded_image_has_no_provenance() -> None:
    from deforgify.provenance import read_provenance

    assert read_provenance(None).to_json() == {"claim": "none", "evidence": [], "valid": None, "trusted": None}


def test_provenance_is_read_from_a_path_as_from_its_bytes_and_nothing_else_is_taken(files, tmp_path) -> None:
    """bytes(Path) read the path's own name: an AI-made file said nothing; a str raised TypeError."""
    from deforgify import InvalidImageError
    from deforgify.provenance import read_provenance

    path = files["ai-created.jpg"]
    expected = read(path).to_json()
    assert expected["claim"] == "ai_generated"
    assert read_provenance(path).to_json() == read_provenance(str(path)).to_json() == expected
    with pytest.raises(InvalidImageError, match="no such file"):
        read_provenance(tmp_path / "missing.jpg")
    with pytest.raises(TypeError, match="read_provenance takes a file's bytes or its path, not list"):
        read_provenance([1, 2])  # type: ignore[arg-type]


# --- hostile metadata --------------------------------------------------------------------------


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_with(chunks: list[bytes], rgb: np.ndarray) -> bytes:
    data = pf.png(rgb)
    return data[:33] + b"".join(chunks) + data[33:]  # after the signature and IHDR


def _webp_with(chunks: list[bytes], rgb: np.ndarray) -> bytes:
    data = pf.webp(rgb) + b"".join(chunks)  # after the image chunk, the RIFF size kept right
    return data[:4] + struct.pack("<I", len(data) - 8) + data[8:]


def _jpeg_with(segments: list[tuple[int, bytes]], rgb: np.ndarray) -> bytes:
    data = pf.jpeg(rgb)
    return data[:2] + b"".join(bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body
                               for marker, body in segments) + data[2:]


def _jumbf_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _nested_jumbf(depth: int) -> bytes:
    description = _jumbf_box(b"jumd", bytes.fromhex("6332706100110010800000aa00389b71") + b"\x03c2pa\x00")
    box = _jumbf_box(b"jumb", description)
    for _ in range(depth):
        box = _jumbf_box(b"jumb", description + box)
    return box


def _app11(store: bytes) -> list[tuple[int, bytes]]:
    return [(0xEB, b"JP\x00\x01" + struct.pack(">I", n + 1) + store[i : i + 60000])
            for n, i in enumerate(range(0, len(store), 60000))]


def _bomb(size: int) -> bytes:
    return zlib.compress(b"\x00" * size, 9)


def hostile_files(rgb: np.ndarray) -> dict[str, tuple[bytes, str]]:
    """Name: (file bytes, words one of its evidence items must say; "" when nothing need be said)."""
    xmp_header = b"http://ns.adobe.com/xap/1.0/\x00"
    deep_xml = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</x:xmpmeta>"
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&c;</x:xmpmeta>')
    return {
        "many text chunks": (_png_with([_png_chunk(b"tEXt", b"k%d\x00v" % i) for i in range(5000)]
                                       + [_png_chunk(b"tEXt", b"parameters\x00" + pf.A1111_PARAMETERS.encode())], rgb),
                             "more than 64 text chunks"),
        "many tiny chunks": (_png_with([_png_chunk(b"prVt", b"")] * 30_000, rgb), "more than 20000 PNG chunks"),
        "many tiny WebP chunks": (_webp_with([b"prVt" + struct.pack("<I", 0)] * 30_000, rgb),
                                  "more than 20000 WebP chunks"),
        "huge text chunk": (_png_with([_png_chunk(b"tEXt", b"parameters\x00" + b"x" * 3_000_000)], rgb),
                            "larger than 1000 KB"),
        "zTXt bomb": (_png_with([_png_chunk(b"zTXt", b"parameters\x00\x00" + _bomb(50_000_000))], rgb),
                      "inflates to more than 1000 KB"),
        "iTXt bomb": (_png_with([_png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + _bomb(50_000_000))], rgb),
                      "inflates to more than 1000 KB"),
        "corrupt zTXt": (_png_with([_png_chunk(b"zTXt", b"prompt\x00\x00" + b"\x78\x9c garbage")], rgb), "corrupt"),
        "deeply nested XMP": (_png_with([_png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + deep_xml)], rgb),
                              "nested deeper than 64"),
        "XMP entity bomb": (_jpeg_with([(0xE1, xmp_header + laughs)], rgb), "not well-formed"),
        "malformed XMP": (_jpeg_with([(0xE1, xmp_header + b"<x:xmpmeta><rdf:RDF>unclosed")], rgb), "not well-formed"),
        "many XMP packets": (_jpeg_with([(0xE1, xmp_header + pf.xmp_packet("humanEdits"))] * 50, rgb),
                             "more than 4 XMP packets"),
        "nested JUMBF": (_jpeg_with(_app11(_nested_jumbf(5000)), rgb), "cannot be read"),
        "garbage JUMBF": (_jpeg_with(_app11(_jumbf_box(b"jumb", b"\xff" * 5000)), rgb), ""),
        "corrupt EXIF": (_jpeg_with([(0xE1, b"Exif\x00\x00MM\x00*\x00\x00\xff\xff" + b"\xee" * 300)], rgb), ""),
        "oversized EXIF": (_png_with([_png_chunk(b"eXIf", b"MM\x00*" + b"\x00" * 300_000)], rgb), "larger than 256 KB"),
    }


@pytest.fixture(scope="module")
def hostile(astronaut: np.ndarray) -> dict[str, tuple[bytes, str]]:
    return hostile_files(np.ascontiguousarray(astronaut[::2, ::2]))


HOSTILE = ["many text chunks", "many tiny chunks", "many tiny WebP chunks", "huge text chunk", "zTXt bomb",
           "iTXt bomb", "corrupt zTXt", "deeply nested XMP", "XMP entity bomb", "malformed XMP",
           "many XMP packets", "nested JUMBF", "garbage JUMBF", "corrupt EXIF", "oversized EXIF"]


def test_the_hostile_list_is_complete(hostile) -> None:
    assert list(hostile) == HOSTILE


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_metadata_gets_a_clear_result_in_bounded_time_and_memory(hostile, name) -> None:
    from deforgify.provenance import read_provenance

    data, words = hostile[name]
    tracemalloc.start()
    start = time.perf_counter()
    provenance = read_provenance(data)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 2.0, f"{name}: {seconds:.2f} s"
    assert peak < 3 * len(data) + 20_000_000, f"{name}: {peak / 1e6:.0f} MB"
    assert provenance.claim == "none", provenance
    assert provenance.valid in (None, False)
    says = " ".join(e.says for e in provenance.evidence)
    assert words in says, says
    json.dumps(provenance.to_json())


def test_an_oversized_c2pa_store_is_not_handed_to_the_sdk(files, monkeypatch) -> None:
    from deforgify.provenance import limits

    monkeypatch.setattr(limits, "MAX_C2PA_BYTES", 1000)
    provenance = read(files["ai-created.jpg"])
    assert (provenance.claim, provenance.valid) == ("none", False)
    assert "over the 0 MB limit" in provenance.evidence[0].says or "limit: not read" in provenance.evidence[0].says


def test_hostile_files_through_the_cli_each_get_a_row(hostile, tmp_path) -> None:
    paths = []
    for index, (name, (data, _)) in enumerate(hostile.items()):
        suffix = ".png" if data.startswith(pf.PNG_SIGNATURE) else ".webp" if data[8:12] == b"WEBP" else ".jpg"
        path = tmp_path / f"{index:02d}-{name.replace(' ', '-')}{suffix}"
        path.write_bytes(data)
        paths.append(path)
    result = run_module("deforgify", "predict", "--json", "--workers", "2", *map(str, paths), timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]  # Pillow refuses to decode the two bombs
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == list(map(str, paths))
    for name, line in zip(hostile, lines):
        if "bomb" in name and "XMP" not in name:
            assert line["error"] == ("the image file is truncated or corrupt: "
                                     "Decompressed data too large for PngImagePlugin.MAX_TEXT_CHUNK"), line
            continue
        assert line["decided_by"] == "pixels" and line["provenance"]["claim"] == "none", line
        assert line["label"] == line["pixels"]["label"] in PIXEL_LABELS


# --- the command line and a scan ---------------------------------------------------------------


@pytest.mark.parametrize("name", EXPECTED)
def test_predict_json_rows_follow_the_contract(rows, name) -> None:
    claim, kinds, valid, trusted, decides = EXPECTED[name]
    row = rows[name]
    assert {"file", "label", "confidences", "face_found", "face", "faces", "decided_by", "pixels",
            "provenance"} <= set(row)
    assert set(row["provenance"]) == CONTRACT and set(row["pixels"]) == {"label", "confidences"}
    provenance = row["provenance"]
    assert (provenance["claim"], [e["kind"] for e in provenance["evidence"]], provenance["valid"],
            provenance["trusted"]) == (claim, kinds, valid, trusted)
    assert all({"kind", "says"} <= set(e) for e in provenance["evidence"])
    pixels = row["pixels"]
    assert pixels["label"] in PIXEL_LABELS and pixels["confidences"] == row["confidences"]
    if decides:
        assert (row["label"], row["decided_by"]) == ("fake", "provenance")
    else:
        assert (row["label"], row["decided_by"]) == (pixels["label"], "pixels")


def test_camera_exif_and_a_failed_manifest_leave_the_pixel_verdict_alone(rows) -> None:
    """Same pixels, same verdict: the camera EXIF copy and the plain photo; the tampered AI file
    is judged by its pixels like any other."""
    assert rows["camera.jpg"]["label"] == rows["plain.jpg"]["label"]
    assert rows["camera.jpg"]["confidences"] == pytest.approx(rows["plain.jpg"]["confidences"], abs=1e-6)
    assert rows["tampered.jpg"]["decided_by"] == "pixels"
    no_face = rows["no-face-a1111.png"]
    assert no_face["pixels"] == {"label": "no_face", "confidences": None} and no_face["face_found"] is False
    assert (no_face["label"], no_face["decided_by"]) == ("fake", "provenance")


def test_predict_plain_lines_and_summary_count_provenance(files) -> None:
    names = ["ai-created.jpg", "camera.jpg", "tampered.jpg", "plain.jpg", "no-face-a1111.png", "comfyui.png"]
    result = run_module("deforgify", "predict", *(str(files[n]) for n in names))
    assert result.returncode == 0, result.stderr[-2000:]
    lines = dict(zip(names, result.stdout.splitlines()))
    assert lines["ai-created.jpg"].startswith(f"{files['ai-created.jpg']}: fake (decided by provenance: ai_generated, "
                                              "declared in c2pa (valid, signer not on a trust list); pixels said ")
    assert "; provenance: camera, declared in exif (never changes the verdict)" in lines["camera.jpg"]
    assert "provenance: ai_generated, declared in c2pa (does not validate: decides nothing)" in lines["tampered.jpg"]
    plain = lines["plain.jpg"].removeprefix(f"{files['plain.jpg']}: ")
    assert "provenance" not in plain and "face at " in plain
    assert lines["no-face-a1111.png"].endswith("fake (decided by provenance: ai_generated, declared in png_text; "
                                               "no face found by the pixel model)")
    assert "decided by provenance: ai_generated, declared in png_text; pixels said" in lines["comfyui.png"]
    assert re.search(r"; 3 decided by provenance; model bundled, revision sha256:[0-9a-f]{12}$",
                     result.stderr.strip().splitlines()[-1])


def test_predict_with_a_trust_list_reports_trusted(files, authority, tmp_path) -> None:
    anchors = authority.write_anchors(tmp_path / "anchors.pem")
    result = run_module("deforgify", "predict", "--json", str(files["ai-created.jpg"]), str(files["tampered.jpg"]),
                        env={"DEFORGIFY_C2PA_TRUST_ANCHORS": str(anchors)})
    assert result.returncode == 0, result.stderr[-2000:]
    created, tampered = (json.loads(line) for line in result.stdout.splitlines())
    assert (created["provenance"]["valid"], created["provenance"]["trusted"], created["decided_by"]) == (True, True, "provenance")
    assert (tampered["provenance"]["valid"], tampered["decided_by"]) == (False, "pixels")


def test_provenance_crosses_the_worker_processes(files, tmp_path) -> None:
    """Enough files that decoding (and provenance) run in worker processes, not inline."""
    from deforgify.batch.scoring import INLINE_BELOW

    names = ["ai-created.jpg", "tampered.jpg", "camera.jpg"] * (INLINE_BELOW // 3 + 1)
    result = run_module("deforgify", "predict", "--json", "--workers", "2", *(str(files[n]) for n in names))
    assert result.returncode == 0, result.stderr[-2000:]
    got = [(row["decided_by"], row["provenance"]["claim"], row["provenance"]["valid"])
           for row in map(json.loads, result.stdout.splitlines())]
    want = {"ai-created.jpg": ("provenance", "ai_generated", True), "tampered.jpg": ("pixels", "ai_generated", False),
            "camera.jpg": ("pixels", "camera", None)}
    assert got == [want[n] for n in names]


def test_predict_help_documents_the_row(files) -> None:
    result = run_module("deforgify", "predict", "--help")
    assert result.returncode == 0
    for words in ("decided_by", '"provenance"', '"ai_generated" | "ai_edited" | "camera" | "none"',
                  '"c2pa" | "xmp" | "png_text" | "exif"', "DEFORGIFY_C2PA_TRUST_ANCHORS", "pixels"):
        assert words in result.stdout, words
    assert "`" not in result.stdout


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_scan_rows_carry_the_same_provenance(files, rows, tmp_path, suffix) -> None:
    output = tmp_path / f"verdicts{suffix}"
    result = run_module("deforgify", "scan", str(next(iter(files.values())).parent), "--output", str(output))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"; {sum(e[4] for e in EXPECTED.values())} decided by provenance;" in result.stderr
    if suffix == ".parquet":
        import pyarrow.parquet

        scanned = pyarrow.parquet.read_table(output).to_pylist()
    else:
        scanned = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(Path(r["path"]).name for r in scanned) == sorted(EXPECTED)
    for row in scanned:
        want = rows[Path(row["path"]).name]
        assert (row["label"], row["decided_by"], row["pixels"]["label"]) == \
            (want["label"], want["decided_by"], want["pixels"]["label"])
        got = row["provenance"]
        got = {**got, "evidence": [{k: v for k, v in e.items() if v is not None} for e in got["evidence"]]}
        expected = {**want["provenance"], "evidence": [{k: v for k, v in e.items() if v is not None}
                                                       for e in want["provenance"]["evidence"]]}
        assert got == expected


# --- the app -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory):
    from gradio_client import Client

    import test_app as app_tests  # its helpers; as a module, so that its tests are not collected here

    process, url = app_tests.start_app(tmp_path_factory.mktemp("app"))
    yield url, Client(url, verbose=False)
    app_tests.stop_app(process)


def test_the_app_api_answers_with_provenance(app_client, files, rows) -> None:
    from gradio_client import handle_file

    _, client = app_client
    for name in ("ai-created.jpg", "tampered.jpg", "camera.jpg", "plain.jpg", "no-face-a1111.png"):
        verdict, summary, _, heatmap, result = client.predict(handle_file(str(files[name])), api_name="/predict")
        want = rows[name]
        assert (result["label"], result["decided_by"], result["pixels"]["label"]) == \
            (want["label"], want["decided_by"], want["pixels"]["label"]), name
        assert result["provenance"] == want["provenance"], name
        assert verdict["label"] == ("no face" if want["label"] == "no_face" else want["label"])
        assert f'data-decided-by="{want["decided_by"]}"' in summary
        assert f'data-claim="{want["provenance"]["claim"]}"' in summary
        if want["decided_by"] == "provenance":  # not "signs of a generated ... face": the pixels may show none
            assert ">Fake: its file declares it made by AI<" in summary and "signs of" not in summary
            assert "never use this alone to accuse anyone" in summary and "anyone can write such metadata" in summary
        if name == "ai-created.jpg":
            assert "Content Credentials (C2PA) say the image was made by a generative AI model" in summary
            assert "the signer is not on a trust list" in summary and "This decides the verdict: fake." in summary
            assert "The pixel model alone says:" in summary
            # what decides first, then the pixel model's own bars, named as its own (its "real 99 %"
            # bar sat right under the red "Fake")
            assert summary.index('class="provenance"') < summary.index("The pixel model alone says:") \
                < summary.index('class="share"')
        if name == "plain.jpg":
            assert ("The file says nothing of where it came from (no provenance data): most photos do not, so its "
                    "silence counts neither way.") in summary  # not "this proves nothing", read of the answer
            assert summary.index('class="share"') < summary.index('class="provenance"')  # the pixels decide
        if name == "camera.jpg":
            assert "anyone can write camera metadata" in summary
        if name == "tampered.jpg":
            assert "They decide nothing; the pixels decide." in summary


def test_a_browser_upload_keeps_the_content_credentials(app_client, files) -> None:
    """A person uploads a signed file through the page: the credentials still validate, so the
    bytes reached the reader unchanged."""
    from playwright.sync_api import sync_playwright

    import test_app as app_tests

    url, _ = app_client
    if not app_tests.CHROMIUM.exists():
        pytest.fail(f"{app_tests.CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(app_tests.CHROMIUM),
                                             args=app_tests.CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url)
            page.wait_for_selector("input[type=file]", state="attached", timeout=60_000)
            app_tests.upload(page, files["ai-created.jpg"])
            box = page.locator("#verdict-box")
            box.wait_for(timeout=60_000)
            assert box.get_attribute("data-verdict") == "fake"
            assert box.get_attribute("data-decided-by") == "provenance"
            line = box.locator(".provenance").inner_text()
            assert "Content Credentials (C2PA)" in line and "check out" in line, line
            # the boxed face's caption is the overruled pixel model's, and says so (alt text: what it says)
            alt = page.locator("#faces img").first.get_attribute("alt")
            assert alt.startswith("The photo with the face boxed, captioned: pixel model: "), alt
            app_tests.ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(app_tests.ARTIFACTS / "provenance-c2pa.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.parametrize("copies", [1, 10], ids=["in-process", "in-workers"])
def test_predict_with_an_unreadable_trust_list_warns_in_its_own_words(files, tmp_path, copies) -> None:
    """Once per process that reads a C2PA manifest: 20 files go to 2 worker processes, where the
    warning came out bare (the command's "warning: " was set in its own process only)."""
    missing = tmp_path / "missing.pem"
    signed = [str(files["ai-created.jpg"]), str(files["tampered.jpg"])] * copies
    result = run_module("deforgify", "predict", "--workers", "2", *signed,
                        env={"DEFORGIFY_C2PA_TRUST_ANCHORS": str(missing)})
    assert result.returncode == 0, result.stderr[-2000:]
    said = (f"warning: DEFORGIFY_C2PA_TRUST_ANCHORS={missing} cannot be read "
            f"([Errno 2] No such file or directory: '{missing}'): no signer is trusted")
    told = [line for line in result.stderr.splitlines() if "cannot be read" in line]
    assert told and set(told) == {said} and len(told) <= 2, result.stderr[-2000:]


@pytest.mark.parametrize("make, model, said", [("Apple", "iPhone 12", "an Apple iPhone 12 camera"),
                                               ("Canon", "Canon EOS R5", "a Canon EOS R5 camera"),
                                               ("", "Unihertz Jelly", "a Unihertz Jelly camera")])
def test_the_camera_is_named_with_its_article(make: str, model: str, said: str) -> None:
    """"taken with a Apple iPhone 12 camera" (a visitor's find)."""
    from deforgify.provenance import read_provenance

    found = read_provenance(pf.jpeg(np.zeros((32, 32, 3), np.uint8), exif=pf.camera_exif(make, model, "")))
    assert [e.says for e in found.evidence] == [f"EXIF says it was taken with {said}."]
