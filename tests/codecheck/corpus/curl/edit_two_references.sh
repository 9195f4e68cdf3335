#!/bin/sh
# Put the product from product.png into the scene from backdrop.png.
curl https://api.pixapi.ai/v1/images/edits \
  -H "Authorization: Bearer $PIXAPI_KEY" \
  -F "model=nano-banana-pro" \
  -F "prompt=Place the bottle from the first image into the scene of the second image" \
  -F "image=@product.png" \
  -F "image=@backdrop.png" \
  -F "size=1024x1024" \
  -o edit.json
jq -r '.data[0].url' edit.json
