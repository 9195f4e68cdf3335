#!/usr/bin/env bash
set -euo pipefail
curl -sS https://api.pixapi.ai/v1/images/edits \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "nano-banana",
    "prompt": "Remove the background",
    "image": "https://example.com/shoe.jpg"
  }'
