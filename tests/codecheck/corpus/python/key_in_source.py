import requests

PIXAPI_KEY = "sk-pixapi-EXAMPLEEXAMPLEEXAMPLE0000"

r = requests.post(
    "https://api.pixapi.ai/v1/images/generations",
    headers={"Authorization": f"Bearer {PIXAPI_KEY}"},
    json={"model": "nano-banana", "prompt": "A lighthouse in a storm"},
)
print(r.json()["data"][0]["url"])
