#!/usr/bin/env bash
# History: this script used to append ?async=true to the generations URL.
# It now submits to the dedicated async endpoint and polls the task.
set -eu
ID=$(curl -s https://api.pixapi.ai/v1/async/images/generations \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"nano-banana-2","prompt":"A paper boat on a puddle"}' | jq -r .id)
until STATUS=$(curl -s "https://api.pixapi.ai/v1/tasks/$ID" -H "Authorization: Bearer $PIXAPI_KEY" | jq -r .status) \
  && { [ "$STATUS" = completed ] || [ "$STATUS" = failed ]; }; do
  sleep 2
done
echo "$ID finished: $STATUS"
