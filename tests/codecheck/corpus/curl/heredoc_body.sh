#!/usr/bin/env bash
curl -sS --fail-with-body https://api.pixapi.ai/v1/images/generations \
  --header "Authorization: Bearer $PIXAPI_KEY" \
  --header 'Content-Type: application/json' \
  --data @- <<'JSON'
{
  "model": "gpt-image-1.5",
  "prompt": "Hand-lettered sign reading OPEN, chalk on slate",
  "n": 2,
  "size": "1024x1536",
  "quality": "medium"
}
JSON
