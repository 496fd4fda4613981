#!/usr/bin/env bash
# Release to a Pulumi stack by immutable image tags (the git SHA): new code never meets an old schema. The CI
# pipeline (.github/workflows/deploy.yml) runs these same commands.
#
#   deploy.sh infrastructure <stack>    pulumi up, keeping the release that runs (the stack's image_tag output)
#   deploy.sh backend  <stack> [sha]    build and push <sha>, migrate on it, then release it to every task
#   deploy.sh migrate  <stack> <sha>    run `fibonacco migrate` on image <sha> as a one-off task, check its exit
#   deploy.sh services <stack>          restart every service on its current release and wait until stable
#   deploy.sh frontend <stack>          build frontend/ for the stack's API URL, upload it, invalidate CloudFront
#
# Needs pulumi (logged in to the state backend), the aws CLI (credentials for the stack's account), jq, docker
# for `backend`, npm for `frontend`. Stack outputs are read with `pulumi stack output --stack <stack>`.
set -euo pipefail

PULUMI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "${PULUMI_DIR}/../.." && pwd)"
FRONTEND_DIR="${FRONTEND_DIR:-${REPO_ROOT}/frontend}"

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

output() { pulumi stack output "$1" --stack "$STACK" --cwd "$PULUMI_DIR"; }

head_sha() { git -C "$REPO_ROOT" rev-parse --short HEAD; }

# `pulumi up` with image_tag=<tag>. Pulumi writes --config values into the config file it is given, so it gets a
# copy: the stack file in the repository never records a release. --refresh first reads what really runs (a
# service the circuit breaker rolled back is on an older revision than the state says) so it is set right.
pulumi_up() {
  local tag=$1 config
  config=$(mktemp)
  cp "${PULUMI_DIR}/Pulumi.${STACK}.yaml" "$config"
  pulumi up --yes --skip-preview --refresh --stack "$STACK" --cwd "$PULUMI_DIR" --config-file "$config" \
    --config "image_tag=${tag}"
  rm -f "$config"
}

update_infrastructure() {
  local tag
  # The release that runs now; a stack's very first `up` has none yet and takes this commit's (docs/deployment.md).
  tag=$(output image_tag 2>/dev/null) || tag=$(head_sha)
  echo "Updating the infrastructure of ${STACK}, keeping release ${tag}"
  pulumi_up "$tag"
}

build_and_push() {
  local tag=$1 repo registry
  repo=$(output ecr_repository_url)
  registry=${repo%%/*}
  # Tags are immutable: a release that is already pushed (a re-run, a rollback) is used as it is.
  if aws ecr describe-images --repository-name "${repo#*/}" --image-ids "imageTag=${tag}" >/dev/null 2>&1; then
    echo "${repo}:${tag} is already in ECR"
    return
  fi
  aws ecr get-login-password | docker login --username AWS --password-stdin "$registry"
  docker build -f "${PULUMI_DIR}/Dockerfile" -t "${repo}:${tag}" "$REPO_ROOT"
  docker push "${repo}:${tag}"
}

run_migrations() {
  local tag=$1 image cluster family network definition revision task_arn exit_code
  image="$(output ecr_repository_url):${tag}"
  cluster=$(output ecs_cluster_name)
  family=$(output migrate_task_definition)
  network=$(output ecs_network_configuration)
  # A one-off revision of the migrate task definition on the new image; nothing that serves is touched yet.
  definition=$(mktemp)
  aws ecs describe-task-definition --task-definition "$family" --query taskDefinition --output json |
    jq --arg image "$image" '{family, taskRoleArn, executionRoleArn, networkMode, requiresCompatibilities, cpu,
      memory, runtimePlatform, containerDefinitions: [.containerDefinitions[] | .image = $image]}' >"$definition"
  revision=$(aws ecs register-task-definition --cli-input-json "file://${definition}" \
    --query 'taskDefinition.taskDefinitionArn' --output text)
  rm -f "$definition"
  echo "Running migrations on ${image} (${revision##*/}) in ${cluster}"
  task_arn=$(aws ecs run-task --cluster "$cluster" --task-definition "$revision" \
    --launch-type FARGATE --network-configuration "$network" --started-by deploy-migrate \
    --query 'tasks[0].taskArn' --output text)
  if [[ -z "$task_arn" || "$task_arn" == "None" ]]; then
    echo "the migration task did not start" >&2
    exit 1
  fi
  aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task_arn"
  exit_code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
    --query 'tasks[0].containers[0].exitCode' --output text)
  aws ecs deregister-task-definition --task-definition "$revision" >/dev/null
  if [[ "$exit_code" != "0" ]]; then
    echo "migrations failed (exit code ${exit_code}); nothing was released." >&2
    aws ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
      --query 'tasks[0].{stopped:stoppedReason,container:containers[0].reason}' --output table >&2
    echo "Logs: aws logs tail $(output log_group_name) --log-stream-names migrate/migrate/${task_arn##*/}" >&2
    exit 1
  fi
  echo "Migrations applied."
}

image_of() {
  aws ecs describe-task-definition --task-definition "$1" \
    --query 'taskDefinition.containerDefinitions[0].image' --output text
}

# Every service stable with its primary deployment completed on <tag>, and the EventBridge scheduler target (dev)
# on it: a deployment the circuit breaker rolled back is stable too, on the previous release.
check_release() {
  local tag=$1 expected cluster service definition state image rule
  local -a services
  expected="$(output ecr_repository_url):${tag}"
  cluster=$(output ecs_cluster_name)
  mapfile -t services < <(pulumi stack output ecs_service_names --json --stack "$STACK" --cwd "$PULUMI_DIR" | jq -r '.[]')
  aws ecs wait services-stable --cluster "$cluster" --services "${services[@]}"
  for service in "${services[@]}"; do
    read -r definition state < <(aws ecs describe-services --cluster "$cluster" --services "$service" \
      --query "services[0].deployments[?status=='PRIMARY'] | [0].[taskDefinition, rolloutState]" --output text) ||
      true
    image=$(image_of "$definition")
    if [[ "$state" != "COMPLETED" || "$image" != "$expected" ]]; then
      echo "${service}: deployment ${state} runs ${image}, not ${expected} (rolled back?)" >&2
      exit 1
    fi
  done
  rule=$(output scheduler_rule_name)
  if [[ -n "$rule" ]]; then
    definition=$(aws events list-targets-by-rule --rule "$rule" \
      --query 'Targets[0].EcsParameters.TaskDefinitionArn' --output text)
    image=$(image_of "$definition")
    if [[ "$image" != "$expected" ]]; then
      echo "scheduler rule ${rule} starts ${image}, not ${expected}" >&2
      exit 1
    fi
  fi
  echo "Release ${tag} runs: ${services[*]}${rule:+, scheduler rule ${rule}}"
}

release() {
  local tag=$1
  # New task-definition revisions on <tag> for the API, workers, scheduler and the EventBridge target, only now
  # that the schema is migrated; the services roll to them.
  echo "Releasing ${tag}"
  pulumi_up "$tag"
  check_release "$tag"
}

restart_services() {
  local cluster service
  local -a services
  cluster=$(output ecs_cluster_name)
  mapfile -t services < <(pulumi stack output ecs_service_names --json --stack "$STACK" --cwd "$PULUMI_DIR" | jq -r '.[]')
  for service in "${services[@]}"; do
    aws ecs update-service --cluster "$cluster" --service "$service" --force-new-deployment >/dev/null
    echo "Restarting ${service}"
  done
  check_release "$(output image_tag)"
}

deploy_frontend() {
  local dist="${FRONTEND_DIR}/dist" api_url bucket distribution
  api_url=$(output api_url)
  bucket=$(output s3_frontend_bucket)
  distribution=$(output cloudfront_distribution_id)
  echo "Building ${FRONTEND_DIR} for ${api_url}"
  (cd "$FRONTEND_DIR" && npm ci && VITE_API_URL="$api_url" npm run build)
  [[ -f "${dist}/index.html" ]] || { echo "${dist}/index.html not found: the build wrote no app" >&2; exit 1; }
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
  infrastructure) update_infrastructure ;;
  backend)
    TAG=${3:-$(head_sha)}
    build_and_push "$TAG"
    run_migrations "$TAG"
    release "$TAG"
    ;;
  migrate) run_migrations "${3:?usage: deploy.sh migrate <stack> <sha>}" ;;
  services) restart_services ;;
  frontend) deploy_frontend ;;
  *) usage ;;
esac
