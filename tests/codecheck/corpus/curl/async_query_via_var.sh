#!/usr/bin/env bash
set -euo pipefail
ENDPOINT="https://api.pixapi.ai/v1/images/generations"
QS="async=true"

curl -sS "${ENDPOINT}?${QS}" \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"nano-banana","prompt":"A neon sign that says NOODLES"}'
