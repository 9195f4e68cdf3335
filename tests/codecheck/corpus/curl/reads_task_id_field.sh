#!/usr/bin/env bash
set -euo pipefail
RESP=$(curl -sS https://api.pixapi.ai/v1/async/images/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"nano-banana-pro","prompt":"Studio portrait of a tabby cat"}')
TASK_ID=$(echo "$RESP" | jq -r '.task_id')

while true; do
  T=$(curl -sS "https://api.pixapi.ai/v1/tasks/$TASK_ID" -H "Authorization: Bearer $PIXAPI_KEY")
  case $(jq -r .status <<<"$T") in
    completed) jq -r '.result.data[0].url' <<<"$T"; break ;;
    failed) exit 1 ;;
  esac
  sleep 3
done
