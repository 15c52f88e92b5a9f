"""The evidence store in an S3-compatible bucket (AWS S3, MinIO, Ceph, …), through boto3.

Each file is one object, `<prefix>/<sha256>`. boto3 finds the credentials, region and
endpoint where it always does (AWS_ACCESS_KEY_ID, AWS_PROFILE, ~/.aws/config, an instance
role; AWS_ENDPOINT_URL_S3 for a server other than AWS), so the bot has no settings of its
own for them. A put never replaces an object: it asks first (HeadObject), then writes with
`If-None-Match: *`, which S3 refuses (412) when the key exists by then; bytes read back are
hashed by whoever reads them, never trusted from the object's own checksum or ETag.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from bot.evidence.forms import SIZE_MAX
from bot.evidence.store import StoreUnavailable, named_by

# Fail in seconds, not minutes, when the bucket is away: a person is waiting for the answer
# that their file was not kept. The pool is as wide as Bolt's listener threads.
CLIENT_CONFIG = Config(
    connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=32
)
# A stored object longer than any file kept is read no further: its hash cannot match anyway.
READ_LIMIT = SIZE_MAX + 1


class S3Store:
    def __init__(self, bucket: str, prefix: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.name = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
        # A session of its own: boto3's default one is not safe to share between threads; a
        # client is.
        try:
            self.client = client or boto3.session.Session().client("s3", config=CLIENT_CONFIG)
        except (BotoCoreError, ValueError) as exc:  # a profile that is not there, an endpoint that is no URL
            raise StoreUnavailable(f"QMS_EVIDENCE_URL: cannot set up the S3 client for {self.name}: {exc}") from None

    @property
    def endpoint(self) -> str:
        return str(self.client.meta.endpoint_url)

    @property
    def where(self) -> str:
        return f"{self.name} at {self.endpoint}"

    def key(self, sha256: str) -> str:
        return f"{self.prefix}/{sha256}" if self.prefix else sha256

    def locate(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self.key(sha256)}"

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _status(exc) == 404:
                return False
            raise self._unavailable(exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(exc) from None
        return True

    def put(self, sha256: str, content: bytes) -> bool:
        named_by(sha256, content)
        if self.exists(sha256):
            return False
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(sha256),
                Body=content,
                IfNoneMatch="*",
                ContentType="application/octet-stream",
            )
        except ClientError as exc:
            if _status(exc) == 412:  # another instance kept the same file in between
                return False
            if _status(exc) == 409 and self.exists(sha256):  # and its write had not finished
                return False
            raise self._unavailable(exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(exc) from None
        return True

    def get(self, sha256: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
            body = answer["Body"]
            try:
                return bytes(body.read(READ_LIMIT))
            finally:
                body.close()
        except ClientError as exc:
            if _code(exc) == "NoSuchKey":  # not NoSuchBucket: a lost bucket is not a lost file
                return None
            raise self._unavailable(exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(exc) from None

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _status(exc) == 404:
                raise StoreUnavailable(
                    f"QMS_EVIDENCE_URL: there is no bucket {self.bucket!r} at {self.endpoint}; create it "
                    "(versioned, or with Object Lock), or correct QMS_EVIDENCE_URL or AWS_ENDPOINT_URL_S3"
                ) from None
            raise self._unavailable(exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        if isinstance(exc, NoCredentialsError):
            reason = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        elif isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            reason = f"{error.get('Code') or _status(exc)}: {error.get('Message') or 'no message'}"
            if _status(exc) == 403:
                reason += " (the credentials need s3:GetObject, s3:PutObject and s3:ListBucket on the bucket)"
        else:
            reason = str(exc)
        return StoreUnavailable(
            f"QMS_EVIDENCE_URL: the evidence store {self.name} at {self.endpoint} cannot be used: {reason}"
        )


def _status(exc: ClientError) -> int | None:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status is not None else None


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "")
