"""ACM certificates (plan: SSL/TLS): DNS-validated in the hosted zone.

The ALB's certificate lives in the stack's region; CloudFront only accepts certificates from us-east-1, so the
frontend certificate is always requested there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

CLOUDFRONT_CERT_REGION = "us-east-1"


Option = aws.acm.outputs.CertificateDomainValidationOption


def _record_for(domain: str) -> Callable[[Sequence[Option]], tuple[str, str, str]]:
    """The (name, type, value) of the DNS record ACM wants for `domain`."""

    def pick(options: Sequence[Option]) -> tuple[str, str, str]:
        option = next(o for o in options if o.domain_name == domain)
        if not (option.resource_record_name and option.resource_record_type and option.resource_record_value):
            raise ValueError(f"ACM gave no validation record for {domain}")
        return option.resource_record_name, option.resource_record_type, option.resource_record_value

    return pick


@dataclass(frozen=True)
class CertificateArgs:
    domains: tuple[str, ...]
    zone_id: str
    region: str
    tags: dict[str, str]


class ValidatedCertificate(pulumi.ComponentResource):
    """A certificate for `domains` (the first is the subject), usable once `arn` resolves."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:tls:ValidatedCertificate", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        certificate = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domains[0],
            subject_alternative_names=list(args.domains[1:]),
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            region=args.region,
            tags=args.tags,
            opts=child,
        )
        fqdns = []
        for domain in args.domains:
            wanted = certificate.domain_validation_options.apply(_record_for(domain))
            record = aws.route53.Record(
                f"{name}-validation-{domain}",
                zone_id=args.zone_id,
                name=wanted[0],
                type=wanted[1],
                records=[wanted[2]],
                ttl=300,
                allow_overwrite=True,
                opts=child,
            )
            fqdns.append(record.fqdn)
        validation = aws.acm.CertificateValidation(
            f"{name}-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=fqdns,
            region=args.region,
            opts=child,
        )
        # Consumers take the ARN from the validation, so they wait until the certificate is issued.
        self.arn = validation.certificate_arn
        self.register_outputs({"arn": self.arn})
