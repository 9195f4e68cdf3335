#!/usr/bin/env bash
set -euo pipefail
API=https://api.pixapi.ai

ID=$(curl -sS "$API/v1/async/videos/generations" \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"veo","prompt":"A hummingbird hovering at a flower","duration":4}' | jq -r .id)

while sleep 5; do
  TASK=$(curl -sS "$API/v1/tasks/$ID")
  STATUS=$(jq -r .status <<<"$TASK")
  [ "$STATUS" = completed ] && { jq -r '.result.data[0].url' <<<"$TASK"; break; }
  [ "$STATUS" = failed ] && { echo failed >&2; exit 1; }
done
