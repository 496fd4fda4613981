"""The deployment plan, requirement by requirement, checked against what the Pulumi program declares for each
stack."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
import yaml

from .conftest import ALARM_SUBSCRIBERS, PULUMI_DIR, TEST_IMAGE_TAG, TEST_SECRETS, TEST_VPC_ID, StackRun

QUEUES = {"default", "emails", "sms", "calls", "tts", "embeddings"}
PLAN_SIZES = {
    "dev": {"db_instance_class": "db.t4g.medium", "redis_node_type": "cache.t4g.micro"},
    "production": {"db_instance_class": "db.r6g.large", "redis_node_type": "cache.r6g.large"},
}


def stack_file(name: str) -> dict:
    return yaml.safe_load((PULUMI_DIR / f"Pulumi.{name}.yaml").read_text())["config"]


# --- project layout and stack files ---


def test_project_is_a_python_pulumi_program_with_the_plans_module_files() -> None:
    project = yaml.safe_load((PULUMI_DIR / "Pulumi.yaml").read_text())
    assert project["name"] == "learning-center"
    assert project["runtime"]["name"] == "python"
    modules = {p.stem for p in (PULUMI_DIR / "infrastructure").glob("*.py")}
    plan_modules = {
        "vpc",
        "existing_vpc",
        "rds",
        "redis",
        "ecs",
        "alb",
        "cloudfront",
        "s3",
        "route53",
        "ecr",
        "secrets",
    }
    assert plan_modules <= modules
    requirements = (PULUMI_DIR / "requirements.txt").read_text()
    assert "pulumi-aws>=7" in requirements


@pytest.mark.parametrize("name", ["dev", "production"])
def test_stack_files_carry_the_plans_values(name: str) -> None:
    config = stack_file(name)
    assert config["aws:region"] == "us-east-1"
    assert config["learning-center:project_name"] == "learning-center"
    assert config["learning-center:environment"] == name
    for key, value in PLAN_SIZES[name].items():
        assert config[f"learning-center:{key}"] == value
    assert config["learning-center:use_existing_vpc"] is (name == "production")
    if name == "production":
        assert "learning-center:existing_vpc_id" in config


def test_placeholder_vpc_id_is_refused_with_a_message_naming_the_key(runs: dict[str, StackRun]) -> None:
    error = runs["production-placeholder-vpc"].error
    assert error is not None and "existing_vpc_id" in error and "vpc-xxxxx" in error


def test_a_queue_without_a_worker_is_a_config_error(runs: dict[str, StackRun]) -> None:
    error = runs["dev-missing-queue"].error
    assert error is not None and "workers" in error
    for queue in ("sms", "calls", "tts", "embeddings"):
        assert queue in error


# --- structure ---


def test_every_cloud_resource_belongs_to_a_component(stack: StackRun) -> None:
    components = {r["type"] for r in stack.resources if not r["custom"]}
    assert components and all(t.startswith("fibonacco:") for t in components)
    orphans = [r["name"] for r in stack.resources if r["custom"] and "$fibonacco:" not in r["parent"]]
    assert orphans == []


def test_exports_use_the_names_the_plans_commands_read(stack: StackRun) -> None:
    for name in (
        "ecr_repository_url",
        "alb_dns_name",
        "s3_frontend_bucket",
        "cloudfront_distribution_id",
        "cloudfront_url",
        "vpc_id",
        "rds_endpoint",
        "redis_endpoint",
        "ecs_cluster_name",
        "ecs_service_name",
        "task_definition_arn",
        "target_group_arn",
    ):
        assert stack.export(name), name
    assert stack.export("cloudfront_url").endswith(".cloudfront.net")  # used as a DNS target in the plan
    network = json.loads(stack.export("ecs_network_configuration"))["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"
    assert network["subnets"] == stack.export("private_subnet_ids")


# --- VPC ---


def test_dev_builds_the_plans_vpc(dev: StackRun) -> None:
    assert dev.inputs("aws:ec2/vpc:Vpc")["cidrBlock"] == "10.0.0.0/16"
    subnets = dev.of_type("aws:ec2/subnet:Subnet")
    by_tier: dict[str, list[dict]] = {}
    for subnet in subnets:
        by_tier.setdefault(subnet["inputs"]["tags"]["Tier"], []).append(subnet["inputs"])
    assert set(by_tier) == {"public", "private", "database"}
    vpc = ipaddress.ip_network("10.0.0.0/16")
    for tier, items in by_tier.items():
        assert len({s["availabilityZone"] for s in items}) >= 2, tier
        assert all(ipaddress.ip_network(s["cidrBlock"]).subnet_of(vpc) for s in items)  # type: ignore[arg-type]
        assert all(s["mapPublicIpOnLaunch"] is (tier == "public") for s in items)
    cidrs = [ipaddress.ip_network(s["inputs"]["cidrBlock"]) for s in subnets]
    assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])
    assert dev.of_type("aws:ec2/internetGateway:InternetGateway")
    assert dev.of_type("aws:ec2/natGateway:NatGateway")
    tables = {r["inputs"]["tags"]["Name"]: r["inputs"]["routes"] for r in dev.of_type("aws:ec2/routeTable:RouteTable")}
    assert tables["learning-center-dev-public"] == [{"cidrBlock": "0.0.0.0/0", "gatewayId": "vpc-igw-id"}]
    private = [routes for name, routes in tables.items() if "-private-" in name]
    assert private and all(r[0]["natGatewayId"].startswith("vpc-nat-") for r in private)
    assert tables["learning-center-dev-database"] == []  # no way out of the VPC from the database tier
    default_sg = dev.inputs("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_sg.get("ingress", []) == [] and default_sg.get("egress", []) == []


def test_production_uses_the_existing_vpc(production: StackRun) -> None:
    assert production.of_type("aws:ec2/vpc:Vpc") == []
    assert production.of_type("aws:ec2/subnet:Subnet") == []
    assert production.export("vpc_id") == TEST_VPC_ID
    assert production.export("public_subnet_ids")[0].startswith("subnet-public-")
    assert production.export("private_subnet_ids")[0].startswith("subnet-private-")
    assert production.export("database_subnet_ids")[0].startswith("subnet-database-")
    # Optional VPC endpoints are on in production: AWS API calls stay inside the VPC, reachable from ECS only.
    services = {
        r["inputs"]["serviceName"].rsplit(".", 1)[-1] for r in production.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    }
    assert {"secretsmanager", "logs", "dkr", "api", "monitoring"} <= services


# --- security groups (the plan's table) ---


def test_only_the_alb_is_reachable_from_the_internet(stack: StackRun) -> None:
    rules = [r["inputs"] for r in stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    open_rules = [r for r in rules if r.get("cidrIpv4") or r.get("cidrIpv6")]
    assert {(r["securityGroupId"], r["fromPort"], r["toPort"]) for r in open_rules} == {
        ("sg-alb-id", 80, 80),
        ("sg-alb-id", 443, 443),
    }
    for group in stack.of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert not group["inputs"].get("ingress"), "no inline rules that could bypass the table"


@pytest.mark.parametrize(("group", "port"), [("sg-ecs-id", 8000), ("sg-rds-id", 5432), ("sg-redis-id", 6379)])
def test_internal_groups_take_one_port_from_one_source(stack: StackRun, group: str, port: int) -> None:
    rules = [
        r["inputs"]
        for r in stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r["inputs"]["securityGroupId"] == group
    ]
    source = "sg-alb-id" if group == "sg-ecs-id" else "sg-ecs-id"
    assert [(r["fromPort"], r["toPort"], r["referencedSecurityGroupId"]) for r in rules] == [(port, port, source)]


def test_database_and_cache_have_no_egress(stack: StackRun) -> None:
    egress = [r["inputs"] for r in stack.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")]
    assert {r["securityGroupId"] for r in egress} == {"sg-alb-id", "sg-ecs-id"}
    alb = [r for r in egress if r["securityGroupId"] == "sg-alb-id"]
    assert [(r["fromPort"], r["referencedSecurityGroupId"]) for r in alb] == [(8000, "sg-ecs-id")]


# --- RDS ---


def test_aurora_postgresql_as_planned(stack: StackRun) -> None:
    cluster = stack.inputs("aws:rds/cluster:Cluster")
    assert cluster["engine"] == "aurora-postgresql" and cluster["engineVersion"] == "15.15"
    assert cluster["storageEncrypted"] is True
    assert cluster["backupRetentionPeriod"] == 7
    assert cluster["preferredBackupWindow"] == "03:00-04:00"
    assert cluster["manageMasterUserPassword"] is True and "masterPassword" not in cluster
    assert cluster["vpcSecurityGroupIds"] == ["sg-rds-id"]
    assert cluster["databaseName"] == "learning_center"
    params = stack.inputs("aws:rds/clusterParameterGroup:ClusterParameterGroup")["parameters"]
    assert {"name": "rds.force_ssl", "value": "1"} in params
    subnet_group = stack.inputs("aws:rds/subnetGroup:SubnetGroup")
    assert subnet_group["subnetIds"] == stack.export("database_subnet_ids")
    instances = [r["inputs"] for r in stack.of_type("aws:rds/clusterInstance:ClusterInstance")]
    assert all(i["publiclyAccessible"] is False for i in instances)
    expected_class = PLAN_SIZES[stack.name]["db_instance_class"]
    assert {i["instanceClass"] for i in instances} == {expected_class}
    if stack.name == "production":  # Multi-AZ: a reader to fail over to, and the cluster guarded
        assert len(instances) >= 2
        assert cluster["deletionProtection"] is True and cluster["skipFinalSnapshot"] is False
    else:
        assert len(instances) == 1


# --- Redis ---


def test_redis_as_planned_and_never_evicting_jobs(stack: StackRun) -> None:
    group = stack.inputs("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group["engine"] == "redis" and group["engineVersion"].startswith("7")
    assert group["nodeType"] == PLAN_SIZES[stack.name]["redis_node_type"]
    assert group["atRestEncryptionEnabled"] is True
    assert group["securityGroupIds"] == ["sg-redis-id"]
    production = stack.name == "production"
    assert group["transitEncryptionEnabled"] is production
    assert group["multiAzEnabled"] is production and group["automaticFailoverEnabled"] is production
    assert group["numCacheClusters"] == (2 if production else 1)
    params = stack.inputs("aws:elasticache/parameterGroup:ParameterGroup")
    assert params["family"] == "redis7"
    assert {"name": "maxmemory-policy", "value": "noeviction"} in params["parameters"]
    subnets = stack.inputs("aws:elasticache/subnetGroup:SubnetGroup")["subnetIds"]
    assert subnets == stack.export("private_subnet_ids")


# --- ECS ---


def test_cluster_insights_and_logs(stack: StackRun) -> None:
    settings = stack.inputs("aws:ecs/cluster:Cluster")["settings"]
    assert {"name": "containerInsights", "value": "enabled"} in settings
    logs = stack.inputs("aws:cloudwatch/logGroup:LogGroup")
    assert logs["name"].startswith("/ecs/learning-center") and logs["retentionInDays"] == 7


def test_one_image_runs_every_process(stack: StackRun) -> None:
    tasks = stack.of_type("aws:ecs/taskDefinition:TaskDefinition")
    images = {json.loads(t["inputs"]["containerDefinitions"])[0]["image"] for t in tasks}
    # The release's immutable tag (deploy.sh's --config image_tag), never `latest`.
    assert images == {f"{stack.export('ecr_repository_url')}:{TEST_IMAGE_TAG}"}
    assert stack.export("image_tag") == TEST_IMAGE_TAG
    for task in tasks:
        inputs = task["inputs"]
        assert inputs["requiresCompatibilities"] == ["FARGATE"] and inputs["networkMode"] == "awsvpc"
        assert inputs["executionRoleArn"].endswith("-ecs-execution")
        assert inputs["taskRoleArn"].endswith("-ecs-task")
        [container] = json.loads(inputs["containerDefinitions"])
        assert container["logConfiguration"]["logDriver"] == "awslogs"
        assert container["logConfiguration"]["options"]["awslogs-group"] == stack.export("log_group_name")
    assert stack.task_container("api")["command"] == ["fibonacco", "serve"]
    assert stack.task_container("migrate")["command"] == ["fibonacco", "migrate"]


def test_api_task_and_service(stack: StackRun) -> None:
    api = stack.task_container("api")
    assert api["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert "/health" in " ".join(api["healthCheck"]["command"])
    cpu, memory = (512, 1024) if stack.name == "dev" else (1024, 2048)
    assert (api["_task"]["cpu"], api["_task"]["memory"]) == (str(cpu), str(memory))
    service = stack.inputs("aws:ecs/service:Service", "ecs-api")
    assert service["launchType"] == "FARGATE"
    assert service["loadBalancers"] == [
        {"targetGroupArn": stack.export("target_group_arn"), "containerName": "api", "containerPort": 8000}
    ]
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_services_run_in_private_subnets_without_public_ips(stack: StackRun) -> None:
    for service in stack.of_type("aws:ecs/service:Service"):
        network = service["inputs"]["networkConfiguration"]
        assert network["subnets"] == stack.export("private_subnet_ids")
        assert network["securityGroups"] == ["sg-ecs-id"]
        assert network["assignPublicIp"] is False


def test_workers_serve_every_queue(stack: StackRun) -> None:
    served: set[str] = set()
    workers = [w for w in stack_file(stack.name)["learning-center:workers"]]
    for worker in workers:
        container = stack.task_container(worker["name"])
        command = container["command"]
        assert command[:3] == ["fibonacco", "worker", "--queues"]
        served |= set(command[3].split(","))
        assert command[4:] == ["--processes", str(worker["processes"]), "--threads", str(worker["threads"])]
        assert container["stopTimeout"] == 120  # time to finish the current job on deploy
        assert container["healthCheck"]["command"] == ["CMD", "fibonacco", "worker", "--check"]
        stack.one("aws:ecs/service:Service", f"ecs-{worker['name']}")
    assert served == QUEUES


def test_dev_scheduler_is_an_eventbridge_rule_every_minute(dev: StackRun) -> None:
    assert dev.task_container("scheduler")["command"] == ["fibonacco", "schedule", "run"]
    rule = dev.inputs("aws:cloudwatch/eventRule:EventRule", "scheduler-rule")
    assert rule["scheduleExpression"] == "rate(1 minute)"
    target = dev.inputs("aws:cloudwatch/eventTarget:EventTarget", "scheduler-target")
    assert target["ecsTarget"]["taskDefinitionArn"].endswith("task-definition/learning-center-dev-scheduler:1")
    assert target["ecsTarget"]["launchType"] == "FARGATE"
    assert target["ecsTarget"]["networkConfiguration"]["assignPublicIp"] is False
    policy = dev.policy("scheduler-events-role-policy")
    run_task = next(s for s in policy["Statement"] if s["Action"] == "ecs:RunTask")
    assert run_task["Resource"].endswith("task-definition/learning-center-dev-scheduler:*")
    assert run_task["Condition"]["ArnEquals"]["ecs:cluster"].endswith("cluster/learning-center-dev-cluster")
    assert [s for s in dev.of_type("aws:ecs/service:Service") if "scheduler" in s["name"]] == []


def test_production_scheduler_is_one_continuous_task(production: StackRun) -> None:
    assert production.task_container("scheduler")["command"] == ["fibonacco", "scheduler"]
    service = production.inputs("aws:ecs/service:Service", "ecs-scheduler")
    assert service["desiredCount"] == 1
    assert service["deploymentMaximumPercent"] == 100  # never two schedulers during a deploy
    health = production.task_container("scheduler")["healthCheck"]["command"]
    assert health == ["CMD", "fibonacco", "scheduler", "--check"]
    assert [t for t in production.of_type("aws:cloudwatch/eventTarget:EventTarget") if "scheduler" in t["name"]] == []
    assert "learning-center-production-scheduler" in production.export("ecs_service_names")


def test_scheduler_mode_is_a_config_choice(runs: dict[str, StackRun]) -> None:
    run = runs["dev-scheduler-service"]
    assert run.error is None, run.error
    assert run.task_container("scheduler")["command"] == ["fibonacco", "scheduler"]
    assert [r for r in run.of_type("aws:cloudwatch/eventRule:EventRule") if "scheduler" in r["name"]] == []


# --- secrets ---

SECRET_NAMES = {"APP_KEY", "DB_PASSWORD", "OPENAI_API_KEY", "OPENROUTER_API_KEY", "ELEVENLABS_API_KEY",
                "TWILIO_AUTH_TOKEN", "STRIPE_SECRET", "STRIPE_WEBHOOK_SECRET"}  # fmt: skip


def test_secrets_come_from_secrets_manager_never_the_environment(stack: StackRun) -> None:
    secret_arns = set(stack.export("secret_arns").values())
    rds_secret = stack.export("rds_secret_arn")
    for task in stack.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task["inputs"]["containerDefinitions"])
        env = {e["name"]: e["value"] for e in container["environment"]}
        assert not SECRET_NAMES & set(env)
        credentials = [n for n in env if any(w in n for w in ("PASSWORD", "SECRET", "TOKEN", "_KEY"))]
        assert credentials == ["DB_SECRET_ARN"]  # an ARN names the secret; it is not one
        assert env["DB_SECRET_ARN"] == rds_secret  # read by the app on every new connection (rotation)
        refs = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        assert set(refs) == SECRET_NAMES
        assert refs["DB_PASSWORD"] == f"{rds_secret}:password::"
        assert {v for n, v in refs.items() if n != "DB_PASSWORD"} == secret_arns


def test_a_value_put_by_hand_is_never_overwritten(runs: dict[str, StackRun]) -> None:
    versions = runs["dev"].of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert versions
    for version in versions:  # the config value seeds the secret; `put-secret-value` owns it afterwards
        assert {"secretString", "versionStages"} <= set(version["ignore_changes"]), version["name"]


def test_secret_names_follow_the_plan(stack: StackRun) -> None:
    names = {r["inputs"]["name"] for r in stack.of_type("aws:secretsmanager/secret:Secret")}
    prefix = f"learning-center-{stack.name}"
    assert {
        f"{prefix}/elevenlabs/api-key",
        f"{prefix}/openrouter/api-key",
        f"{prefix}/openai/api-key",
    } <= names


def test_secret_config_values_stay_secret(runs: dict[str, StackRun]) -> None:
    dev = runs["dev"]
    versions = dev.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert len(versions) == len(TEST_SECRETS)
    for version in versions:
        assert set(version["inputs"]["secretString"]) == {"__secret__"}
    # Outside the secret versions' marked inputs, no plaintext value anywhere: not in inputs, not in exports.
    unmarked = json.dumps(
        [r for r in dev.resources if r["type"] != "aws:secretsmanager/secretVersion:SecretVersion"]
    ) + json.dumps(dev.exports)
    for value in TEST_SECRETS.values():
        assert value not in unmarked
    assert not any(e["secret"] for e in dev.exports.values())  # nothing secret is exported at all


def test_app_environment_selects_the_aws_drivers(stack: StackRun) -> None:
    env = {e["name"]: e["value"] for e in stack.task_container("api")["environment"]}
    assert env["MAIL_MAILER"] == "ses" and env["FILESYSTEM_DISK"] == "s3" and env["METRICS_DRIVER"] == "cloudwatch"
    assert env["AWS_BUCKET"] == stack.export("s3_assets_bucket")
    assert env["DB_HOST"] == stack.export("rds_endpoint") and env["DB_SSLMODE"] == "require"
    assert env["REDIS_HOST"] == stack.export("redis_endpoint")
    assert env["REDIS_TLS"] == ("true" if stack.name == "production" else "false")
    assert env["PORT"] == "8000" and env["APP_DEBUG"] == "false"
    assert "AWS_ACCESS_KEY_ID" not in env  # the task role provides credentials


# --- IAM ---


def _statements(stack: StackRun, name: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in stack.policy(name)["Statement"]}


def test_execution_role_reads_only_this_stacks_secrets(stack: StackRun) -> None:
    statements = _statements(stack, "roles-execution-policy")
    assert set(statements) == {"EcrAuth", "EcrPull", "Logs", "StackSecrets"}
    expected = {*stack.export("secret_arns").values(), stack.export("rds_secret_arn")}
    assert set(statements["StackSecrets"]["Resource"]) == expected
    assert statements["StackSecrets"]["Action"] == "secretsmanager:GetSecretValue"
    assert statements["EcrPull"]["Resource"].endswith("ecr-repository")
    assert statements["Logs"]["Resource"].endswith(f"log-group:{stack.export('log_group_name')}:*")


def test_task_role_is_least_privilege(stack: StackRun) -> None:
    statements = _statements(stack, "roles-task-policy")
    assets = f"arn:aws:s3:::{stack.export('s3_assets_bucket')}"
    assert statements["AssetsList"]["Resource"] == assets
    assert statements["AssetsReadWrite"]["Resource"] == f"{assets}/*"
    assert statements["SesSend"]["Action"] == ["ses:SendEmail", "ses:SendRawEmail"]
    assert statements["SesSend"]["Condition"] == {"StringLike": {"ses:FromAddress": "*@fibonacco.com"}}
    metrics = statements["AppMetrics"]
    assert metrics["Action"] == "cloudwatch:PutMetricData"
    assert metrics["Condition"] == {"StringLike": {"cloudwatch:namespace": "Fibonacco/*"}}
    # The database password rotates under running tasks: they may read exactly that secret, and no other.
    assert statements["DatabaseSecret"] == {
        "Sid": "DatabaseSecret",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": stack.export("rds_secret_arn"),
    }
    others = [s for sid, s in statements.items() if sid != "DatabaseSecret"]
    assert not any("secretsmanager" in json.dumps(s["Action"]) for s in others)


def test_no_policy_grants_wildcard_actions_or_unconditioned_wildcard_resources(stack: StackRun) -> None:
    for policy in stack.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy["inputs"]["policy"])["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions), statement
            if statement["Resource"] == "*":
                # Only actions AWS cannot scope to a resource, and those are conditioned where possible.
                assert actions in (["ecr:GetAuthorizationToken"], ["cloudwatch:PutMetricData"]), statement
    for role in stack.of_type("aws:iam/role:Role"):
        assert not role["inputs"].get("managedPolicyArns")


# --- ALB ---


def test_alb_https_with_redirect_and_health_checked_target_group(stack: StackRun) -> None:
    alb = stack.inputs("aws:lb/loadBalancer:LoadBalancer")
    assert alb["internal"] is False and alb["loadBalancerType"] == "application"
    assert alb["subnets"] == stack.export("public_subnet_ids")
    assert alb["securityGroups"] == ["sg-alb-id"]
    listeners = {r["inputs"]["port"]: r["inputs"] for r in stack.of_type("aws:lb/listener:Listener")}
    assert set(listeners) == {80, 443}
    redirect = listeners[80]["defaultActions"][0]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"] == {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}
    https = listeners[443]
    assert https["protocol"] == "HTTPS" and https["certificateArn"] and "TLS13" in https["sslPolicy"]
    assert https["defaultActions"][0]["type"] == "forward"
    group = stack.inputs("aws:lb/targetGroup:TargetGroup")
    assert group["healthCheck"]["path"] == "/health"
    assert group["deregistrationDelay"] == 30
    assert group["stickiness"]["enabled"] is False
    assert (group["port"], group["targetType"]) == (8000, "ip")


def test_certificates_are_dns_validated_and_cloudfronts_is_in_us_east_1(stack: StackRun) -> None:
    certs = {r["name"]: r["inputs"] for r in stack.of_type("aws:acm/certificate:Certificate")}
    prefix = "" if stack.name == "production" else "dev."
    assert certs["api-cert-cert"]["domainName"] == f"api.{prefix}fibonacco.com"
    cdn = certs["cdn-cert-cert"]
    assert cdn["region"] == "us-east-1"
    assert [cdn["domainName"], *cdn["subjectAlternativeNames"]] == [
        f"app.{prefix}fibonacco.com",
        f"learn.{prefix}fibonacco.com",
    ]
    assert all(c["validationMethod"] == "DNS" for c in certs.values())
    assert len(stack.of_type("aws:acm/certificateValidation:CertificateValidation")) == 2


# --- S3 and CloudFront ---


def test_buckets_versioned_private_encrypted_with_glacier_lifecycle(stack: StackRun) -> None:
    names = {r["inputs"]["bucket"] for r in stack.of_type("aws:s3/bucket:Bucket")}
    assert names == {f"learning-center-frontend-{stack.name}", f"learning-center-assets-{stack.name}"}
    for block in stack.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"):
        flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        assert all(block["inputs"][f] is True for f in flags)
    versioning = stack.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert len(versioning) == 2
    assert all(v["inputs"]["versioningConfiguration"]["status"] == "Enabled" for v in versioning)
    assert (
        len(stack.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"))
        == 2
    )
    for lifecycle in stack.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"):
        [rule] = lifecycle["inputs"]["rules"]
        assert rule["status"] == "Enabled"
        assert rule["noncurrentVersionTransitions"] == [{"noncurrentDays": 90, "storageClass": "GLACIER"}]
    for policy in stack.of_type("aws:s3/bucketPolicy:BucketPolicy"):
        statements = json.loads(policy["inputs"]["policy"])["Statement"]
        assert statements[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert all(s["Principal"] != "*" or s["Effect"] == "Deny" for s in statements)


def test_cloudfront_serves_the_spa_through_oac(stack: StackRun) -> None:
    oac = stack.inputs("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert (oac["originAccessControlOriginType"], oac["signingBehavior"]) == ("s3", "always")
    dist = stack.inputs("aws:cloudfront/distribution:Distribution")
    assert dist["defaultRootObject"] == "index.html"
    [origin] = dist["origins"]
    assert origin["originAccessControlId"] == "cloudfront-oac-id"
    assert origin["domainName"].startswith(f"learning-center-frontend-{stack.name}.s3.")
    errors = {(e["errorCode"], e["responseCode"], e["responsePagePath"]) for e in dist["customErrorResponses"]}
    assert errors == {(403, 200, "/index.html"), (404, 200, "/index.html")}
    assert all(e["errorCachingMinTtl"] == 0 for e in dist["customErrorResponses"])  # never a stale index.html
    assert dist["defaultCacheBehavior"]["compress"] is True
    assert dist["defaultCacheBehavior"]["viewerProtocolPolicy"] == "redirect-to-https"
    [assets] = dist["orderedCacheBehaviors"]
    assert assets["pathPattern"] == "/assets/*" and assets["compress"] is True
    policies = {r["name"]: r["inputs"] for r in stack.of_type("aws:cloudfront/cachePolicy:CachePolicy")}
    immutable, revalidate = policies["cloudfront-immutable-assets"], policies["cloudfront-revalidate"]
    assert assets["cachePolicyId"] == "cloudfront-immutable-assets-id"
    assert immutable["minTtl"] == immutable["defaultTtl"] == 31_536_000  # hashed names: cached for good
    # index.html (the default behaviour): no TTL of CloudFront's own, so its `no-cache` from deploy.sh holds.
    assert dist["defaultCacheBehavior"]["cachePolicyId"] == "cloudfront-revalidate-id"
    assert revalidate["minTtl"] == revalidate["defaultTtl"] == 0
    prefix = "" if stack.name == "production" else "dev."
    assert dist["aliases"] == [f"app.{prefix}fibonacco.com", f"learn.{prefix}fibonacco.com"]
    assert dist["viewerCertificate"]["sslSupportMethod"] == "sni-only"
    frontend_policy = next(
        json.loads(p["inputs"]["policy"])
        for p in stack.of_type("aws:s3/bucketPolicy:BucketPolicy")
        if "frontend" in p["name"]
    )
    grant = frontend_policy["Statement"][1]
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"} and grant["Action"] == "s3:GetObject"
    assert grant["Condition"]["StringEquals"]["AWS:SourceArn"].endswith("cloudfront-distribution")


# --- Route53 and ECR ---


def test_dns_points_api_at_the_alb_and_app_learn_at_cloudfront(stack: StackRun) -> None:
    prefix = "" if stack.name == "production" else "dev."
    aliases = {
        r["inputs"]["name"]: r["inputs"]["aliases"][0]["name"]
        for r in stack.of_type("aws:route53/record:Record")
        if r["inputs"].get("aliases") and r["inputs"]["type"] == "A"
    }
    assert aliases == {
        f"api.{prefix}fibonacco.com": stack.export("alb_dns_name"),
        f"app.{prefix}fibonacco.com": stack.export("cloudfront_url"),
        f"learn.{prefix}fibonacco.com": stack.export("cloudfront_url"),
    }


def test_ecr_keeps_the_last_ten_images(stack: StackRun) -> None:
    repo = stack.inputs("aws:ecr/repository:Repository")
    assert repo["name"].startswith("learning-center-backend")
    assert repo["imageTagMutability"] == "IMMUTABLE"  # a SHA tag always names the same image
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    [rule] = json.loads(stack.inputs("aws:ecr/lifecyclePolicy:LifecyclePolicy")["policy"])["rules"]
    assert rule["selection"]["countType"] == "imageCountMoreThan" and rule["selection"]["countNumber"] == 10
    assert rule["action"] == {"type": "expire"}


# --- scaling ---


def test_api_scales_on_cpu_as_planned(stack: StackRun) -> None:
    target = stack.inputs("aws:appautoscaling/target:Target", "api-target")
    assert target["resourceId"] == f"service/{stack.export('ecs_cluster_name')}/{stack.export('ecs_service_name')}"
    assert target["maxCapacity"] == 10 and target["minCapacity"] == (1 if stack.name == "dev" else 2)
    config = stack.inputs("aws:appautoscaling/policy:Policy", "api-cpu")["targetTrackingScalingPolicyConfiguration"]
    assert config["targetValue"] == 70
    assert (config["scaleInCooldown"], config["scaleOutCooldown"]) == (300, 60)
    assert config["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"


def _worker_alarms(stack: StackRun, worker: str) -> dict[str, dict]:
    return {
        kind: stack.inputs("aws:cloudwatch/metricAlarm:MetricAlarm", f"autoscaling-{worker}-backlog-{kind}")
        for kind in ("high", "low")
    }


def test_workers_scale_on_their_queue_depth(stack: StackRun) -> None:
    for worker in stack_file(stack.name)["learning-center:workers"]:
        target = stack.inputs("aws:appautoscaling/target:Target", f"{worker['name']}-target")
        assert (target["minCapacity"], target["maxCapacity"]) == (worker["min_count"], worker["max_count"])
        out = stack.inputs("aws:appautoscaling/policy:Policy", f"{worker['name']}-scale-out")
        scale_in = stack.inputs("aws:appautoscaling/policy:Policy", f"{worker['name']}-scale-in")
        assert out["policyType"] == scale_in["policyType"] == "StepScaling"
        assert out["resourceId"] == scale_in["resourceId"] == target["resourceId"]
        steps = out["stepScalingPolicyConfiguration"]["stepAdjustments"]
        assert [s["scalingAdjustment"] for s in steps] == [1, 2, 4]  # more tasks as the backlog grows
        assert [s["scalingAdjustment"] for s in scale_in["stepScalingPolicyConfiguration"]["stepAdjustments"]] == [-1]

        alarms = _worker_alarms(stack, worker["name"])
        assert alarms["high"]["alarmActions"] == [
            f"arn:aws:appautoscaling:us-east-1:123456789012:autoscaling-{worker['name']}-scale-out"
        ]
        assert alarms["low"]["alarmActions"] == [
            f"arn:aws:appautoscaling:us-east-1:123456789012:autoscaling-{worker['name']}-scale-in"
        ]
        assert alarms["high"]["threshold"] == worker["backlog_per_task"]
        assert alarms["low"]["threshold"] == worker["backlog_per_task"] / 2
        assert alarms["high"]["evaluationPeriods"] == 1 and alarms["low"]["evaluationPeriods"] == 15
        for alarm in alarms.values():
            queries = {q["id"]: q for q in alarm["metricQueries"]}
            queues = [q["metric"]["dimensions"]["Queue"] for i, q in queries.items() if i.startswith("q")]
            assert queues == worker["queues"]
            assert all(
                (q["metric"]["namespace"], q["metric"]["metricName"]) == ("Fibonacco/Queues", "QueueDepth")
                for i, q in queries.items()
                if i.startswith("q")
            )
            [returned] = [q for q in queries.values() if q.get("returnData")]
            assert "/ IF(FILL(tasks, 1) < 1, 1, FILL(tasks, 1))" in returned["expression"]
            assert queries["tasks"]["metric"]["metricName"] == "RunningTaskCount"


def test_missing_queue_data_neither_scales_in_nor_out(stack: StackRun) -> None:
    """No datapoint (the scheduler is down) must not read as an empty queue: the queue depths are not filled
    with 0, and neither scaling alarm acts on missing data. The scheduler-silent alarm pages instead."""
    for worker in stack_file(stack.name)["learning-center:workers"]:
        for alarm in _worker_alarms(stack, worker["name"]).values():
            assert alarm["treatMissingData"] == "notBreaching"
            [returned] = [q for q in alarm["metricQueries"] if q.get("returnData")]
            assert "FILL(q" not in returned["expression"]
    silent = stack.inputs("aws:cloudwatch/metricAlarm:MetricAlarm", "alarms-scheduler-silent")
    assert silent["treatMissingData"] == "breaching" and silent["statistic"] == "SampleCount"
    policies = {p["name"]: p["inputs"]["policyType"] for p in stack.of_type("aws:appautoscaling/policy:Policy")}
    assert {name: kind for name, kind in policies.items() if kind != "StepScaling"} == {
        "autoscaling-api-cpu": "TargetTrackingScaling"
    }


# --- monitoring ---


def test_alarms_cover_the_plans_list_and_notify_the_topic(stack: StackRun) -> None:
    alarms = {r["inputs"]["name"].removeprefix(f"learning-center-{stack.name}-"): r["inputs"]
              for r in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if "fibonacco:monitoring:Alarms" in r["parent"]}  # fmt: skip
    assert {"api-cpu", "api-memory", "db-connections"} <= set(alarms)
    assert {f"queue-{q}-depth" for q in QUEUES} <= set(alarms)
    for name, alarm in alarms.items():
        assert alarm["alarmActions"] == [stack.export("alarm_topic_arn")], name
    assert alarms["db-connections"]["namespace"] == "AWS/RDS"
    assert alarms["queue-default-depth"]["namespace"] == "Fibonacco/Queues"
    assert alarms["queue-default-depth"]["dimensions"] == {"Queue": "default"}
    failed = stack.inputs("aws:cloudwatch/eventRule:EventRule", "failed-tasks")
    pattern = json.loads(failed["eventPattern"])
    assert pattern["detail-type"] == ["ECS Task State Change"] and pattern["detail"]["lastStatus"] == ["STOPPED"]
    target = stack.inputs("aws:cloudwatch/eventTarget:EventTarget", "failed-tasks-sns")
    assert target["arn"] == stack.export("alarm_topic_arn")
    assert stack.inputs("aws:sns/topic:Topic")["kmsMasterKeyId"] == "alarms-key-id"
    assert stack.inputs("aws:kms/key:Key")["enableKeyRotation"] is True


def test_every_worker_service_has_cpu_and_memory_alarms(stack: StackRun) -> None:
    names = {r["inputs"]["name"] for r in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    for worker in stack_file(stack.name)["learning-center:workers"]:
        for kind in ("cpu", "memory"):
            assert f"learning-center-{stack.name}-{worker['name']}-{kind}" in names


def test_program_sources_stay_in_the_component_modules() -> None:
    main = Path(PULUMI_DIR / "__main__.py").read_text()
    assert "aws.ec2." not in main and "aws.ecs." not in main  # wiring only; resources live in components


def test_alarms_reach_the_configured_email_and_https_endpoint(runs: dict[str, StackRun]) -> None:
    run = runs["dev-alarm-subscribers"]
    assert run.error is None, run.error
    subscriptions = {
        r["inputs"]["protocol"]: r["inputs"] for r in run.of_type("aws:sns/topicSubscription:TopicSubscription")
    }
    assert set(subscriptions) == {"email", "https"}
    assert subscriptions["email"]["endpoint"] == ALARM_SUBSCRIBERS["email"]
    assert subscriptions["https"]["endpoint"] == ALARM_SUBSCRIBERS["https_endpoint"]
    assert {s["topic"] for s in subscriptions.values()} == {run.export("alarm_topic_arn")}
    assert not [w for w in run.warnings if "alarms" in w]


def test_without_a_subscriber_pulumi_up_warns(dev: StackRun) -> None:
    assert dev.of_type("aws:sns/topicSubscription:TopicSubscription") == []
    assert any("alarms reach nobody" in w and "alarms.email" in w for w in dev.warnings)


# --- releases ---


def test_the_image_tag_is_required_and_never_latest(runs: dict[str, StackRun]) -> None:
    missing, latest = runs["dev-no-image-tag"].error, runs["dev-latest"].error
    assert missing is not None and "image_tag" in missing and "deploy.sh" in missing
    assert latest is not None and "image_tag=latest" in latest


def test_nothing_in_the_program_or_its_stacks_references_latest() -> None:
    sources = [
        PULUMI_DIR / "__main__.py",
        *(PULUMI_DIR / "infrastructure").glob("*.py"),
        *PULUMI_DIR.glob("Pulumi*.yaml"),
    ]
    for source in sources:
        assert ":latest" not in source.read_text(), source


def test_the_api_accepts_the_frontend_hosts(stack: StackRun) -> None:
    env = {e["name"]: e["value"] for e in stack.task_container("api")["environment"]}
    prefix = "" if stack.name == "production" else "dev."
    hosts = [f"https://app.{prefix}fibonacco.com", f"https://learn.{prefix}fibonacco.com"]
    assert json.loads(env["CORS_ORIGINS"]) == hosts
    assert stack.export("frontend_urls") == hosts
