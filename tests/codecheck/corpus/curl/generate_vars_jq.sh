#!/usr/bin/env bash
set -euo pipefail

BASE="https://api.pixapi.ai"
MODEL="gpt-image-2"
PROMPT="${1:-A minimalist poster of a lighthouse at dusk}"

body=$(jq -n --arg model "$MODEL" --arg prompt "$PROMPT" \
  '{model: $model, prompt: $prompt, n: 1, size: "1536x1024", quality: "high"}')

resp=$(curl -sS -X POST "$BASE/v1/images/generations" \
  -H "Authorization: Bearer ${PIXAPI_KEY}" \
  -H "Content-Type: application/json" \
  --data "$body")

echo "$resp" | jq -r '.data[0].url'
