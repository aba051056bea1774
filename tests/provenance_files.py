"""Files that say where they come from, made on the spot: a throw-away certificate authority
(``cryptography``) signs face photos with ``c2pa-python`` (AI-created; captured by a camera, then
edited with a generative tool; one tampered with after signing), and XMP, PNG-chunk and EXIF
fixtures are written by Pillow (HEIC and AVIF too, as a phone or a generator saves them). Used by tests/test_provenance.py and by
benchmarks/provenance_overhead.py."""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

import deforgify.decode.heif  # noqa: F401  Pillow writes HEIC from here on

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NO_THUMBNAIL = {"builder": {"thumbnail": {"enabled": False}}}


@dataclass
class Authority:
    """A root certificate and what it signed: PEM chains (leaf first) and keys, by signer name."""

    root_pem: bytes
    signers: dict[str, tuple[bytes, bytes]]

    def write_anchors(self, path: Path) -> Path:
        path.write_bytes(self.root_pem)
        return path


def make_authority(organisation: str = "Deforgify Test CA", signers=("Test Generator", "Test Camera")) -> Authority:
    """A root CA and an end-entity certificate for each signer, as C2PA asks of a signer:
    not a CA, digitalSignature, emailProtection extended key use, key identifiers."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)])

    def usage(sign: bool, certs: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=certs, crl_sign=certs,
                             encipher_only=False, decipher_only=False)

    now = datetime.datetime.now(datetime.timezone.utc)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(name(f"{organisation} Root")).issuer_name(name(f"{organisation} Root"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage(False, True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = lambda cert: cert.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    signed = {}
    for signer in signers:
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (x509.CertificateBuilder().subject_name(name(signer)).issuer_name(root.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(usage(True, False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
                .sign(root_key, hashes.SHA256()))
        private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        signed[signer] = (pem(leaf) + pem(root), private)
    return Authority(pem(root), signed)


def jpeg(rgb: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=92, **options)
    return buffer.getvalue()


def webp(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "WEBP", quality=90)
    return buffer.getvalue()


def heif(rgb: np.ndarray, fmt: str = "HEIF", **options) -> bytes:
    """A HEIC (``fmt`` "HEIF") or an AVIF, with ``exif`` or ``xmp`` items as Pillow writes them."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, quality=90, **options)
    return buffer.getvalue()


def png(rgb: np.ndarray, texts: dict[str, str] = None, compressed: tuple = ()) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, text in (texts or {}).items():
        info.add_text(key, text, zip=key in compressed)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def sign(authority: Authority, signer: str, asset: bytes, intent: str, source_type: str = "",
         actions: tuple[dict, ...] = (), parent: bytes | None = None, generator: str = "Deforgify test",
         mime: str = "image/jpeg") -> bytes:
    """``asset`` with a C2PA manifest signed by ``signer``: intent "create" with an IPTC digital
    source type, or "edit" with ``parent`` (a signed file) as its parent ingredient."""
    import c2pa

    chain, key = authority.signers[signer]
    definition = {"claim_generator_info": [{"name": generator, "version": "1.0"}], "title": "face.jpg"}
    context = c2pa.Context.from_dict(NO_THUMBNAIL)
    with c2pa.Builder(definition, context) as builder:
        if intent == "create":
            builder.set_intent(c2pa.C2paBuilderIntent.CREATE, getattr(c2pa.C2paDigitalSourceType, source_type))
        else:
            builder.set_intent(c2pa.C2paBuilderIntent.EDIT)
            builder.add_ingredient({"title": "captured.jpg", "relationship": "parentOf"}, mime, io.BytesIO(parent))
        for action in actions:
            builder.add_action(action)
        signer_info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None)
        output = io.BytesIO()
        builder.sign(c2pa.Signer.from_info(signer_info), mime, io.BytesIO(asset), output)
    return output.getvalue()


def tamper_pixels(signed: bytes, rgb: np.ndarray) -> bytes:
    """``signed`` with its picture replaced after signing (a patch painted over the face), its
    C2PA segments (APP11) kept as they were: the manifest no longer matches the bytes."""
    altered = rgb.copy()
    altered[80:160, 180:260] = altered[80:160, 180:260] // 2
    new = jpeg(altered)
    segments, position = [], 2
    while signed[position] == 0xFF and signed[position + 1] not in (0xDA, 0xD9):
        length = int.from_bytes(signed[position + 2 : position + 4], "big")
        if signed[position + 1] == 0xEB:
            segments.append(signed[position : position + 2 + length])
        position += 2 + length
    return new[:2] + b"".join(segments) + new[2:]


def xmp_packet(source_type: str, tool: str = "") -> bytes:
    tool_attribute = f' xmp:CreatorTool="{tool}"' if tool else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f'xmlns:xmp="http://ns.adobe.com/xap/1.0/"{tool_attribute}>'
        f"<Iptc4xmpExt:DigitalSourceType>{IPTC}{source_type}</Iptc4xmpExt:DigitalSourceType>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>"
    ).encode("utf-8")


A1111_PARAMETERS = ("portrait photo of a woman, natural light, 85mm\nNegative prompt: blurry, lowres\n"
                    "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 3141592653, Size: 512x512, "
                    "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1")
COMFY_PROMPT = json.dumps({
    "3": {"class_type": "KSampler", "inputs": {"seed": 42, "steps": 20, "cfg": 7, "sampler_name": "euler",
                                                "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
                                                "latent_image": ["5", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "portrait of a man", "clip": ["4", 1]}},
})
COMFY_WORKFLOW = json.dumps({"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": [], "version": 0.4})


def camera_exif(make: str = "Canon", model: str = "Canon EOS R5", software: str = "Firmware 1.8.1") -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = make, model, software
    return exif.tobytes()


def a1111_exif(text: str = A1111_PARAMETERS) -> bytes:
    """EXIF whose UserComment holds generation settings, as AUTOMATIC1111 writes them into the
    JPEGs and WebPs it saves (piexif's UNICODE user comment: UTF-16, big-endian)."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + text.encode("utf-16-be")
    return exif.tobytes()


def make_files(folder: Path, face: np.ndarray, no_face: np.ndarray, authority: Authority) -> dict[str, Path]:
    """Every fixture, written to ``folder``, by name."""
    plain = jpeg(face)
    captured = sign(authority, "Test Camera", plain, "create", "DIGITAL_CAPTURE", generator="Test Camera app")
    edited_pixels = face.copy()
    edited_pixels[300:400, 50:150] = (40, 160, 40)  # the generative fill
    ai_created = sign(authority, "Test Generator", plain, "create", "TRAINED_ALGORITHMIC_MEDIA",
                      generator="Test Image Generator")
    files = {
        "plain.jpg": plain,
        "ai-created.jpg": ai_created,
        "captured.jpg": captured,
        "ai-edited.jpg": sign(authority, "Test Generator", jpeg(edited_pixels), "edit", parent=captured,
                              actions=({"action": "c2pa.edited", "digitalSourceType": IPTC + "compositeWithTrainedAlgorithmicMedia",
                                        "softwareAgent": {"name": "Test Generative Fill", "version": "2.0"}},),
                              generator="Test Photo Editor"),
        "tampered.jpg": tamper_pixels(ai_created, face),
        "ai-created.png": sign(authority, "Test Generator", png(face), "create", "TRAINED_ALGORITHMIC_MEDIA",
                               mime="image/png"),
        "ai-created.webp": sign(authority, "Test Generator", webp(face), "create", "TRAINED_ALGORITHMIC_MEDIA",
                                mime="image/webp"),
        "xmp-ai.jpg": jpeg(face, xmp=xmp_packet("trainedAlgorithmicMedia", "Test Imagine Bot")),
        "xmp-ai-edited.jpg": jpeg(face, xmp=xmp_packet("compositeWithTrainedAlgorithmicMedia")),
        "a1111.png": png(face, {"parameters": A1111_PARAMETERS}),
        "comfyui.png": png(face, {"prompt": COMFY_PROMPT, "workflow": COMFY_WORKFLOW}, compressed=("workflow",)),
        "camera.jpg": jpeg(face, exif=camera_exif()),
        "camera.heic": heif(face, exif=camera_exif("Apple", "iPhone 15 Pro", "18.1")),
        "xmp-ai.heic": heif(face, xmp=xmp_packet("trainedAlgorithmicMedia", "Test Imagine Bot")),
        "a1111.avif": heif(face, "AVIF", exif=a1111_exif()),
        "a1111.jpg": jpeg(face, exif=a1111_exif()),
        "generic-settings.png": png(face, {"parameters": json.dumps({"prompt": "a portrait", "steps": 30, "seed": 7})}),
        "caption.png": png(face, {"parameters": "my holiday, 2019", "prompt": "say cheese", "Software": "GIMP"}),
        "no-face-a1111.png": png(no_face, {"parameters": A1111_PARAMETERS}),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}
