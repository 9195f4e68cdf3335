#!/usr/bin/env bash
set -euo pipefail
AUTH_HEADER="Authorization: Token $PIXAPI_KEY"

curl -sS https://api.pixapi.ai/v1/images/generations \
  -H "$AUTH_HEADER" \
  -H "Content-Type: application/json" \
  -d '{"model":"nano-banana","prompt":"A snow globe with a tiny cabin"}'
