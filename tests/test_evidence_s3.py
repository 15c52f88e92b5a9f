"""Evidence files in an S3-compatible bucket (QMS_EVIDENCE_URL=s3://bucket/prefix), against
moto's S3 server on loopback: real HTTP through boto3, nothing of boto3 replaced.

The bucket is versioned, as the README advises: a second write of a key would show as a
second version, so "stored once" and "never overwritten" are what S3 itself records."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer
from sqlmodel import select

from bot.cli import main
from bot.evidence import DatabaseStore, open_store
from bot.evidence.s3 import S3Store
from bot.standin.sandbox import ANNA, Sandbox
from bot.workspace.clock import ManualClock
from bot.workspace.config import ConfigError, explicit_settings
from storage.models import EvidenceContent, EvidenceFile, OutboxMessage
from tests.flows import SECRET, free_port, raise_nc, step
from tests.test_evidence import LABEL, PALLET, two_photos_on_a1

PREFIX = "qms/evidence"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """boto3's standard settings, pointed at the server: no profile, file or instance role of the machine."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "qms-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "qms-test-secret")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return s3_server


@pytest.fixture
def bucket(aws: str) -> str:
    name = f"qms-{uuid.uuid4().hex[:12]}"
    admin().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    admin().put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def sb(clock: ManualClock, bucket: str) -> Iterator[Sandbox]:
    with Sandbox(clock=clock, settings={"evidence_url": f"s3://{bucket}/{PREFIX}/"}) as sandbox:
        yield sandbox


_admins: dict[str, Any] = {}


def admin() -> Any:
    """Whoever administers the bucket (not the bot): to look at it, or to tamper with it.
    One client for the server (a new one costs half a second of loading boto3's model)."""
    endpoint = os.environ["AWS_ENDPOINT_URL_S3"]
    if endpoint not in _admins:
        _admins[endpoint] = boto3.session.Session().client("s3")
    return _admins[endpoint]


def key(content: bytes) -> str:
    return f"{PREFIX}/{hashlib.sha256(content).hexdigest()}"


def versions(bucket: str) -> dict[str, int]:
    """How often each key was written (its versions), delete markers aside."""
    listed = admin().list_object_versions(Bucket=bucket).get("Versions", [])
    counts: dict[str, int] = {}
    for version in listed:
        counts[version["Key"]] = counts.get(version["Key"], 0) + 1
    return counts


def read(bucket: str, name: str) -> bytes:
    return bytes(admin().get_object(Bucket=bucket, Key=name)["Body"].read())


def in_database(sb: Sandbox) -> tuple[list[EvidenceFile], list[EvidenceContent]]:
    with sb.db.session() as session:
        return list(session.exec(select(EvidenceFile))), list(session.exec(select(EvidenceContent)))


def cli_env(monkeypatch: pytest.MonkeyPatch, sb: Sandbox, bucket: str) -> None:
    monkeypatch.setenv("DATABASE_URL", sb.settings.database_url)
    monkeypatch.setenv("QMS_EVIDENCE_URL", f"s3://{bucket}/{PREFIX}")


def test_files_attached_in_the_nc_form_land_in_the_bucket_and_not_the_database(sb: Sandbox, bucket: str) -> None:
    assert isinstance(sb.ctx.evidence, S3Store) and sb.ctx.evidence.name == f"s3://{sb.ctx.evidence.bucket}/{PREFIX}"
    nc = two_photos_on_a1(sb)
    assert read(bucket, key(PALLET)) == PALLET and read(bucket, key(LABEL)) == LABEL
    assert versions(bucket) == {key(PALLET): 1, key(LABEL): 1}
    files, contents = in_database(sb)
    assert contents == []  # the bytes are only in the bucket
    assert sorted(f.name for f in files) == ["label.png", "pallet.jpg"]
    assert {f.record_ref for f in files} == {nc.number}


def test_the_same_bytes_twice_are_stored_once(sb: Sandbox, bucket: str) -> None:
    nc = raise_nc(sb, owner=ANNA.id)
    first = sb.fake.add_file(ANNA.id, "pallet.jpg", PALLET)
    again = sb.fake.add_file(ANNA.id, "pallet copy.jpg", PALLET)
    assert step(sb, ANNA, nc, "Record containment", {"containment": "Held in bay 3", "files": [first, again]}) == {}
    other = raise_nc(sb, owner=ANNA.id)
    third = sb.fake.add_file(ANNA.id, "pallet.jpg", PALLET)
    assert step(sb, ANNA, other, "Record containment", {"containment": "Held", "files": [third]}) == {}
    assert len(in_database(sb)[0]) == 2  # attached to both NCs
    assert versions(bucket) == {key(PALLET): 1}  # written once
    assert sb.ctx.evidence.put(hashlib.sha256(PALLET).hexdigest(), PALLET) is False
    assert versions(bucket) == {key(PALLET): 1}


def test_an_object_already_in_the_bucket_is_never_overwritten(
    sb: Sandbox, bucket: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Someone put other bytes under the pallet photo's key before it was attached.
    admin().put_object(Bucket=bucket, Key=key(PALLET), Body=b"planted")
    nc = two_photos_on_a1(sb)
    assert read(bucket, key(PALLET)) == b"planted" and versions(bucket)[key(PALLET)] == 1
    # ...and the trail knows the hash the photo was kept with, so verify-trail says so.
    cli_env(monkeypatch, sb, bucket)
    assert main(["verify-trail"]) == 1
    out = capsys.readouterr().out
    planted = hashlib.sha256(b"planted").hexdigest()
    assert (
        f"{nc.number} (nonconformity): evidence file 'pallet.jpg' was changed after it was kept: "
        f"s3://{bucket}/{key(PALLET)} hashes to {planted}" in out
    )


def test_an_object_written_between_the_look_and_the_write_is_not_overwritten(bucket: str) -> None:
    """If-None-Match: * is what stops the write when another instance got there first."""
    sha = hashlib.sha256(PALLET).hexdigest()

    class Late(S3Store):
        def exists(self, sha256: str) -> bool:
            # The look found nothing; another instance writes before this one does.
            admin().put_object(Bucket=bucket, Key=self.key(sha256), Body=PALLET)
            return False

    assert Late(bucket, PREFIX, client=admin()).put(sha, PALLET) is False
    assert versions(bucket) == {key(PALLET): 1}  # S3 refused the second write (412)
    store = S3Store(bucket, PREFIX, client=admin())
    assert store.put(sha, PALLET) is False and store.get(sha) == PALLET
    with pytest.raises(ValueError, match="another SHA-256"):
        store.put(sha, LABEL)  # a key that does not name the bytes


def test_verify_trail_names_an_object_changed_or_deleted_in_the_bucket(
    sb: Sandbox, bucket: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    nc = two_photos_on_a1(sb)
    cli_env(monkeypatch, sb, bucket)
    assert main(["verify-trail"]) == 0
    assert "evidence intact: 2 file(s)" in capsys.readouterr().out
    admin().put_object(Bucket=bucket, Key=key(PALLET), Body=b"edited")
    assert main(["verify-trail"]) == 1
    out = capsys.readouterr().out
    assert f"{nc.number} (nonconformity): evidence file 'pallet.jpg' was changed after it was kept" in out
    assert f"s3://{bucket}/{key(PALLET)}" in out
    admin().delete_object(Bucket=bucket, Key=key(LABEL))
    assert main(["verify-trail"]) == 1
    out = capsys.readouterr().out
    assert (
        f"{nc.number} (nonconformity): evidence file 'label.png' is missing from the evidence store: "
        f"s3://{bucket}/{key(LABEL)}" in out
    )


def test_export_with_files_reads_them_from_the_bucket(
    sb: Sandbox, bucket: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    nc = two_photos_on_a1(sb)
    assert in_database(sb)[1] == []
    cli_env(monkeypatch, sb, bucket)
    out = tmp_path / "audit.zip"
    assert main(["export", "--out", str(out), "--with-files"]) == 0
    assert "2 evidence file(s)" in capsys.readouterr().out
    with zipfile.ZipFile(out) as bundle:
        files = {bundle.read(n) for n in bundle.namelist() if n.startswith(f"files/{nc.number}/")}
        sums = bundle.read("SHA256SUMS").decode()
    assert files == {PALLET, LABEL} and hashlib.sha256(PALLET).hexdigest() in sums
    # A changed object is not passed off as evidence.
    admin().put_object(Bucket=bucket, Key=key(LABEL), Body=b"edited")
    assert main(["export", "--out", str(tmp_path / "again.zip"), "--with-files"]) == 2
    assert "evidence file 'label.png' is missing or changed" in capsys.readouterr().err


def test_a_bucket_that_does_not_answer_is_told_to_the_person(clock: ManualClock, aws: str, bucket: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    once = boto3.session.Session().client(
        "s3", endpoint_url=closed, config=Config(retries={"max_attempts": 1}, connect_timeout=2)
    )
    with Sandbox(clock=clock, settings={"evidence_url": f"s3://{bucket}"}) as sb:
        sb.ctx.evidence = S3Store(bucket, "", client=once)
        nc = raise_nc(sb, owner=ANNA.id)
        photo = sb.fake.add_file(ANNA.id, "pallet.jpg", PALLET)
        assert step(sb, ANNA, nc, "Record containment", {"containment": "Held", "files": [photo]}) == {}
        assert in_database(sb) == ([], [])
        with sb.db.session() as session:
            told = " ".join(
                m.text for m in session.exec(select(OutboxMessage).where(OutboxMessage.recipient == ANNA.id))
            )
    assert "pallet.jpg could not be stored: the evidence store is not reachable just now" in told


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("ftp://files.example/evidence", "expected s3://bucket or s3://bucket/prefix"),
        ("my-bucket", "expected s3://bucket or s3://bucket/prefix"),
        ("s3://My_Bucket/evidence", "'My_Bucket' is not an S3 bucket name"),
        ("s3://AKIAEXAMPLE:wJalrSECRET@bucket/x", "give only s3://bucket/prefix: credentials"),
        ("s3://bucket/a/../b", "the prefix part '..' is not a safe S3 key part"),
        ("s3://bucket/evidence?versionId=1", "the prefix part 'evidence?versionId=1'"),
    ],
)
def test_a_bad_evidence_url_is_one_line_naming_the_setting(value: str, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        explicit_settings(evidence_url=value)
    assert len(refused.value.lines) == 1
    line = refused.value.lines[0]
    assert line.startswith(f"QMS_EVIDENCE_URL: {says}"), line
    assert "SECRET" not in line


def test_the_evidence_url_is_read_and_the_database_is_the_default(tmp_path: Path) -> None:
    assert explicit_settings().evidence_url is None
    assert explicit_settings(evidence_url="").evidence_url is None
    assert explicit_settings(evidence_url="S3://qms-evidence//plant-1/").evidence_url == "s3://qms-evidence/plant-1"
    default = explicit_settings(database_url=f"sqlite:///{tmp_path / 'q.db'}")
    assert isinstance(open_store(default, None), DatabaseStore)  # type: ignore[arg-type]


def test_a_bad_evidence_url_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("QMS_EVIDENCE_URL", "ftp://files.example/evidence")
    assert main(["run"]) == 2
    assert capsys.readouterr().err == (
        "qms-bot: QMS_EVIDENCE_URL: expected s3://bucket or s3://bucket/prefix "
        "(or unset it to keep evidence files in the database), got 'ftp://…'\n"
    )


def test_a_bucket_that_is_not_there_stops_start_up_with_one_line(
    aws: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'qms.db'}")
    monkeypatch.setenv("QMS_EVIDENCE_URL", "s3://no-such-bucket/evidence")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"qms-bot: QMS_EVIDENCE_URL: there is no bucket 'no-such-bucket' at {aws}; create it (versioned, or with "
        "Object Lock), or correct QMS_EVIDENCE_URL or AWS_ENDPOINT_URL_S3\n"
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert main(["verify-trail"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no AWS credentials found" in err, err


def test_check_shows_where_the_evidence_goes(
    aws: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test")
    assert main(["check"]) == 0
    assert "evidence store               the database (table evidence_content)" in capsys.readouterr().out
    monkeypatch.setenv("QMS_EVIDENCE_URL", "s3://qms-evidence/plant-1")
    assert main(["check"]) == 0  # checks the settings only: the bucket is reached by run
    assert f"evidence store               s3://qms-evidence/plant-1 at {aws}" in capsys.readouterr().out
