"""S3 buckets (plan: S3): frontend and assets; versioned, encrypted, no public access, old versions to
Glacier.

The frontend bucket is served only through CloudFront's origin access control (the bucket policy granting
CloudFront read lives in cloudfront.py, which knows the distribution); it is not an S3 "website" because
website endpoints cannot be reached through OAC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

NONCURRENT_TO_GLACIER_DAYS = 90


@dataclass(frozen=True)
class BucketArgs:
    bucket_name: str
    production: bool
    tags: dict[str, str]


class SecureBucket(pulumi.ComponentResource):
    """A private, versioned, encrypted bucket that refuses plain-HTTP requests."""

    def __init__(self, name: str, args: BucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:storage:SecureBucket", name, None, opts)
        self._base_name = name
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(
            name,
            bucket=args.bucket_name,
            # A dev stack can be destroyed with its objects; production buckets must be emptied by hand.
            force_destroy=not args.production,
            tags=args.tags,
            opts=child,
        )
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                )
            ],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="old-versions-to-glacier",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_transitions=[
                        aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                            noncurrent_days=NONCURRENT_TO_GLACIER_DAYS, storage_class="GLACIER"
                        )
                    ],
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        self.arn = self.bucket.arn
        self.name = self.bucket.bucket
        self.register_outputs({"bucket": self.bucket.bucket, "arn": self.bucket.arn})

    def attach_policy(self, statements: list[pulumi.Input[dict[str, object]]]) -> aws.s3.BucketPolicy:
        """The bucket's one policy: the given statements plus a deny of any request not over TLS."""
        deny_http = self.bucket.arn.apply(
            lambda arn: {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
        document = pulumi.Output.all(deny_http, *statements).apply(
            lambda parts: json.dumps({"Version": "2012-10-17", "Statement": list(parts)})
        )
        return aws.s3.BucketPolicy(
            f"{self._base_name}-policy",
            bucket=self.bucket.id,
            policy=document,
            # Public access block first, so the policy is never briefly evaluated without it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]),
        )


@dataclass(frozen=True)
class StorageArgs:
    project_name: str
    environment: str
    production: bool
    tags: dict[str, str]


class Storage(pulumi.ComponentResource):
    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:storage:Storage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.frontend = SecureBucket(
            f"{name}-frontend",
            BucketArgs(f"{args.project_name}-frontend-{args.environment}", args.production, args.tags),
            child,
        )
        self.assets = SecureBucket(
            f"{name}-assets",
            BucketArgs(f"{args.project_name}-assets-{args.environment}", args.production, args.tags),
            child,
        )
        # The assets bucket is reached only by the tasks' role (iam.py); its policy just enforces TLS.
        self.assets.attach_policy([])
        self.register_outputs({"frontend": self.frontend.name, "assets": self.assets.name})
