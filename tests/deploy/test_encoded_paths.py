"""The front's path rules hold for every spelling of a path that Streamlit routes the same way.

Tornado percent-decodes a request's path once before routing, so ``/_stcore/%6detrics`` is
the metrics and ``/_stcore/upload%5Ffile/…`` is an upload. Each variant below is first shown
to reach that handler on a replica directly (so the test cannot pass on a variant Streamlit
would not route there), then sent through the front: the metrics stay inside, uploads are
counted and capped, and what the front cannot decode the way Tornado does is refused.
"""

from __future__ import annotations

import uuid

from deploy.serve import MAX_BODY_BYTES, Deployment
from tests.deploy.conftest import TEST_UPLOADS, send, served_by

METRICS = [
    "/_stcore/%6detrics",
    "/_stcore/%6Detrics",
    "/%5Fstcore/metrics",
    "/%5fstcore/metrics",
    "/_stcore/metric%73",
    "/_stcore%2Fmetrics",
    "/_stcore%2fmetrics",
    "/%5F%73%74%63%6F%72%65/%6D%65%74%72%69%63%73",
]
# prefixes of an upload's path, `<session>/<file>` follows
UPLOADS = [
    "/_stcore/upload%5Ffile/",
    "/_stcore/upload%5ffile/",
    "/%5Fstcore/upload_file/",
    "/_stcore/upload_fil%65/",
]
# a % Tornado leaves as it is while HAProxy's url_dec fails on it; encoded separators (Tornado
# decodes %2F too: /_stcore%2Fmetrics is the metrics, /_stcore%2Fupload_file/… an upload)
UNDECODABLE = [
    "/_stcore%2Fupload_file/{id}/x",
    "/_stcore/upload_file%2F{id}/x",
    "/_stcore/upload%5Ffile/{id}/x%",
    "/_stcore/upload%5Ffile/{id}/x%4",
    "/_stcore/upload%5Ffile/{id}/x%zz",
    "/_stcore/upload_file/{id}%5Cx",
    "/_stcore%2fmetrics%",
]


def replica(front: Deployment) -> str:
    return f"http://127.0.0.1:{front.replica_ports[0]}"


def upload(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4()}/{uuid.uuid4()}"


def test_every_spelling_of_the_metrics_stays_inside(front: Deployment) -> None:
    for path in METRICS:
        direct = send(replica(front), "GET", path)
        assert direct.status == 200 and direct.body.startswith(b"# TYPE"), path
        answer = send(front.url, "GET", path)
        assert answer.status == (400 if "%2" in path else 404), path
        assert b"# TYPE" not in answer.body
        assert served_by(front, path) == ["front"], path
    # the absolute form of the request line names the same path
    answer = send(front.url, "GET", f"{front.url}/_stcore/%6detrics")
    assert answer.status == 404 and b"# TYPE" not in answer.body


def test_what_the_front_cannot_decode_as_tornado_does_is_refused(front: Deployment) -> None:
    for template in UNDECODABLE:
        path = template.format(id=uuid.uuid4())
        answer = send(front.url, "PUT", path, body=b"x", source="127.0.0.20")
        assert answer.status == 400, path
        assert served_by(front, path) == ["front"], path
    # the ordinary pages and files still pass
    for path in ("/", "/train", "/_stcore/health", "/_stcore/host-config"):
        assert send(front.url, "GET", path).status == 200, path


def test_encoded_uploads_are_counted_like_plain_ones(front: Deployment) -> None:
    # each spelling reaches Streamlit's upload handler (403 without a session's XSRF token,
    # where a path it does not route gives 405)
    plain = send(replica(front), "PUT", upload("/_stcore/upload_file/"), body=b"x").status
    assert plain == 403
    assert send(replica(front), "PUT", upload("/_stcore/nothing/"), body=b"x").status == 405
    for prefix in UPLOADS:
        assert send(replica(front), "PUT", upload(prefix), body=b"x").status == plain, prefix

    source = "127.0.0.21"
    burst = TEST_UPLOADS.per_burst
    paths = [upload(UPLOADS[i % len(UPLOADS)]) for i in range(burst + len(UPLOADS))]
    statuses = [send(front.url, "PUT", p, body=b"x", source=source).status for p in paths]
    assert 429 not in statuses[:burst]
    assert statuses[burst:] == [429] * len(UPLOADS)
    assert [served_by(front, p)[0] for p in paths[burst:]] == ["front"] * len(UPLOADS)


def test_encoded_uploads_must_say_their_size_and_keep_under_the_cap(front: Deployment) -> None:
    source = "127.0.0.22"  # neither refusal counts as an upload
    for prefix in UPLOADS:
        path = upload(prefix)
        chunked = send(front.url, "PUT", path, body=iter([b"0" * 1024] * 4), source=source)
        assert chunked.status == 400, prefix
        assert served_by(front, path) == ["front"]
        path = upload(prefix)
        over = send(front.url, "PUT", path, headers={"Content-Length": str(MAX_BODY_BYTES + 1)},
                    source=source)
        assert over.status == 413, prefix
        assert served_by(front, path) == ["front"]
