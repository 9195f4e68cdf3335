#!/usr/bin/env bash
set -euo pipefail
LEN=${LEN:-8}
body=$(jq -n --arg p "A drone shot over a glacier" --argjson len "$LEN" \
  '{model: "veo", prompt: $p, seconds: $len, size: "1280x720"}')

curl -sS https://api.pixapi.ai/v1/async/videos/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d "$body" | jq -r .id
