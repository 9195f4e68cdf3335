#!/usr/bin/env bash
set -euo pipefail
API=https://api.pixapi.ai
AUTH="Authorization: Bearer $PIXAPI_KEY"

task=$(curl -sS "$API/v1/async/images/generations" \
  -H "$AUTH" -H "Content-Type: application/json" \
  -d '{"model": "gemini-3-pro-image-preview", "prompt": "An isometric city block at night", "size": "2048x2048"}')
id=$(echo "$task" | jq -r '.id')

while true; do
  t=$(curl -sS "$API/v1/tasks/$id" -H "$AUTH")
  status=$(echo "$t" | jq -r '.status')
  case "$status" in
    completed) echo "$t" | jq -r '.result.data[0].url'; break ;;
    failed) echo "task $id failed" >&2; exit 1 ;;
    *) sleep 3 ;;
  esac
done
