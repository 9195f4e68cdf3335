#!/usr/bin/env bash
# Generate one product shot with Nano Banana and print the image URL.
set -euo pipefail

curl -sS https://api.pixapi.ai/v1/images/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "nano-banana",
    "prompt": "A ceramic coffee cup on a walnut table, soft morning light",
    "size": "1024x1024"
  }' | jq -r '.data[0].url'
