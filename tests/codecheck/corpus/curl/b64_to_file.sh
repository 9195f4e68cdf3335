#!/usr/bin/env bash
set -euo pipefail
curl -sS https://api.pixapi.ai/v1/images/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"gpt-image-2","prompt":"A flat icon of a paper plane","response_format":"b64_json"}' \
  | jq -r '.data[0].b64_json' | base64 --decode > plane.png
echo "saved plane.png"
