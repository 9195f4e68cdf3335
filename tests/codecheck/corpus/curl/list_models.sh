#!/bin/sh
# Which models can this key use?
curl -s https://api.pixapi.ai/v1/models \
  -H "Authorization: Bearer $PIXAPI_KEY" | jq -r '.data[] | "\(.id)\t\(.category)"'
