#!/usr/bin/env bash
set -euo pipefail
SOURCE_IMG=./renders/mug.png

payload=$(jq -n --arg img "$SOURCE_IMG" \
  '{model: "veo", prompt: "Steam rises from the mug", input_image: $img, duration: 6}')

curl -sS https://api.pixapi.ai/v1/async/videos/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d "$payload"
