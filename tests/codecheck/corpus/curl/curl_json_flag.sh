#!/usr/bin/env bash
# curl >= 7.82: --json sets Content-Type and Accept to application/json.
curl --json '{"model": "nano-banana", "prompt": "Watercolor fox in the snow", "n": 1}' \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  https://api.pixapi.ai/v1/images/generations | jq -r '.data[0].url'
