"""ECR repository (plan: ECR): `{project}-backend`, scanned on push, keeps the last 10 images."""

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
            # One repository per stack, so a dev push never replaces production's `latest`.
            name=f"{args.project_name}-backend"
            if args.production
            else f"{args.project_name}-backend-{args.environment}",
            # Mutable because the plan deploys `latest`; every image is also pushed under its git SHA.
            image_tag_mutability="MUTABLE",
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
