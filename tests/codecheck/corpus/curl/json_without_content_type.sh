#!/usr/bin/env bash
# Quick smoke test of the key.
curl -s https://api.pixapi.ai/v1/images/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -d '{"model": "nano-banana", "prompt": "A green apple on white"}' \
  | jq -r '.data[0].url'
