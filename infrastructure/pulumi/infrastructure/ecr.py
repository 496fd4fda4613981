"""ECR repository (plan: ECR): `{project}-backend`, immutable git-SHA tags, scanned on push, keeps the last 10
images."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

KEEP_IMAGES = 10


@dataclass(frozen=True)
class RegistryArgs:
    project_name: str
    environment: str
    production: bool
    tags: dict[str, str]


class Registry(pulumi.ComponentResource):
    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:registry:Registry", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            # One repository per stack, so dev images never mix with production's.
            name=f"{args.project_name}-backend"
            if args.production
            else f"{args.project_name}-backend-{args.environment}",
            # Images are pushed under their git SHA only, and a tag can never be moved to other code: what a task
            # definition names is what runs (scripts/deploy.sh).
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")],
            force_delete=not args.production,
            tags=args.tags,
            opts=child,
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": f"keep the last {KEEP_IMAGES} images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": KEEP_IMAGES,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=child,
        )
        self.repository_url = self.repository.repository_url
        self.arn = self.repository.arn
        self.register_outputs({"repository_url": self.repository_url})
