#!/usr/bin/env bash
set -euo pipefail
ID="$1"
STATUS=""
until [ "$STATUS" = "succeeded" ]; do
  sleep 4
  STATUS=$(curl -sS "https://api.pixapi.ai/v1/tasks/$ID" \
    -H "Authorization: Bearer $PIXAPI_KEY" | jq -r '.status')
  echo "status: $STATUS"
done
