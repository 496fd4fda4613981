#!/usr/bin/env bash
# Release to a Pulumi stack: the plan's "Manual Deployment Steps", in a safe order. The CI pipeline
# (.github/workflows/deploy.yml) runs these same commands.
#
#   deploy.sh backend  <stack> [tag]   build and push the image, run migrations, roll api/worker/scheduler
#   deploy.sh migrate  <stack>         run `fibonacco migrate` as a one-off ECS task and check its exit code
#   deploy.sh services <stack>         force a new deployment of every service and wait until it is stable
#   deploy.sh frontend <stack> <dist>  upload a built frontend with cache headers, invalidate CloudFront
#
# Needs pulumi (logged in to the state backend), the aws CLI (credentials for the stack's account), jq, and
# docker for `backend`. Stack outputs are read with `pulumi stack output --stack <stack>`.
set -euo pipefail

PULUMI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "${PULUMI_DIR}/../.." && pwd)"

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

output() { pulumi stack output "$1" --stack "$STACK" --cwd "$PULUMI_DIR"; }

build_and_push() {
  local tag=$1 repo registry
  repo=$(output ecr_repository_url)
  registry=${repo%%/*}
  aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"
  docker build -f "${PULUMI_DIR}/Dockerfile" -t "${repo}:${tag}" -t "${repo}:latest" "$REPO_ROOT"
  # The SHA tag identifies the release; `latest` is what the task definitions run.
  docker push "${repo}:${tag}"
  docker push "${repo}:latest"
}

run_migrations() {
  local cluster task_definition network task_arn exit_code
  cluster=$(output ecs_cluster_name)
  task_definition=$(output migrate_task_definition)
  network=$(output ecs_network_configuration)
  echo "Running migrations (${task_definition}) in ${cluster}"
  task_arn=$(aws ecs run-task --cluster "$cluster" --task-definition "$task_definition" \
    --launch-type FARGATE --network-configuration "$network" --started-by deploy-migrate \
    --query 'tasks[0].taskArn' --output text)
  if [[ -z "$task_arn" || "$task_arn" == "None" ]]; then
    echo "the migration task did not start" >&2
    exit 1
  fi
  aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task_arn"
  exit_code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
    --query 'tasks[0].containers[0].exitCode' --output text)
  if [[ "$exit_code" != "0" ]]; then
    echo "migrations failed (exit code ${exit_code}); services were not updated." >&2
    aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
      --query 'tasks[0].{stopped:stoppedReason,container:containers[0].reason}' --output table >&2
    echo "Logs: aws logs tail $(output log_group_name) --log-stream-names migrate/migrate/${task_arn##*/}" >&2
    exit 1
  fi
  echo "Migrations applied."
}

roll_services() {
  local cluster service deployment state
  local -a services deployments
  cluster=$(output ecs_cluster_name)
  mapfile -t services < <(pulumi stack output ecs_service_names --json --stack "$STACK" --cwd "$PULUMI_DIR" | jq -r '.[]')
  for service in "${services[@]}"; do
    deployment=$(aws ecs update-service --cluster "$cluster" --service "$service" --force-new-deployment \
      --query "service.deployments[?status=='PRIMARY'].id | [0]" --output text)
    deployments+=("$deployment")
    echo "Rolling ${service} (${deployment})"
  done
  aws ecs wait services-stable --cluster "$cluster" --services "${services[@]}"
  # A stable service may be stable on the previous release: the circuit breaker rolls back failed deployments.
  for i in "${!services[@]}"; do
    state=$(aws ecs describe-services --cluster "$cluster" --services "${services[$i]}" \
      --query "services[0].deployments[?id=='${deployments[$i]}'].rolloutState | [0]" --output text)
    if [[ "$state" != "COMPLETED" ]]; then
      echo "${services[$i]}: deployment ${deployments[$i]} is ${state} (rolled back?)" >&2
      exit 1
    fi
  done
  echo "Services updated: ${services[*]}"
}

deploy_frontend() {
  local dist=$1 bucket distribution
  [[ -f "${dist}/index.html" ]] || { echo "${dist}/index.html not found: build the frontend first" >&2; exit 1; }
  bucket=$(output s3_frontend_bucket)
  distribution=$(output cloudfront_distribution_id)
  # Content-hashed build output: cached for a year. Old files stay, so open tabs can still load their chunks.
  if [[ -d "${dist}/assets" ]]; then
    aws s3 sync "${dist}/assets" "s3://${bucket}/assets" --cache-control "public, max-age=31536000, immutable"
  fi
  # Everything else (index.html, favicon, ...) is revalidated on every request, so a release shows at once.
  aws s3 sync "$dist" "s3://${bucket}" --exclude "assets/*" --cache-control "no-cache" --delete
  aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/*" \
    --query 'Invalidation.Id' --output text
}

[[ $# -ge 2 ]] || usage
COMMAND=$1
STACK=$2
case "$COMMAND" in
  backend)
    build_and_push "${3:-$(git -C "$REPO_ROOT" rev-parse --short HEAD)}"
    run_migrations
    roll_services
    ;;
  migrate) run_migrations ;;
  services) roll_services ;;
  frontend) deploy_frontend "${3:?usage: deploy.sh frontend <stack> <dist-dir>}" ;;
  *) usage ;;
esac
