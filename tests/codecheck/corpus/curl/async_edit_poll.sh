#!/usr/bin/env bash
set -euo pipefail
PIXAPI=https://api.pixapi.ai
submit=$(curl -sS "$PIXAPI/v1/async/images/edits" \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -F model=gemini-2.5-flash-image \
  -F "prompt=Turn the sky into a sunset" \
  -F image=@beach.jpg)
task_id=$(jq -r '.id' <<<"$submit")
while :; do
  body=$(curl -sS "$PIXAPI/v1/tasks/${task_id}" -H "Authorization: Bearer $PIXAPI_KEY")
  st=$(jq -r .status <<<"$body")
  [ "$st" = "completed" ] && { jq -r '.result.data[0].url' <<<"$body"; break; }
  [ "$st" = "failed" ] && { echo "edit failed" >&2; exit 1; }
  sleep 2
done
