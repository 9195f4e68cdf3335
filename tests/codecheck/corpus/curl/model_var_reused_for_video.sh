#!/usr/bin/env bash
set -euo pipefail
MODEL="nano-banana"
API="https://api.pixapi.ai"
H_AUTH="Authorization: Bearer $PIXAPI_KEY"

img=$(curl -sS "$API/v1/images/generations" -H "$H_AUTH" -H "Content-Type: application/json" \
  -d "{\"model\":\"$MODEL\",\"prompt\":\"A lantern in a dark forest\"}" | jq -r '.data[0].url')

curl -sS "$API/v1/async/videos/generations" -H "$H_AUTH" -H "Content-Type: application/json" \
  -d "{\"model\":\"$MODEL\",\"prompt\":\"The lantern flickers\",\"input_image\":\"$img\",\"duration\":5}"
