"""Run the Pulumi program for one stack under Pulumi's mocks and write what it declared as JSON.

    python stack_runner.py <stack> <out.json> [--set key=json] [--secret key=value]

No cloud, no Pulumi CLI: the mock monitor records every resource (type, name, parent, inputs with secrets
marked, ignore_changes), the program's exports and the warnings it logged (`pulumi.warn`).
One process per stack, because the Pulumi runtime is process-global.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

import yaml

PULUMI_DIR = Path(__file__).resolve().parents[2] / "infrastructure" / "pulumi"
PROJECT = "learning-center"
ACCOUNT = "123456789012"
REGION = "us-east-1"
SECRET_MARK = "__secret__"


def stack_config(stack: str, overrides: dict[str, Any]) -> dict[str, str]:
    """The stack file's config as the engine passes it to a program: every value a string, objects as JSON."""
    raw = yaml.safe_load((PULUMI_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    raw.update(overrides)
    out = {}
    for key, value in raw.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(value, bool):
            out[full] = "true" if value else "false"
        elif isinstance(value, dict | list):
            out[full] = json.dumps(value)
        else:
            out[full] = str(value)
    return out


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _computed(typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Plausible provider-computed outputs for the types whose outputs the program reads."""
    service = typ.split(":")[1].split("/")[0]
    out: dict[str, Any] = {"arn": _arn(service, f"{name}")}
    if typ == "aws:rds/cluster:Cluster":
        ident = inputs.get("clusterIdentifier", name)
        out |= {
            "endpoint": f"{ident}.cluster-abc.{REGION}.rds.amazonaws.com",
            "readerEndpoint": f"{ident}.cluster-ro-abc.{REGION}.rds.amazonaws.com",
            "port": 5432,
            "masterUserSecrets": [{"secretArn": _arn("secretsmanager", f"secret:rds!cluster-{ident}"), "kmsKeyId": ""}],
        }
    elif typ == "aws:elasticache/replicationGroup:ReplicationGroup":
        out["primaryEndpointAddress"] = f"master.{inputs.get('replicationGroupId')}.abc.use1.cache.amazonaws.com"
    elif typ == "aws:lb/loadBalancer:LoadBalancer":
        out |= {
            "dnsName": f"{inputs.get('name')}-1.{REGION}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
            "arnSuffix": f"app/{inputs.get('name')}/abc",
        }
    elif typ == "aws:lb/targetGroup:TargetGroup":
        out["arnSuffix"] = f"targetgroup/{inputs.get('name')}/abc"
    elif typ == "aws:ecr/repository:Repository":
        out["repositoryUrl"] = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{inputs.get('name')}"
    elif typ == "aws:cloudfront/distribution:Distribution":
        out |= {"domainName": "d111111abcdef8.cloudfront.net", "hostedZoneId": "Z2FDTNDATAQYW2"}
    elif typ == "aws:s3/bucket:Bucket":
        out |= {
            "bucketRegionalDomainName": f"{inputs.get('bucket')}.s3.{REGION}.amazonaws.com",
            "arn": f"arn:aws:s3:::{inputs.get('bucket')}",
        }
    elif typ == "aws:acm/certificate:Certificate":
        domains = [inputs["domainName"], *inputs.get("subjectAlternativeNames", [])]
        out["domainValidationOptions"] = [
            {
                "domainName": d,
                "resourceRecordName": f"_x.{d}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_y.{d}.acm-validations.aws.",
            }
            for d in domains
        ]
    elif typ == "aws:route53/record:Record":
        out["fqdn"] = inputs.get("name")
    elif typ == "aws:ecs/taskDefinition:TaskDefinition":
        family = inputs.get("family")
        out |= {
            "arn": _arn("ecs", f"task-definition/{family}:1"),
            "arnWithoutRevision": _arn("ecs", f"task-definition/{family}"),
        }
    elif typ == "aws:ecs/cluster:Cluster":
        out["arn"] = _arn("ecs", f"cluster/{inputs.get('name')}")
    elif typ == "aws:secretsmanager/secret:Secret":
        out["arn"] = _arn("secretsmanager", f"secret:{inputs.get('name')}-AbCdEf")
    elif typ == "aws:iam/role:Role":
        out["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{inputs.get('name')}"
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        out["arn"] = _arn("logs", f"log-group:{inputs.get('name')}")
    return out


def _plain(value: Any) -> Any:
    """JSON-friendly copy of deserialized inputs; secrets become {"__secret__": value}."""
    from pulumi.runtime import rpc

    if rpc.is_rpc_secret(value):
        return {SECRET_MARK: _plain(value["value"])}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


def run(stack: str, overrides: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    config = stack_config(stack, overrides)
    for key, value in secrets.items():
        config[f"{PROJECT}:{key}"] = value
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps([f"{PROJECT}:{k}" for k in secrets])

    import pulumi
    from pulumi.runtime import mocks, rpc
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    resources: list[dict[str, Any]] = []
    subnet_filters: dict[str, int] = {}

    class Mocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", {**args.inputs, **_computed(args.typ, args.name, args.inputs)}

        def call(self, args: mocks.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
            token = args.token
            if token == "aws:index/getCallerIdentity:getCallerIdentity":
                return {
                    "accountId": ACCOUNT,
                    "arn": f"arn:aws:iam::{ACCOUNT}:user/ci",
                    "userId": "AIDA",
                    "id": ACCOUNT,
                }
            if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
                names = [f"{REGION}{z}" for z in "abcdef"]
                return {"names": names, "zoneIds": [f"use1-az{i}" for i in range(6)], "id": REGION}
            if token == "aws:route53/getZone:getZone":
                return {"zoneId": "Z0FIBONACCO", "name": args.args.get("name"), "id": "Z0FIBONACCO"}
            if token == "aws:ec2/getVpc:getVpc":
                return {"id": args.args.get("id"), "cidrBlock": "10.20.0.0/16", "arn": _arn("ec2", "vpc")}
            if token == "aws:ec2/getSubnets:getSubnets":
                tier = next(f["values"][0] for f in args.args["filters"] if f["name"] == "tag:Tier")
                subnet_filters[tier] = subnet_filters.get(tier, 0) + 1
                return {"ids": [f"subnet-{tier}-{i}" for i in range(3)], "id": tier}
            raise NotImplementedError(f"no mock for invoke {token}")

    class RecordingMonitor(mocks.MockMonitor):
        def RegisterResource(self, request: Any) -> Any:
            if request.type != "pulumi:pulumi:Stack":
                inputs = rpc.deserialize_properties(request.object)
                resources.append(
                    {
                        "type": request.type,
                        "name": request.name,
                        "parent": request.parent,
                        "custom": request.custom,
                        "inputs": _plain(inputs),
                        "ignore_changes": list(request.ignoreChanges),
                    }
                )
            return super().RegisterResource(request)

    warnings: list[str] = []

    class Warnings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno == logging.WARNING:
                warnings.append(record.getMessage())

    engine_log = logging.getLogger("pulumi-mocks-engine")
    engine_log.addHandler(Warnings())
    engine_log.propagate = False
    mocked = Mocks()
    mocks.set_mocks(
        mocked, project=PROJECT, stack=stack, preview=False, logger=engine_log, monitor=RecordingMonitor(mocked)
    )

    exported: dict[str, Any] = {}
    pulumi.export = lambda name, value: exported.__setitem__(name, value)  # type: ignore[assignment]
    results: dict[str, Any] = {}

    async def program() -> None:
        runpy.run_path(str(PULUMI_DIR / "__main__.py"), run_name="__main__")
        for name, value in exported.items():
            output = pulumi.Output.from_input(value)
            results[name] = {"value": _plain(await output.future()), "secret": await output.is_secret()}

    sys.path.insert(0, str(PULUMI_DIR))
    os.chdir(PULUMI_DIR)
    _sync_await(run_pulumi_func(program))
    return {"resources": resources, "exports": results, "config": config, "warnings": warnings}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("stack")
    parser.add_argument("out", type=Path)
    parser.add_argument("--set", action="append", default=[], help="key=<json value> overriding the stack file")
    parser.add_argument("--secret", action="append", default=[], help="key=value given as a secret config value")
    ns = parser.parse_args()
    overrides = {k: json.loads(v) for k, v in (item.split("=", 1) for item in ns.set)}
    secrets = dict(item.split("=", 1) for item in ns.secret)
    try:
        result = run(ns.stack, overrides, secrets)
    except Exception as exc:  # reported to the test, which decides whether it was expected
        ns.out.write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}))
        return 1
    ns.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
