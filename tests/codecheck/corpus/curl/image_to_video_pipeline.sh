#!/usr/bin/env bash
# Image with Nano Banana, then a short clip with Veo from that image.
set -euo pipefail
BASE_URL="https://api.pixapi.ai"

IMAGE_URL=$(curl -sS "$BASE_URL/v1/images/generations" \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"nano-banana","prompt":"A red kite over green hills"}' | jq -r '.data[0].url')

VIDEO_BODY=$(jq -n --arg img "$IMAGE_URL" \
  '{model: "veo", prompt: "The kite drifts slowly to the right", input_image: $img, duration: 8}')

TASK_ID=$(curl -sS "$BASE_URL/v1/async/videos/generations" \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -H "Content-Type: application/json" \
  -d "$VIDEO_BODY" | jq -r '.id')

for _ in $(seq 1 120); do
  TASK=$(curl -sS "$BASE_URL/v1/tasks/$TASK_ID" -H "Authorization: Bearer $PIXAPI_KEY")
  STATUS=$(jq -r '.status' <<<"$TASK")
  if [ "$STATUS" = "completed" ]; then
    jq -r '.result.data[0].url' <<<"$TASK"
    exit 0
  elif [ "$STATUS" = "failed" ]; then
    echo "video failed: $TASK" >&2
    exit 1
  fi
  sleep 5
done
echo "timed out" >&2
exit 1
