#!/usr/bin/env bash
set -euo pipefail
TASK_ID="$1"
while true; do
  task=$(curl -sS "https://api.pixapi.ai/v1/tasks/$TASK_ID" -H "Authorization: Bearer $PIXAPI_KEY")
  status=$(jq -r .status <<<"$task")
  if [ "$status" = "completed" ]; then
    jq -r '.data[0].url' <<<"$task"
    break
  elif [ "$status" = "failed" ]; then
    exit 1
  fi
  sleep 5
done
