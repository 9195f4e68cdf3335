#!/usr/bin/env bash
set -euo pipefail
curl -sS -X POST https://api.pixapi.ai/v1/async/videos/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model": "wan", "prompt": "Timelapse of clouds over a mountain ridge", "size": "16:9", "duration": 5}' \
  | jq '{id, status}'
