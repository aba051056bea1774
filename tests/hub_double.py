"""A Hugging Face Hub double on loopback: just enough of the Hub's HTTP protocol for the real
``huggingface_hub`` and ``datasets`` clients to create repos, commit files, make branches and
tags, list and download files, with the Hub's error codes.

Regular (inline base64) uploads only: the preupload answer is ``uploadMode: "regular"`` for
every file, so no LFS or Xet storage is involved. Start it with :meth:`HubDouble.start`; point a
client at it with ``HF_ENDPOINT=double.url``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import parse_qs, unquote, urlparse

REPO = r"(?P<type>models|datasets|spaces)/(?P<repo>[\w.-]+/[\w.-]+)"
RESOLVE = re.compile(r"^/(?:(?P<type>datasets|spaces)/)?(?P<repo>[\w.-]+/[\w.-]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)$")


class HubError(Exception):
    def __init__(self, status: int, code: Optional[str], message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Commit:
    oid: str
    files: dict[str, bytes]
    message: str
    parent: Optional[str]


@dataclass
class Repo:
    repo_id: str
    repo_type: str
    private: bool
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit:
        revision = unquote(revision)
        oid = self.branches.get(revision) or self.tags.get(revision)
        if oid is None and revision in self.commits:
            oid = revision
        if oid is None:
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        return self.commits[oid]

    def commit(self, branch: str, files: dict[str, bytes], deleted: set[str], message: str) -> Commit:
        parent = self.resolve(branch)
        content = {p: b for p, b in parent.files.items() if p not in deleted}
        content.update(files)
        seed = json.dumps([parent.oid, message, sorted((p, _sha1(b)) for p, b in content.items())])
        commit = Commit(_sha1((seed + str(time.time_ns())).encode()), content, message, parent.oid)
        self.commits[commit.oid] = commit
        self.branches[branch] = commit.oid
        return commit


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _git_blob_oid(data: bytes) -> str:
    return _sha1(b"blob %d\0" % len(data) + data)


class HubDouble:
    """The server and its state. ``token`` is the one write token it accepts."""

    def __init__(self, token: str = "hf_double_token"):
        self.token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.requests: list[str] = []
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "HubDouble":
        double = self

        class Handler(_Handler):
            hub = double

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def create_repo(self, repo_id: str, repo_type: str = "model", private: bool = False) -> Repo:
        key = (repo_type, repo_id)
        if key in self.repos:
            raise HubError(409, None, f"You already created this {repo_type} repo")
        repo = Repo(repo_id, repo_type, private)
        initial = Commit(_sha1(f"init {repo_id} {time.time_ns()}".encode()), {}, "initial commit", None)
        repo.commits[initial.oid] = initial
        repo.branches["main"] = initial.oid
        self.repos[key] = repo
        return repo

    def repo(self, repo_type: str, repo_id: str, authorized: bool) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not authorized):
            # The Hub answers the same for a missing repo and a private one without a token.
            raise HubError(401 if repo else 404, "RepoNotFound", "Repository not found")
        return repo


class _Handler(BaseHTTPRequestHandler):
    hub: HubDouble
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlparse(self.path)
        self.hub.requests.append(f"{method} {url.path}")
        self.query = parse_qs(url.query)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        try:
            for pattern, handler in _ROUTES[method]:
                match = re.match(pattern, url.path)
                if match:
                    return handler(self, body=body, **match.groupdict())
            raise HubError(404, None, f"no route for {method} {url.path}")
        except HubError as error:
            self._send(error.status, {"error": error.message}, {"X-Error-Code": error.code, "X-Error-Message": error.message})

    # --- helpers -------------------------------------------------------------------------
    @property
    def authorized(self) -> bool:
        return self.headers.get("Authorization", "") == f"Bearer {self.hub.token}"

    def _repo(self, type: str, repo: str) -> Repo:
        return self.hub.repo(type.rstrip("s"), repo, self.authorized)

    def _require_write(self) -> None:
        if not self.authorized:
            raise HubError(401, None, "Invalid credentials in Authorization header")

    def _send(self, status: int, payload, headers: Optional[dict] = None, raw: Optional[bytes] = None) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            if value is not None:
                self.send_header(key, value)
        self.send_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    # --- routes --------------------------------------------------------------------------
    def create(self, body: bytes) -> None:
        self._require_write()
        payload = json.loads(body)
        repo_id = f"{payload['organization']}/{payload['name']}"
        repo_type = payload.get("type") or "model"
        private = payload.get("visibility") == "private" or bool(payload.get("private"))
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        answer = {"url": f"{self.hub.url}/{prefix}{repo_id}", "name": repo_id}
        try:
            self.hub.create_repo(repo_id, repo_type, private)
        except HubError as error:  # the Hub names the existing repo's URL in its 409
            return self._send(error.status, {**answer, "error": error.message})
        self._send(200, answer)

    def whoami(self, body: bytes) -> None:
        self._require_write()
        self._send(200, {"type": "user", "name": "alice", "auth": {"accessToken": {"role": "write"}}})

    def validate_yaml(self, body: bytes) -> None:
        self._send(200, {"errors": [], "warnings": []})

    def preupload(self, body: bytes, type: str, repo: str, rev: str) -> None:
        self._require_write()
        self._repo(type, repo).resolve(rev)
        files = json.loads(body)["files"]
        self._send(200, {"files": [
            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files
        ]})

    def commit(self, body: bytes, type: str, repo: str, rev: str) -> None:
        self._require_write()
        target = self._repo(type, repo)
        added, deleted, message = {}, set(), ""
        for line in body.splitlines():
            item = json.loads(line)
            value = item["value"]
            if item["key"] == "header":
                message = value.get("summary", "")
            elif item["key"] == "file":
                added[value["path"]] = base64.b64decode(value["content"])
            elif item["key"] == "deletedFile":
                deleted.add(value["path"])
            else:
                raise HubError(400, None, f"the double does not support {item['key']}")
        commit = target.commit(unquote(rev), added, deleted, message)
        prefix = "" if type == "models" else f"{type}/"
        self._send(200, {
            "success": True,
            "commitOid": commit.oid,
            "commitUrl": f"{self.hub.url}/{prefix}{repo}/commit/{commit.oid}",
        })

    def create_branch(self, body: bytes, type: str, repo: str, branch: str) -> None:
        self._require_write()
        target = self._repo(type, repo)
        branch = unquote(branch)
        if branch in target.branches:
            raise HubError(409, None, f"Reference {branch} already exists")
        start = (json.loads(body or b"{}") or {}).get("startingPoint") or "main"
        target.branches[branch] = target.resolve(start).oid
        self._send(200, {})

    def create_tag(self, body: bytes, type: str, repo: str, rev: str) -> None:
        self._require_write()
        target = self._repo(type, repo)
        tag = json.loads(body)["tag"]
        if tag in target.tags:
            raise HubError(409, None, f"Tag {tag} already exists")
        target.tags[tag] = target.resolve(rev).oid
        self._send(200, {})

    def info(self, body: bytes, type: str, repo: str, rev: str = "main") -> None:
        target = self._repo(type, repo)
        commit = target.resolve(rev)
        self._send(200, {
            "id": repo, "_id": repo, "sha": commit.oid, "private": target.private, "tags": [],
            "siblings": [{"rfilename": path} for path in sorted(commit.files)],
            "lastModified": "2026-01-01T00:00:00.000Z", "disabled": False, "gated": False,
            "downloads": 0, "likes": 0, "author": repo.split("/")[0],
            "cardData": {}, "createdAt": "2026-01-01T00:00:00.000Z",
        })

    def refs(self, body: bytes, type: str, repo: str) -> None:
        target = self._repo(type, repo)
        def refs(kind: str, names: dict[str, str]) -> list[dict]:
            return [{"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": o} for n, o in names.items()]
        self._send(200, {"branches": refs("heads", target.branches), "tags": refs("tags", target.tags), "converts": []})

    def tree(self, body: bytes, type: str, repo: str, rev: str, path: str = "") -> None:
        commit = self._repo(type, repo).resolve(rev)
        path = unquote(path or "").strip("/")
        recursive = self.query.get("recursive", ["false"])[0].lower() in ("1", "true")
        prefix = f"{path}/" if path else ""
        if path and path in commit.files or (path and not any(p.startswith(prefix) for p in commit.files)):
            raise HubError(404, "EntryNotFound", f"{path} is not a folder in this revision")
        entries: dict[str, dict] = {}
        for file_path, data in sorted(commit.files.items()):
            if not file_path.startswith(prefix):
                continue
            rest = file_path[len(prefix):]
            if "/" in rest and not recursive:
                folder = prefix + rest.split("/")[0]
                entries[folder] = {"type": "directory", "oid": _sha1(folder.encode()), "size": 0, "path": folder}
                continue
            if recursive:
                for depth in range(1, rest.count("/") + 1):
                    folder = prefix + "/".join(rest.split("/")[:depth])
                    entries[folder] = {"type": "directory", "oid": _sha1(folder.encode()), "size": 0, "path": folder}
            entries[file_path] = _file_entry(file_path, data)
        self._send(200, list(entries.values()))

    def paths_info(self, body: bytes, type: str, repo: str, rev: str) -> None:
        commit = self._repo(type, repo).resolve(rev)
        content_type = self.headers.get("Content-Type", "")
        if "json" in content_type:
            paths = json.loads(body).get("paths", [])
        else:
            paths = parse_qs(body.decode()).get("paths", [])
        result = []
        for path in paths:
            path = path.strip("/")
            if path in commit.files:
                result.append(_file_entry(path, commit.files[path]))
            elif any(p.startswith(path + "/") for p in commit.files):
                result.append({"type": "directory", "oid": _sha1(path.encode()), "size": 0, "path": path})
        self._send(200, result)

    def resolve(self, body: bytes, repo: str, rev: str, path: str, type: Optional[str] = None) -> None:
        commit = self._repo(type or "models", repo).resolve(rev)
        path = unquote(path)
        if path not in commit.files:
            raise HubError(404, "EntryNotFound", f"{path} does not exist on {rev}")
        data = commit.files[path]
        self._send(200, None, {
            "X-Repo-Commit": commit.oid,
            "ETag": f'"{_git_blob_oid(data)}"',
            "Accept-Ranges": "bytes",
        }, raw=data)


def _file_entry(path: str, data: bytes) -> dict:
    return {"type": "file", "oid": _git_blob_oid(data), "size": len(data), "path": path}


_ROUTES = {
    "POST": [
        (r"^/api/repos/create$", _Handler.create),
        (r"^/api/validate-yaml$", _Handler.validate_yaml),
        (rf"^/api/{REPO}/preupload/(?P<rev>[^/]+)$", _Handler.preupload),
        (rf"^/api/{REPO}/commit/(?P<rev>[^/]+)$", _Handler.commit),
        (rf"^/api/{REPO}/branch/(?P<branch>[^/]+)$", _Handler.create_branch),
        (rf"^/api/{REPO}/tag/(?P<rev>[^/]+)$", _Handler.create_tag),
        (rf"^/api/{REPO}/paths-info/(?P<rev>[^/]+)$", _Handler.paths_info),
    ],
    "GET": [
        (r"^/api/whoami-v2$", _Handler.whoami),
        (rf"^/api/{REPO}$", _Handler.info),
        (rf"^/api/{REPO}/revision/(?P<rev>[^/]+)$", _Handler.info),
        (rf"^/api/{REPO}/refs$", _Handler.refs),
        (rf"^/api/{REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?$", _Handler.tree),
        (RESOLVE.pattern, _Handler.resolve),
    ],
    "HEAD": [(RESOLVE.pattern, _Handler.resolve)],
}


def silent_endpoint() -> tuple[str, list]:
    """An endpoint that accepts connections and never answers (a Hub hung behind a proxy): its
    URL, and the list of connections it has accepted so far."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list = []
    threading.Thread(target=lambda: [accepted.append(server.accept()) for _ in iter(int, 1)], daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}", accepted
