#!/usr/bin/env bash
set -euo pipefail
BASE=https://api.pixapi.ai
VIDEO_PATH=/v1/videos/generations

curl -sS "$BASE$VIDEO_PATH" \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"veo","prompt":"Waves rolling onto a beach at sunset","duration":6}'
