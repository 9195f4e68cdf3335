"""Pixapi's own curl examples from the captured pages in shared/seeds, verbatim except where the
capture flattened line breaks (restored). One table, used by the sandbox tests (run with real
curl) and by the check_code tests (which must find nothing wrong in them)."""

from __future__ import annotations

SEED_HOST = "https://api.pixapi.ai"


CURL_GENERATIONS: dict[str, str] = {
    # api-reference.txt
    "api-reference": """curl https://api.pixapi.ai/v1/images/generations \\
-H "Authorization: Bearer $PIXAPI_KEY" \\
-H "Content-Type: application/json" \\
-d '{
"model": "gemini-3-pro-image-preview",
"prompt": "A cinematic product photo of a ceramic coffee cup",
"n": 1,
"size": "1024x1024"
}'""",
    # home-page.txt, hero example (the capture flattened its line breaks; restored here)
    "home-page-hero": """curl https://api.pixapi.ai/v1/images/generations \\
  -H "Authorization: Bearer $PIXAPI_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{ "model": "gpt-image-2", "prompt": "A cinematic product hero shot", "n": 1, "size": "1024x1024" }'""",
    # home-page.txt, nano-banana example
    "home-page-nano-banana": """curl --request POST \\
--url https://api.pixapi.ai/v1/images/generations \\
--header 'Authorization: Bearer <token>' \\
--header 'Content-Type: application/json' \\
--data '{
"model": "nano-banana",
"prompt": "A cinematic product shot",
"size": "1024x1024"
}'""",
    # image-generation-api-page.txt
    "image-generation-api": """curl https://api.pixapi.ai/v1/images/generations \\
  -H "Authorization: Bearer $PIXAPI_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{
    "model": "gemini-3-pro-image-preview",
    "prompt": "A cinematic product photo",
    "n": 1,
    "size": "1024x1024"
  }'""",
}

CURL_EDIT = """curl https://api.pixapi.ai/v1/images/edits \\
-H "Authorization: Bearer $PIXAPI_KEY" \\
-F "model=gemini-3-pro-image-preview" \\
-F "prompt=Place the product on a warm studio background" \\
-F "image=@product.png" \\
-F "n=1" \\
-F "size=1024x1024\""""
