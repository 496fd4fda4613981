#!/usr/bin/env bash
# Enable pgvector on the stack's Aurora cluster and verify it (plan: RDS / Database Setup, Phase 1.3).
#
#   infrastructure/pulumi/scripts/setup-database.sh <stack>
#
# The cluster is not public: run this from a host inside the VPC (a bastion, SSM port forwarding or a VPN),
# with pulumi, the aws CLI, jq and psql installed. `fibonacco migrate` also creates the extension, so a
# normal deploy does not need this script; it exists for a fresh cluster and to check one.
set -euo pipefail

STACK=${1:?usage: setup-database.sh <stack>}
PULUMI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB_NAME=${DB_DATABASE:-learning_center}

output() { pulumi stack output "$1" --stack "$STACK" --cwd "$PULUMI_DIR"; }

host=$(output rds_endpoint)
secret_arn=$(output rds_secret_arn)
# RDS keeps the master credentials in Secrets Manager; read them into the environment, never onto the command line.
credentials=$(aws secretsmanager get-secret-value --secret-id "$secret_arn" --query SecretString --output text)
PGUSER=$(jq -r .username <<<"$credentials")
PGPASSWORD=$(jq -r .password <<<"$credentials")
export PGUSER PGPASSWORD
unset credentials

echo "Enabling pgvector in ${DB_NAME} on ${host} (stack ${STACK})"
psql "host=${host} port=5432 dbname=${DB_NAME} sslmode=require" -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION IF NOT EXISTS vector;
SELECT extname, extversion FROM pg_extension WHERE extname = 'vector';
SQL

version=$(psql "host=${host} port=5432 dbname=${DB_NAME} sslmode=require" -Atc \
  "SELECT extversion FROM pg_extension WHERE extname = 'vector'")
if [[ -z "$version" ]]; then
  echo "pgvector is NOT installed in ${DB_NAME}" >&2
  exit 1
fi
echo "pgvector ${version} is installed in ${DB_NAME}"
