#!/usr/bin/env bash
set -euo pipefail
BASE_URL="https://pixapi.ai/api"

curl -sS "$BASE_URL/v1/images/generations" \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"gpt-image-2","prompt":"Blueprint of a bicycle","size":"1536x1024"}' \
  | jq -r '.data[0].url'
