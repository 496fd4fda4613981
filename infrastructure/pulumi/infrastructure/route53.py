"""Route53 (plan: Route53): api -> ALB, app and learn -> CloudFront, as alias records in the existing zone.

Alias A/AAAA records instead of the plan's CNAME: they work at any name, cost nothing per query and follow the
target's addresses. The hosted zone itself (fibonacco.com) exists already and is looked up, not created.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


def lookup_zone_id(zone_name: str) -> str:
    return aws.route53.get_zone(name=zone_name, private_zone=False).zone_id


@dataclass(frozen=True)
class AliasTarget:
    dns_name: pulumi.Input[str]
    zone_id: pulumi.Input[str]
    ipv6: bool


@dataclass(frozen=True)
class DnsRecordsArgs:
    zone_id: str
    # record name -> where it points
    records: dict[str, AliasTarget]


class DnsRecords(pulumi.ComponentResource):
    def __init__(self, name: str, args: DnsRecordsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fibonacco:dns:DnsRecords", name, None, opts)
        self.fqdns: list[pulumi.Output[str]] = []
        for domain, target in args.records.items():
            for record_type in ("A", "AAAA") if target.ipv6 else ("A",):
                record = aws.route53.Record(
                    f"{name}-{domain}-{record_type.lower()}",
                    zone_id=args.zone_id,
                    name=domain,
                    type=record_type,
                    aliases=[
                        aws.route53.RecordAliasArgs(
                            name=target.dns_name, zone_id=target.zone_id, evaluate_target_health=True
                        )
                    ],
                    opts=pulumi.ResourceOptions(parent=self),
                )
                self.fqdns.append(record.fqdn)
        self.register_outputs({"fqdns": self.fqdns})
